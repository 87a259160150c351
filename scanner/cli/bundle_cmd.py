"""``appaudit bundle``, ``appaudit verify`` and ``appaudit keys``: signed case evidence.

verify exits 0 when the bundle is intact, 1 when anything was changed, removed, added
or the signature fails (each problem on its own line), 3 when the file is not a zip or
not a case bundle (neither manifest nor signature).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click

from scanner.bundle import generate_key, keys_dir, list_keys, make_bundle, verify_bundle
from scanner.bundle.bundle import MAX_INPUT_BYTES
from scanner.bundle.keys import env_passphrase, read_public_key_file
from scanner.bundle.verify import manifest_field, normalize_fingerprint
from scanner.cli.common import InputPath
from scanner.errors import UsageError


def _default_analyst() -> str:
    return os.environ.get("APPAUDIT_ANALYST") or getpass.getuser()


@click.command("bundle")
@click.argument("result", type=InputPath())
@click.option("--case-id", default=None, help="Case number recorded in the manifest.")
@click.option("--analyst", default=None,
              help="Analyst whose key signs the bundle (default $APPAUDIT_ANALYST or the user).")
@click.option("--include-inputs", is_flag=True,
              help=f"Put the input files in the bundle (up to {MAX_INPUT_BYTES >> 20} MiB "
                   "each; larger ones are recorded by hash only).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The case zip to write.")
def bundle(result: Path, case_id: str | None, analyst: str | None, include_inputs: bool,
           lang: str, output: Path) -> None:
    """Pack RESULT.json, its reports and inputs into a signed case zip."""
    info = make_bundle(result, output, analyst=analyst or _default_analyst(), case_id=case_id,
                       include_inputs=include_inputs, lang=lang)
    click.echo(f"wrote     {info.path} ({len(info.files)} files + manifest, signed)")
    click.echo(f"key       Ed25519 {info.key_fingerprint}")
    for p in info.inputs_included:
        click.echo(f"input     {p} (included)")
    for p in info.inputs_hash_only:
        click.echo(f"input     {p} (hashes only)")
    if info.skipped_formats:
        click.echo(f"formats   not rendered: {', '.join(info.skipped_formats)}")


def _echo_text(text: str) -> None:
    """One line of the verify report; lone surrogates (valid in the manifest's JSON, not
    printable) shown as U+FFFD."""
    click.echo(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))


@click.command("verify")
@click.argument("case", type=InputPath())
@click.option("--key", "key_file", type=InputPath(),
              default=None, help="Trusted public key file (.pub); the signer must match it.")
@click.option("--fingerprint", "key_fingerprint", default=None, metavar="SHA256",
              help="The trusted key's fingerprint (64 hex digits, as `appaudit keys list` "
                   "prints it), e.g. from the case file; the signer must match it.")
def verify(case: Path, key_file: Path | None, key_fingerprint: str | None) -> None:
    """Check every hash and the signature of CASE.zip; name what changed."""
    if key_file and key_fingerprint:
        raise UsageError("give --key or --fingerprint, not both")
    trusted = read_public_key_file(key_file) if key_file else None
    expected = normalize_fingerprint(key_fingerprint) if key_fingerprint else None
    report = verify_bundle(case, trusted_key=trusted, trusted_fingerprint=expected)
    echo = _echo_text
    m = report.manifest
    if m:
        echo(f"case      {m.get('case_id') or '-'}  analyst {m.get('analyst')}  "
                   f"created {m.get('created')}")
        tool, rs = manifest_field(m, "tool"), manifest_field(m, "ruleset")
        echo(f"tool      {tool.get('name')} {tool.get('version')}  rulesets "
                   f"{rs.get('version')} ({str(rs.get('sha256'))[:16]}…)")
    if report.key_fingerprint:
        trust = {None: "not checked against a trusted key (use --key or --fingerprint)",
                 True: "trusted key",
                 False: "NOT the trusted key"}[report.trusted]
        echo(f"signer    Ed25519 {report.key_fingerprint}  ({trust})")
    for p in report.problems:
        echo(str(p))
    if not report.hashed:
        echo("members   not hashed: without a valid signature the manifest's hashes "
                   "cannot be trusted")
    if report.ok:
        echo(f"OK        {report.checked} files match the signed manifest")
        raise SystemExit(0)
    echo(f"TAMPERED  {len(report.problems)} problem(s)")
    raise SystemExit(1)


@click.group("keys")
def keys() -> None:
    """Manage analysts' signing keys."""


@keys.command("generate")
@click.option("--analyst", required=True, help="Analyst name the key belongs to.")
@click.option("--force", is_flag=True, help="Replace an existing key.")
@click.option("--passphrase", "protect", is_flag=True,
              help="Encrypt the private key with a passphrase ($APPAUDIT_KEY_PASSPHRASE, else "
                   "asked for); `bundle` then reads it from $APPAUDIT_KEY_PASSPHRASE.")
def keys_generate(analyst: str, force: bool, protect: bool) -> None:
    """Create an Ed25519 key pair for an analyst."""
    passphrase = None
    if protect:
        passphrase = env_passphrase() or click.prompt(
            "passphrase", hide_input=True, confirmation_prompt=True).encode("utf-8")
        if not passphrase:
            raise UsageError("an empty passphrase protects nothing")
    info = generate_key(analyst, force=force, passphrase=passphrase)
    click.echo(f"private   {info.private_path}")
    click.echo(f"public    {info.public_path}")
    click.echo(f"key       Ed25519 {info.fingerprint}")


@keys.command("list")
def keys_list() -> None:
    """List the key pairs in the keys folder."""
    found = list_keys()
    if not found:
        click.echo(f"no keys in {keys_dir()}")
    for k in found:
        click.echo(f"{k.analyst:<20} {k.fingerprint}  {k.public_path}")


COMMANDS = [bundle, verify, keys]
