"""Throughput and memory of traffic analysis next to mitmproxy's bare FlowReader read.

A capture of ``--flows`` HTTP flows is generated (mitmproxy FlowWriter; a mix of app API
calls, SDK reports with device identifiers in JSON/query/headers, gzip bodies, decoys).
Then, each in a fresh subprocess so peak RSS is per phase:

* ``bare``     — ``mitmproxy.io.FlowReader(fh).stream()`` counting flows (the limit);
* ``analysis`` — ``scanner.ingest.traffic.open_traffic`` + ``TrafficPiiDetector.traffic``
  with the fixture device facts: decoding, surfaces, known-value and pattern matching,
  party/SDK attribution, frequency.

Reported: seconds, flows/s, MB/s, peak RSS (MB), and the analysis/bare throughput ratio
(target ≥ 1/3). Run with two sizes to see that memory does not grow with the capture:

    python benchmarks/traffic_throughput.py --flows 100000
    python benchmarks/traffic_throughput.py --flows 20000 --flows 100000
    python benchmarks/traffic_throughput.py --flows 20000 --flows 100000 --pi-every 50

Peak RSS of the analysis grows only with the number of transmissions found (each is kept
for the result); with sparse PI (``--pi-every``) it stays flat in the capture's size.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "corpus" / "traffic" / "device-facts.json"


def generate(path: Path, n: int, seed: int = 1, pi_every: int = 1) -> None:
    """Write ``n`` flows to ``path``; only every ``pi_every``-th group of five flows carries
    PI (1 = the default mix where 3 flows in 5 do)."""
    from mitmproxy import http, io
    from mitmproxy.test import tflow

    facts = json.loads(FACTS.read_text("utf-8"))
    rng = random.Random(seed)
    fl = tflow.tflow(resp=True)
    fl.response = http.Response.make(200, b'{"code":0,"data":{"items":[1,2,3]}}',
                                     {"Content-Type": "application/json"})
    hosts = ["api.demoshop.cn", "img.demoshop.cn", "alog.umeng.com", "sdk.e.qq.com",
             "restapi.amap.com", "data.getui.com", "cdn.example-static.net"]
    imei_md5 = hashlib.md5(facts["imei"].encode()).hexdigest()
    t0 = 1764460800.0
    with open(path, "wb") as fh:
        w = io.FlowWriter(fh)
        for i in range(n):
            host = hosts[i % len(hosts)]
            kind = i % 5
            if (i // 5) % pi_every:
                kind = 0 if kind != 2 else 2  # PI-free flows of the same sizes
            headers = [(b"Host", host.encode()), (b"User-Agent", b"okhttp/4.9.3"),
                       (b"Accept", b"application/json")]
            body = b""
            path_q = (f"/v1/items?page={i % 50}&ts={int(t0 * 1000) + i}"
                      f"&sig={rng.getrandbits(128):032x}")
            method = "GET"
            if kind == 1:  # SDK report: JSON body with identifiers
                method = "POST"
                doc = {"header": {"imei_md5": imei_md5, "aid": facts["android_id"],
                                  "os": "Android 13", "seq": i},
                       "events": [{"id": f"e{j}", "t": int(t0) + i, "v": rng.random()}
                                  for j in range(8)]}
                body = json.dumps(doc).encode()
                headers.append((b"Content-Type", b"application/json"))
            elif kind == 2:  # gzip JSON body, no PI
                method = "POST"
                doc = {"items": [{"sku": rng.getrandbits(40), "price": rng.random() * 100,
                                  "order": f"{rng.getrandbits(48):015d}"[:15]}
                                 for _ in range(10)]}
                body = gzip.compress(json.dumps(doc).encode(), 1)
                headers += [(b"Content-Type", b"application/json"),
                            (b"Content-Encoding", b"gzip")]
            elif kind == 3:  # location in the query
                loc = facts["location"]
                path_q = f"/v3/geo?location={loc['lon']:.6f}%2C{loc['lat']:.6f}&key=k{i}"
            elif kind == 4:  # header identifier
                headers.append((b"X-Oaid", facts["oaid"].encode()))
            fl.id = f"bench-{i:07d}"
            fl.request = http.Request.make(method, f"https://{host}{path_q}", b"",
                                           http.Headers(headers))
            fl.request.raw_content = body
            fl.request.timestamp_start = t0 + i * 0.05
            w.add(fl)


def phase_bare(path: Path) -> dict:
    """Count flows with mitmproxy's reader only."""
    from mitmproxy import io

    t = time.perf_counter()
    n = 0
    with open(path, "rb") as fh:
        for _ in io.FlowReader(fh).stream():
            n += 1
    return {"flows": n, "seconds": time.perf_counter() - t}


def phase_analysis(path: Path) -> dict:
    """Run the traffic ingest and detector over the capture."""
    from scanner.detectors.interface import ScanContext
    from scanner.detectors.traffic_pii import TrafficPiiDetector
    from scanner.ingest.traffic import open_traffic
    from scanner.knowledge import load_knowledge
    from scanner.model.result import Transmission

    ctx = ScanContext(knowledge=load_knowledge())
    t = time.perf_counter()
    ctx.traffic = open_traffic([path], FACTS)
    n_tx = sum(1 for x in TrafficPiiDetector().traffic(ctx) if isinstance(x, Transmission))
    secs = time.perf_counter() - t
    return {"transmissions": n_tx, "seconds": secs}


def _run_phase(name: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", name, str(path)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flows", type=int, action="append")
    ap.add_argument("--pi-every", type=int, default=1,
                    help="PI in one group of five flows out of N (default 1: 3 in 5 flows)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the phases alternately N times and keep the fastest of each")
    ap.add_argument("--phase", choices=["bare", "analysis"])
    ap.add_argument("file", nargs="?")
    a = ap.parse_args()
    if a.phase:
        res = (phase_bare if a.phase == "bare" else phase_analysis)(Path(a.file))
        res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(res))
        return
    sizes = a.flows or [100000]
    print(f"{'flows':>8} {'MB':>7} {'phase':>9} {'s':>7} {'flows/s':>9} {'MB/s':>6} "
          f"{'peakMB':>7}")
    with tempfile.TemporaryDirectory() as td:
        for n in sizes:
            path = Path(td) / f"bench-{n}.mitm"
            generate(path, n, pi_every=a.pi_every)
            mb = path.stat().st_size / 1e6
            rows: dict[str, dict] = {}
            peaks: dict[str, float] = {}
            for _ in range(a.repeat):  # alternate phases; keep each one's fastest run
                for ph in ("bare", "analysis"):
                    r = _run_phase(ph, path)
                    peaks[ph] = max(peaks.get(ph, 0.0), r["peak_rss_mb"])
                    if ph not in rows or r["seconds"] < rows[ph]["seconds"]:
                        rows[ph] = r
            for ph in ("bare", "analysis"):
                r = {**rows[ph], "peak_rss_mb": peaks[ph]}
                print(f"{n:>8} {mb:>7.1f} {ph:>9} {r['seconds']:>7.2f} "
                      f"{n / r['seconds']:>9.0f} {mb / r['seconds']:>6.1f} "
                      f"{r['peak_rss_mb']:>7.0f}")
            ratio = rows["bare"]["seconds"] / rows["analysis"]["seconds"]
            print(f"{'':>8} analysis/bare throughput = {ratio:.2f} (target >= 0.33); "
                  f"transmissions {rows['analysis']['transmissions']}")


if __name__ == "__main__":
    main()
