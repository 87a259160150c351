"""``batch-report DB --notice``: the notice list (存在问题的应用软件名单) of a real batch.

Expected rows are worked out by hand from the fixtures' planted problems (corpus/README.md,
the apps' groundtruth.json) and the rules' severities and notice categories:
- privacy_heavy (news): no privacy policy (PRIV-CODE-0006, high: 违规收集个人信息), PI beyond
  a news app's necessary PI (PRIV-CODE-0001, high: 超范围收集个人信息), unused CAMERA /
  RECORD_AUDIO / READ_CONTACTS (PRIV-PERM-0002, medium: APP强制、频繁、过度索取权限);
- recheck_v2 (news): clipboard, location, android_id beyond the necessary PI (超范围), unused
  RECORD_AUDIO (权限), an exported PushService (security: not a notice term, left out), a
  privacy policy shipped (no 违规收集 finding; its targetSdk-29 identifier rule is not hit);
- clean: no finding at all, so not listed.
应用来源: privacy_heavy from the map's source column (by package), recheck_v2 from the folder
it sits in. 应用开发者: the fixture key's certificate subject has O=appaudit.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from scanner.cli import cli

REPO = Path(__file__).resolve().parents[2]
APKS = REPO / "corpus" / "apk"


@pytest.fixture(scope="module")
def batch_db(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("notice")
    samples = root / "samples"
    (samples / "华为应用市场").mkdir(parents=True)
    (samples / "小米应用商店").mkdir(parents=True)
    shutil.copy(APKS / "privacy_heavy.apk", samples / "华为应用市场")
    shutil.copy(APKS / "clean.apk", samples / "华为应用市场")
    shutil.copy(APKS / "recheck_v2.apk", samples / "小米应用商店")
    cmap = root / "map.csv"
    cmap.write_text("key,category,source\ncom.appaudit.fixture.privacy,news,应用宝\n"
                    "recheck_v2.apk,news,\nclean.apk,utilities,\n", encoding="utf-8")
    db = root / "audit.sqlite"
    res = CliRunner().invoke(cli, ["batch", str(samples), "--db", str(db), "--category-map",
                                   str(cmap), "--no-progress"])
    assert res.exit_code == 0, res.output
    return db, cmap


EXPECTED = [
    ["序号", "应用名称", "应用开发者", "应用来源", "应用版本", "所涉问题"],
    [1, "整改复检测试", "appaudit", "小米应用商店", "1.1.0",
     "超范围收集个人信息\nAPP强制、频繁、过度索取权限"],
    [2, "隐私测试", "appaudit", "应用宝", "1.0.0",
     "违规收集个人信息\n超范围收集个人信息\nAPP强制、频繁、过度索取权限"],
]


def test_notice_list_xlsx(batch_db, tmp_path):
    db, cmap = batch_db
    out = tmp_path / "list.xlsx"
    res = CliRunner().invoke(cli, ["batch-report", str(db), "--notice", "-o", str(out),
                                   "--category-map", str(cmap)])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert ws.cell(1, 1).value == "存在问题的应用软件名单"
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert rows == EXPECTED
    basis = openpyxl.load_workbook(out).worksheets[1]
    assert [c.value for c in basis[2]][3] == "签名证书主体"


def test_notice_list_docx_and_severity_threshold(batch_db, tmp_path):
    db, cmap = batch_db
    out = tmp_path / "list.docx"
    res = CliRunner().invoke(cli, ["batch-report", str(db), "--notice", "-o", str(out),
                                   "--category-map", str(cmap)])
    assert res.exit_code == 0, res.output
    d = docx.Document(str(out))
    assert round(d.sections[0].page_width.mm) == 297  # landscape A4
    table = [[c.text for c in r.cells] for r in d.tables[0].rows]
    assert table == [[str(c) for c in row] for row in EXPECTED]
    # at --min-severity high the unused-permission category (medium) drops out
    out = tmp_path / "high.xlsx"
    res = CliRunner().invoke(cli, ["batch-report", str(db), "--notice", "-o", str(out),
                                   "--min-severity", "high"])
    assert res.exit_code == 0, res.output
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(out).worksheets[0]
            .iter_rows(min_row=3)]
    assert [r[5] for r in rows] == ["超范围收集个人信息", "违规收集个人信息\n超范围收集个人信息"]
    # without the map, privacy_heavy's source is its folder
    assert rows[1][3] == "华为应用市场"


def test_notice_list_refuses_other_suffixes(batch_db, tmp_path):
    db, _ = batch_db
    res = CliRunner().invoke(cli, ["batch-report", str(db), "--notice", "-o",
                                   str(tmp_path / "list.pdf"), "--lang", "en"])
    assert res.exit_code == 2
    assert "xlsx or .docx" in res.output


def test_english_notice_list(batch_db, tmp_path):
    db, _ = batch_db
    out = tmp_path / "en.xlsx"
    res = CliRunner().invoke(cli, ["batch-report", str(db), "--notice", "-o", str(out),
                                   "--lang", "en"])
    assert res.exit_code == 0, res.output
    data = io.BytesIO(out.read_bytes())
    ws = openpyxl.load_workbook(data).worksheets[0]
    assert [c.value for c in ws[2]] == ["No.", "App name", "Developer", "Source", "Version",
                                        "Problems found"]
    assert "Collection of personal information beyond the necessary scope" in ws.cell(3, 6).value


def test_results_stored_without_notice_fields_use_the_rules_categories(tmp_path):
    """A database filled before findings carried notice_category_id: the categories come from
    the current rules of the stored findings' rule ids (same list as with the fields)."""
    import json
    import zlib

    from scanner.batch.isolate import Outcome
    from scanner.batch.notice import notice_rows
    from scanner.batch.store import Store

    doc = json.loads((REPO / "tests" / "golden" / "privacy_heavy.json").read_text("utf-8"))
    old = json.loads(json.dumps(doc))
    for f in old["findings"]:
        f.pop("notice_category", None)
        f.pop("notice_category_id", None)
    with Store(tmp_path / "a.sqlite") as store:
        run = store.begin_run(str(tmp_path), {})
        for sha, d in (("a" * 64, doc), ("b" * 64, old)):
            d = {**d, "app": {**d["app"], "version_name": sha[:1]}}
            store.record(Outcome(sha, "ok", None, 0.1, None,
                                 result_z=zlib.compress(json.dumps(d).encode()),
                                 row={"package": d["app"]["package"]}), 1, run)
        rows = notice_rows(store, "medium")
    assert [r["version"] for r in rows] == ["a", "b"]
    assert rows[0]["problems"] == rows[1]["problems"] == \
        ["illegal_collection", "over_scope_collection", "permission_abuse"]
