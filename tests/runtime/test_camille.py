"""camille exports read as runtime logs. The test file is written with xlwt the way camille's
utlis/__init__.py write_xlsx writes it (sheet name, the seven header texts in its order, one
row per call; stack lines '   frame' joined by CRLF as its script.js getStackTrace does; times
as its get_format_time writes them, month counted from 0). Expected values follow from the
rows: see the comment on each."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli

xlwt = pytest.importorskip("xlwt")

HEADER = ["隐私政策状态", "时间点", "行为主体", "操作行为", "行为描述", "传入参数", "调用堆栈"]
IMEI = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
LOC = "Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)" \
      "Landroid/location/Location;"


def stack(*frames):
    return "".join("   " + f + "\r\n" for f in frames)


def write_camille(path, rows, header=HEADER):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("App_privacy_compliance_testing")
    for c, h in enumerate(header):
        sheet.write(0, c, h)
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row):
            sheet.write(r, c, v)
    book.save(str(path))
    return path


UMENG = stack("android.telephony.TelephonyManager.getDeviceId(Native Method)",
              "com.umeng.commonsdk.statistics.common.DeviceConfig.getImei(DeviceConfig.java:12)",
              "com.example.app.App.onCreate(App.java:9)")
APP_LOC = stack("android.location.LocationManager.getLastKnownLocation(Native Method)",
                "com.example.app.Map.tick(Map.java:40)")
PERM = stack("androidx.core.app.ActivityCompat.requestPermissions(Native Method)",
             "com.example.app.MainActivity.onCreate(MainActivity.java:30)")
ROWS = [
    # 2023-2-15 is 15 March 2023 (month from 0), 10:00:00 at UTC+8 = 02:00:00 UTC
    ["同意隐私政策前", "2023-2-15 10:0:0", "友盟", "获取电话相关信息", "获取IMEI", "无参数", UMENG],
    ["同意隐私政策前", "2023-2-15 10:0:3", "APP本身", "申请权限", '申请具体权限看"参数1"',
     '参数0："<instance: android.app.Activity>"\r\n'
     '参数1：["android.permission.CAMERA"]\r\n参数2：1',
     PERM],
    # camille's agree detection: the first 后 row is the consent moment (10:00:20)
    ["同意隐私政策后", "2023-2-15 10:0:20", "APP本身", "获取位置信息", "获取位置信息",
     '参数0："network"', APP_LOC],
    ["同意隐私政策后", "2023-2-15 10:0:21", "APP本身", "获取位置信息", "获取位置信息",
     '参数0："gps"', APP_LOC],
    # a hooked method the API map has no entry for: ignored
    ["同意隐私政策后", "2023-2-15 10:0:22", "APP本身", "获取系统信息", "x", "无参数",
     stack("android.os.SystemProperties.get(Native Method)", "com.example.app.A.b(A.java:1)")],
    # no readable time: counted as malformed
    ["同意隐私政策后", "yesterday", "APP本身", "x", "x", "", UMENG],
]


def run(tmp_path, path, *opts):
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["runtime", str(path), "--out", str(out), "--format", "json",
                                 *opts])
    assert r.exit_code in (0, 1), r.output
    return json.loads((out / "result.json").read_text("utf-8"))


def test_camille_export_read_as_runtime_evidence(tmp_path):
    doc = run(tmp_path, write_camille(tmp_path / "demo01.xls", ROWS))
    t0 = dt.datetime(2023, 3, 15, 2, 0, 0, tzinfo=dt.UTC).timestamp()
    calls = sorted((c["ts"] - t0, c["api"], c["pi_type"], c["sdk"], c["before_consent"])
                   for c in doc["runtime_calls"])
    assert calls == [(0.0, IMEI, "device_id", "umeng_analytics", True),
                     (20.0, LOC, "coarse_location", None, False),   # "network" -> coarse
                     (21.0, LOC, "precise_location", None, False)]  # "gps" -> precise
    assert [(p["ts"] - t0, p["permissions"], p["before_consent"])
            for p in doc["permission_requests"]] == [(3.0, ["android.permission.CAMERA"], True)]
    assert doc["runtime"]["consent_at"] - t0 == 20.0
    assert doc["runtime"]["consent_source"] == "log"
    assert doc["runtime"]["malformed"] == 1 and doc["partial"] is True
    assert {f["rule"] for f in doc["findings"]} >= {"PRIV-RT-0001", "PRIV-RT-0003"}


def test_zone_option_and_old_five_columns(tmp_path):
    # camille before 2022-11: 时间点, 操作行为, 行为描述, 传入参数, 调用堆栈; no consent column
    old = [r[1:2] + r[3:] for r in ROWS[:1]]
    path = write_camille(tmp_path / "old.xls", old, ["时间点", "操作行为", "行为描述", "传入参数",
                                                     "调用堆栈"])
    doc = run(tmp_path, path, "--tz", "UTC")
    t0 = dt.datetime(2023, 3, 15, 10, 0, 0, tzinfo=dt.UTC).timestamp()
    assert [(c["ts"] - t0, c["before_consent"]) for c in doc["runtime_calls"]] == [(0.0, None)]


def test_not_a_camille_file(tmp_path):
    bad = write_camille(tmp_path / "x.xls", [["a", "b"]], header=["foo", "bar"])
    r = CliRunner().invoke(cli, ["runtime", str(bad), "--out", str(tmp_path / "o"), "--lang", "en"])
    assert r.exit_code == 3 and "not a camille export" in r.output
    garbage = tmp_path / "g.xls"
    garbage.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    r = CliRunner().invoke(cli, ["runtime", str(garbage), "--out", str(tmp_path / "o2"), "--lang",
                                 "en"])
    assert r.exit_code == 3 and "camille" in r.output and "Traceback" not in r.output


def test_damaged_exports_give_a_typed_error_and_print_nothing(tmp_path, capfd):
    """Random byte changes (seeded) in a camille export: reading ends normally or with an
    InputError, and xlrd's own warnings never reach stdout/stderr."""
    import random

    from scanner.errors import InputError
    from scanner.ingest.runtime_log import RuntimeLog
    from scanner.knowledge import load_knowledge

    apis = load_knowledge().apis
    base = write_camille(tmp_path / "base.xls", ROWS).read_bytes()
    rng = random.Random(7)
    outcomes = set()
    for i in range(60):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"m{i}.xls"
        path.write_bytes(bytes(data))
        try:
            list(RuntimeLog((path,), apis=apis).records())
            outcomes.add("read")
        except InputError:
            outcomes.add("error")
    out = capfd.readouterr()
    assert out.out == "" and out.err == ""
    assert outcomes == {"read", "error"}  # both kinds of damage occur in these 60
