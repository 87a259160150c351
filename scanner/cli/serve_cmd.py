"""``appaudit serve``: the local web workbench (see scanner.serve).

Exit codes: 0 after a clean stop (Ctrl-C); 2 usage (bad port, data folder unusable);
3 when ``--db`` is not a batch database.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from pathlib import Path

import click

from scanner.cli.helptext import LANG_OPTION, Command
from scanner.errors import UsageError


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_listen(host: str, port: int) -> None:
    """A usage error (exit 2, one line in --lang) when ``host:port`` cannot be listened on
    (port taken, address not this machine's, unknown host name), instead of the web
    server's own English log line after the start banner."""
    import socket

    from scanner.messages import msg, os_reason

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(infos[0][4])
    except socket.gaierror as e:
        raise UsageError("err_serve_listen", host=host, port=port,
                         reason=msg("reason_host_unknown")) from e
    except OSError as e:
        raise UsageError("err_serve_listen", host=host, port=port, reason=os_reason(e)) from e


@click.command("serve", cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8750, show_default=True)
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              default=Path("appaudit-data"), show_default=True)
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--token", default=None, envvar="APPAUDIT_TOKEN")
@click.option("--max-upload", type=click.IntRange(1, 4096), default=200, show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True)
@click.option("--max-memory", type=click.IntRange(min=0), default=4096, show_default=True)
@click.option("--analyst", default="workbench", show_default=True)
@click.option("--lang", **LANG_OPTION)
def serve(host: str, port: int, data: Path, db: Path | None, token: str | None,
          max_upload: int, jobs: int, timeout: float, max_memory: int, analyst: str,
          lang: str) -> None:
    """Run the web workbench: upload apps, follow scans, read reports, REST API."""
    import uvicorn

    from scanner.batch.isolate import Limits
    from scanner.batch.store import Store
    from scanner.serve.app import ServeConfig, create_app
    from scanner.serve.security import new_token

    if token is not None and len(token) < 16:
        raise UsageError("err_token_short")
    os.umask(0o077)  # the database, uploads and keys are case evidence: owner only
    try:
        for sub in ("", "uploads", "tmp", "keys"):
            (data / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        from scanner.messages import os_reason

        raise UsageError("err_data_folder", path=str(data), reason=os_reason(e)) from e
    data = data.resolve()
    db = (db or data / "audit.sqlite").resolve()
    with Store(db):  # InputError (exit 3) when it is not a batch database
        pass
    # Form uploads spool to temporary files: keep them inside the data folder.
    tempfile.tempdir = str(data / "tmp")
    os.environ["TMPDIR"] = str(data / "tmp")
    _check_listen(host, port)
    generated = token is None
    token = token or new_token()
    config = ServeConfig(data=data, db=db, token=token, max_upload_mb=max_upload, jobs=jobs,
                         limits=Limits(timeout, max_memory), analyst=analyst, lang=lang)
    app = create_app(config)
    url_host = f"[{host}]" if ":" in host else host
    from scanner.messages import render

    click.echo(render("cli_serve_url", {"url": f"http://{url_host}:{port}/", "data": data,
                                        "db": db}, lang))
    if generated:
        click.echo(render("cli_serve_token", {"token": token}, lang))
    if not _loopback(host):
        click.echo(render("cli_serve_exposed", {"host": host}, lang), err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                server_header=False, date_header=False)


COMMANDS = [serve]
