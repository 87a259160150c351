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
from scanner.bundle.keys import env_passphrase, read_public_key_file
from scanner.bundle.verify import manifest_field, normalize_fingerprint
from scanner.cli.common import InputPath, Lines
from scanner.cli.helptext import LANG_OPTION, Command, Group
from scanner.errors import UsageError

PROBLEM_KINDS = ("changed", "missing", "added", "duplicate", "unsafe_name", "signature",
                 "manifest", "container")


def _default_analyst() -> str:
    return os.environ.get("APPAUDIT_ANALYST") or getpass.getuser()


@click.command("bundle", cls=Command)
@click.argument("result", type=InputPath())
@click.option("--case-id", default=None)
@click.option("--analyst", default=None)
@click.option("--include-inputs", is_flag=True)
@click.option("--lang", **LANG_OPTION)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def bundle(result: Path, case_id: str | None, analyst: str | None, include_inputs: bool,
           lang: str, output: Path) -> None:
    """Pack RESULT.json, its reports and inputs into a signed case zip."""
    info = make_bundle(result, output, analyst=analyst or _default_analyst(), case_id=case_id,
                       include_inputs=include_inputs, lang=lang)
    line = Lines(lang, "term_wrote", "cli_key", "cli_input", "cli_formats")
    line("term_wrote", line.m["cli_bundle_wrote"].format(path=info.path, n=len(info.files)))
    line("cli_key", f"Ed25519 {info.key_fingerprint}")
    for p in info.inputs_included:
        line("cli_input", line.m["cli_input_included"].format(p=p))
    for p in info.inputs_hash_only:
        line("cli_input", line.m["cli_input_hash_only"].format(p=p))
    if info.skipped_formats:
        line("cli_formats", line.m["cli_not_rendered"].format(f=", ".join(info.skipped_formats)))


def _echo_text(text: str) -> None:
    """One line of the verify report; lone surrogates (valid in the manifest's JSON, not
    printable) shown as U+FFFD."""
    click.echo(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))


@click.command("verify", cls=Command)
@click.argument("case", type=InputPath())
@click.option("--key", "key_file", type=InputPath(),
              default=None)
@click.option("--fingerprint", "key_fingerprint", default=None, metavar="SHA256")
@click.option("--lang", **LANG_OPTION)
def verify(case: Path, key_file: Path | None, key_fingerprint: str | None,
           lang: str = "zh") -> None:
    """Check every hash and the signature of CASE.zip; name what changed."""
    if key_file and key_fingerprint:
        raise UsageError("err_key_or_fingerprint")
    trusted = read_public_key_file(key_file) if key_file else None
    expected = normalize_fingerprint(key_fingerprint) if key_fingerprint else None
    report = verify_bundle(case, trusted_key=trusted, trusted_fingerprint=expected)
    echo = _echo_text
    line = Lines(lang, "cli_case", "cli_tool", "cli_signer", "cli_members", "cli_ok",
                 "cli_tampered", *(f"problem_{k}" for k in PROBLEM_KINDS))
    t = line.m

    def say(key: str, text: str) -> None:
        from scanner.cli.common import pad

        echo(pad(t[key], line.width) + text)

    m = report.manifest
    if m:
        say("cli_case", t["cli_case_line"].format(case=m.get("case_id") or "-",
                                                 analyst=m.get("analyst"),
                                                 created=m.get("created")))
        tool, rs = manifest_field(m, "tool"), manifest_field(m, "ruleset")
        say("cli_tool", t["cli_tool_line"].format(name=tool.get("name"),
                                                 version=tool.get("version"),
                                                 rv=rs.get("version"),
                                                 sha=str(rs.get("sha256"))[:16]))
    if report.key_fingerprint:
        trust = {None: t["cli_trust_none"], True: t["cli_trust_yes"],
                 False: t["cli_trust_no"]}[report.trusted]
        say("cli_signer", f"Ed25519 {report.key_fingerprint}" + t["paren"].format(trust))
    from scanner.messages import text_of

    for p in report.problems:  # the kind and the detail in the language
        say("problem_" + p.kind if "problem_" + p.kind in t else "cli_tampered",
            f"{p.path}{t['colon']}{text_of(p.detail_msg or p.detail, lang)}")
    if not report.hashed:
        say("cli_members", t["cli_members_unhashed"])
    if report.ok:
        say("cli_ok", t["cli_ok_line"].format(n=report.checked))
        raise SystemExit(0)
    say("cli_tampered", t["cli_tampered_line"].format(n=len(report.problems)))
    raise SystemExit(1)


@click.group("keys", cls=Group)
@click.option("--lang", **LANG_OPTION)
def keys(lang: str) -> None:
    """Analysts' signing keys (help text: cli_doc_keys); --lang here is the subcommands'
    default."""


@keys.command("generate")
@click.option("--analyst", required=True)
@click.option("--force", is_flag=True)
@click.option("--passphrase", "protect", is_flag=True)
@click.option("--lang", **LANG_OPTION)
def keys_generate(analyst: str, force: bool, protect: bool, lang: str = "zh") -> None:
    """Create an Ed25519 key pair for an analyst."""
    passphrase = None
    if protect:
        passphrase = env_passphrase() or _ask_passphrase(lang).encode("utf-8")
        if not passphrase:
            raise UsageError("err_empty_passphrase")
    info = generate_key(analyst, force=force, passphrase=passphrase)
    line = Lines(lang, "cli_private", "cli_public", "cli_key")
    line("cli_private", str(info.private_path))
    line("cli_public", str(info.public_path))
    line("cli_key", f"Ed25519 {info.fingerprint}")


def _ask_passphrase(lang: str) -> str:
    """The passphrase typed twice (hidden), asked in ``lang`` (click's own confirmation
    prompt and mismatch line are English only)."""
    from scanner.messages import render

    while True:
        first = click.prompt(render("cli_prompt_passphrase", {}, lang), hide_input=True,
                             prompt_suffix="", err=True)
        again = click.prompt(render("cli_prompt_passphrase_again", {}, lang),
                             hide_input=True, prompt_suffix="", err=True)
        if first == again:
            return first
        click.echo(render("cli_passphrases_differ", {}, lang), err=True)


@keys.command("list")
@click.option("--lang", **LANG_OPTION)
def keys_list(lang: str = "zh") -> None:
    """List the key pairs in the keys folder."""
    from scanner.report.i18n import messages

    found = list_keys()
    if not found:
        click.echo(messages(lang)["cli_no_keys"].format(dir=keys_dir()))
    from scanner.cli.common import display_width, pad

    width = max((display_width(k.analyst) for k in found), default=0) + 2
    for k in found:
        click.echo(f"{pad(k.analyst, width)}{k.fingerprint}  {k.public_path}")


COMMANDS = [bundle, verify, keys]
