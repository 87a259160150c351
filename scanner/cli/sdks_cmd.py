"""``appaudit sdks APK``: list the third-party SDKs inside an APK (the scan's SDK section alone)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scanner.detectors.sdks import sdk_matches
from scanner.errors import InputError
from scanner.ingest.apk import ApkReader
from scanner.ingest.dex import DexIndex
from scanner.model.serial import to_jsonable


@click.command("sdks")
@click.argument("apk", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
def sdks(apk: Path, as_json: bool, lang: str) -> None:
    """List the SDKs found in APK's code, with class evidence and versions."""
    ev = ApkReader(apk).read()
    if not ev.dex_files:
        raise InputError(f"{apk.name}: the APK has no dex files")
    index = DexIndex.from_dex_files([(d.name, d.data) for d in ev.dex_files])
    matches = sdk_matches(index, sample=10)
    if as_json:
        click.echo(json.dumps([{
            "id": m.sdk.id, "name": m.sdk.name, "name_zh": m.sdk.name_zh, "vendor": m.sdk.vendor,
            "country": m.sdk.country, "categories": list(m.sdk.categories),
            "version": m.version, "class_count": m.class_count,
            "packages": list(m.matched_by), "classes": list(m.classes),
        } for m in matches], ensure_ascii=False, indent=2, default=to_jsonable))
        return
    click.echo(f"{ev.package}: {len(matches)} SDK(s)")
    for m in matches:
        name = (m.sdk.name_zh or m.sdk.name) if lang == "zh" else m.sdk.name
        click.echo(f"  {m.sdk.id:<28} {name:<24} {m.version or '':<10} "
                   f"{','.join(m.sdk.categories):<24} {m.class_count:>5} classes  "
                   f"{' '.join(m.matched_by)}")


COMMANDS = [sdks]
