"""Runtime hook-log reading speed and memory: writes a synthetic log of the given size
(reads by three SDKs and the app, permission prompts, starts, one consent event), runs
`appaudit runtime` on it in a child process and prints events/s and peak RSS.

    python benchmarks/runtime_throughput.py [--mb 200]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APIS = ["Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;",
        "Lcom/amap/api/location/AMapLocationClient;->getLastKnownLocation()"
        "Lcom/amap/api/location/AMapLocation;",
        "Landroid/net/wifi/WifiInfo;->getMacAddress()Ljava/lang/String;"]
STACKS = [["com.umeng.commonsdk.statistics.common.DeviceConfig.getImei(DeviceConfig.java:12)"],
          ["com.amap.api.location.AMapLocationClient.a(Unknown Source)"],
          ["com.igexin.push.core.a.b(Unknown Source)"],
          ["com.example.app.MainActivity.onCreate(MainActivity.java:30)"]]


def write_log(path: Path, mb: int) -> int:
    n = 0
    target = mb << 20
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"ts": 0, "event": "meta", "package": "com.example.app"}) + "\n")
        size = 0
        while size < target:
            n += 1
            ts = n * 0.01
            if n == 1000:
                line = json.dumps({"ts": ts, "event": "consent"})
            elif n % 5000 == 0:
                line = json.dumps({"ts": ts, "event": "permission_request",
                                   "permissions": ["android.permission.CAMERA"],
                                   "result": {"android.permission.CAMERA": "denied"},
                                   "stack": STACKS[3]})
            else:
                line = json.dumps({"ts": ts, "event": "api", "api": APIS[n % 3],
                                   "args": [], "ret": "x", "stack": STACKS[n % 4],
                                   "thread": "main", "state": "foreground"})
            fh.write(line + "\n")
            size += len(line) + 1
    return n + 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "hooks.jsonl"
        events = write_log(log, args.mb)
        t0 = time.perf_counter()
        env = dict(os.environ, PYTHONPATH=str(REPO))
        proc = subprocess.run([sys.executable, "-m", "scanner", "runtime", str(log), "--out",
                               str(Path(tmp) / "out"), "--format", "json"], env=env,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode not in (0, 1):
            print(proc.stderr)
            return 1
        print(f"log {args.mb} MiB, {events} events: {seconds:.1f} s, "
              f"{events / seconds:,.0f} events/s, peak RSS {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
