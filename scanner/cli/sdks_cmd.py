"""``appaudit sdks APK``: list the third-party SDKs inside an APK (the scan's SDK section alone)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scanner.cli.common import InputPath
from scanner.cli.helptext import LANG_OPTION, Command
from scanner.detectors.sdks import sdk_matches
from scanner.errors import InputError
from scanner.ingest.apk import ApkReader
from scanner.ingest.dex import DexIndex
from scanner.model.serial import to_jsonable
from scanner.sdk.catalog import default_catalog


@click.command("sdks", cls=Command)
@click.argument("apk", type=InputPath())
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", **LANG_OPTION)
def sdks(apk: Path, as_json: bool, lang: str) -> None:
    """List the SDKs found in APK's code and native libraries, with their evidence and
    versions."""
    ev = ApkReader(apk).read()
    code = []
    if ev.dex_files:
        index = DexIndex.from_dex_files([(d.name, d.data) for d in ev.dex_files])
        code = sdk_matches(index, sample=10)
    native = {m.id: m for m in default_catalog().match_native(ev.entry_names)}
    if not code and not native and not ev.dex_files:
        raise InputError("err_sdks_no_code", name=apk.name)
    rows = [(m, native.pop(m.id, None)) for m in code]
    rows += [(None, n) for n in native.values()]
    rows.sort(key=lambda r: (r[0] or r[1]).id)
    if as_json:
        click.echo(json.dumps([_row(m, n) for m, n in rows], ensure_ascii=False, indent=2,
                              default=to_jsonable))
        return
    from scanner.cli.common import pad
    from scanner.report.i18n import messages

    msg = messages(lang)
    from scanner.cli.common import display_width

    click.echo(msg["cli_sdks_count"].format(pkg=ev.package, n=len(rows)))
    table = []
    for m, n in rows:
        sig = (m or n).sdk
        name = (sig.name_zh or sig.name) if lang == "zh" else sig.name
        version = m.version if m else None
        classes = msg["cli_classes"].format(n=m.class_count if m else 0)
        libs = f"  {len(n.native_libs)} .so" if n else ""
        cats = msg["list_sep"].join(msg.get(f"sdkcat_{c}", c) for c in sig.categories)
        table.append((sig.id, name, version or "", cats, classes + libs,
                      " ".join((m.matched_by if m else ()) + (n.matched_by if n else ()))))
    widths = [max((display_width(r[i]) for r in table), default=0) + 2 for i in range(5)]
    for r in table:
        click.echo("  " + "".join(pad(r[i], widths[i]) for i in range(5)) + r[5])


def _row(m, n) -> dict:
    sig = (m or n).sdk
    return {
        "id": sig.id, "name": sig.name, "name_zh": sig.name_zh, "vendor": sig.vendor,
        "country": sig.country, "categories": list(sig.categories),
        "version": m.version if m else None, "class_count": m.class_count if m else 0,
        "packages": list(m.matched_by) if m else [], "classes": list(m.classes) if m else [],
        "native_libs": list(n.native_libs) if n else [],
    }


COMMANDS = [sdks]
