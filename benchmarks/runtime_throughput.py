"""Runtime hook-log reading speed and memory: writes a synthetic log of the given size
(reads by three SDKs and the app, permission prompts, one consent event), runs
`appaudit runtime` on it in a child process and prints events/s (wall clock, whole process
from spawn to exit), the child's CPU seconds (user + system, all threads: the log's SHA-256
and SM3 are computed in a second thread while it is parsed), peak RSS and the load average
before and after (the machine is shared: compare runs at similar load).

    python benchmarks/runtime_throughput.py [--mb 200] [--frames 1]

``--frames N`` gives every event a stack of N frames like the hook script writes (it keeps at
most 32): the platform's frames first, then the SDK's or app's; events are then larger, so
the same megabytes hold fewer of them (MiB/s is printed too).
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


FRAMEWORK = ["dalvik.system.VMStack.getThreadStackTrace(Native Method)",
             "java.lang.Thread.getStackTrace(Thread.java:1736)",
             "android.telephony.TelephonyManager.getDeviceId(TelephonyManager.java:2110)"]
TAIL = ["com.example.app.MainActivity.onCreate(MainActivity.java:30)",
        "android.app.Activity.performCreate(Activity.java:8000)",
        "android.app.Instrumentation.callActivityOnCreate(Instrumentation.java:1309)",
        "android.app.ActivityThread.performLaunchActivity(ActivityThread.java:3422)",
        "android.os.Handler.dispatchMessage(Handler.java:106)",
        "android.os.Looper.loop(Looper.java:223)",
        "com.android.internal.os.ZygoteInit.main(ZygoteInit.java:947)"]


def stacks(frames: int) -> list[list[str]]:
    """STACKS, each grown to ``frames`` frames: platform frames first, app/platform after."""
    if frames <= 1:
        return STACKS
    out = []
    for s in STACKS:
        full = FRAMEWORK + s + TAIL * 8
        out.append(full[:max(frames, len(FRAMEWORK) + 1)])
    return out


def write_log(path: Path, mb: int, frames: int = 1) -> int:
    STACKS = stacks(frames)  # noqa: N806
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
    ap.add_argument("--frames", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "hooks.jsonl"
        events = write_log(log, args.mb, args.frames)
        load0 = os.getloadavg()
        t0 = time.perf_counter()
        env = dict(os.environ, PYTHONPATH=str(REPO))
        proc = subprocess.run([sys.executable, "-m", "scanner", "runtime", str(log), "--out",
                               str(Path(tmp) / "out"), "--format", "json"], env=env,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        load1 = os.getloadavg()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        rss = usage.ru_maxrss / 1024
        cpu = usage.ru_utime + usage.ru_stime
        if proc.returncode not in (0, 1):
            print(proc.stderr)
            return 1
        size = log.stat().st_size / (1 << 20)
        print(f"log {size:.0f} MiB, {events} events, {args.frames} frame(s) per stack: "
              f"{seconds:.1f} s wall, {events / seconds:,.0f} events/s, "
              f"{size / seconds:.0f} MiB/s; child CPU {cpu:.1f} s; peak RSS {rss:.0f} MiB; "
              f"load average {load0[0]:.1f} before, {load1[0]:.1f} after (on "
              f"{os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
