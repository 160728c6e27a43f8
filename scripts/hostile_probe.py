#!/usr/bin/env python3
"""How the site holds up under hostile SQL: a cached page's latency while four hostile
queries run, and each worker's peak memory against its limit.

    python scripts/hostile_probe.py                  # builds data/raw into a temporary folder
    python scripts/hostile_probe.py --out . --workers 2 --rounds 3

It starts ``ogi serve`` on a free port of 127.0.0.1, waits for its warm-up, asks once for a
table page (so that it is cached), then, --rounds times, sends four hostile queries at once --
each runs until the time limit interrupts it -- and, until the last of them has answered, asks
for the cached page again and again, timing each answer. It prints the cached page's latencies
(median, 95th percentile, maximum) measured while the hostile queries ran, how the hostile
queries answered, how long the refused ones (``printf('%.*c', 900000000, 'x')`` and the like)
took to be refused, and each worker's peak address space (``VmPeak``) and peak resident memory
(``VmHWM``) against its address-space limit. The target is a cached page under 0.5 s and no
worker above its limit; the exit status is 1 when either is missed. Not part of the test suite
(its figures are times: ``tests/test_hostile_site.py`` checks the same by order of events).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
SLOW = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
REFUSED = {
    "printf repeat": "select length(printf('%.*c', 900000000, 'x'))",
    "zeroblob replace": "select length(replace(zeroblob(200000000), x'00', 'ab'))",
    "instr blob in text": "select instr(cast(printf('%.*c', 4000000, 'a') as blob), "
    "printf('%.*c', 200000, 'a') || 'b')",
}
CACHED = "/ogi/reports"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ogi() -> str:
    return str(Path(sys.executable).parent / "ogi")


def get(base: str, path: str) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=300) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    return status, body, time.perf_counter() - started


def sql_path(sql: str, tag: int) -> str:
    return f"/ogi.json?sql={quote(sql)}&_tag={tag}"


def workers(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
    return found


def memory(pid: int) -> tuple[int, int, int]:
    """(VmPeak, VmHWM, address-space limit) of a process, in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmPeak", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    limits = Path(f"/proc/{pid}/limits").read_text().splitlines()
    line = next(x for x in limits if x.startswith("Max address space"))
    soft = line.split()[3]
    return fields["VmPeak"], fields["VmHWM"], int(soft) if soft.isdigit() else -1


def wait_ready(base: str, log: Path, timeout: float = 120) -> None:
    from ogi.serve.app import warm_paths

    last = warm_paths()[-1]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if f"GET {last} " in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise SystemExit(f"ogi serve did not warm up; see {log}")


def one_round(base: str, tag: int) -> tuple[list[float], list[tuple[int, str]]]:
    host, port = base.removeprefix("http://").split(":")
    conns = []
    for i in range(4):
        conn = http.client.HTTPConnection(host, int(port), timeout=300)
        conn.request("GET", sql_path(SLOW, tag * 10 + i))
        conns.append(conn)
    answers: list[tuple[int, str]] = []

    def read(conn: http.client.HTTPConnection) -> None:
        response = conn.getresponse()
        body = json.loads(response.read())
        answers.append((response.status, body.get("title") or body.get("error") or ""))

    threads = [threading.Thread(target=read, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    latencies = []
    while len(answers) < 4:  # some still running (or waiting for their worker's SQL thread)
        status, _, seconds = get(base, CACHED)
        if len(answers) < 4:
            latencies.append(seconds)
        assert status == 200
    for t in threads:
        t.join()
    return latencies, answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="a built folder (default: build data/raw)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ogi-hostile-") as tmp:
        out = args.out
        if out is None:
            out = Path(tmp) / "out"
            subprocess.run(
                [ogi(), "build", str(ROOT / "data" / "raw"), "--out", str(out)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "serve.log"
        with log.open("wb") as f:
            server = subprocess.Popen(
                [ogi(), "serve", "--out", str(out), "--port", str(port)]
                + ["--workers", str(args.workers), "--verbose"],
                stdout=f,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            wait_ready(base, log)
            get(base, CACHED)
            for name, sql in REFUSED.items():
                status, body, seconds = get(base, sql_path(sql, 0))
                error = json.loads(body).get("error")
                print(f"refused  {name:18} {status} {error!r} in {seconds * 1000:.0f} ms")
            latencies: list[float] = []
            answers: list[tuple[int, str]] = []
            for r in range(args.rounds):
                lat, ans = one_round(base, r)
                latencies += lat
                answers += ans
            latencies.sort()
            p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
            print(
                f"cached page {CACHED} while 4 hostile queries ran: {len(latencies)} answers, "
                f"p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
                f"max {latencies[-1] * 1000:.1f} ms, "
                f"{sum(x >= 0.5 for x in latencies)} of 0.5 s or more"
            )
            print("hostile queries answered:", sorted(set(answers)), f"x{len(answers)}")
            over = False
            for w in workers(server.pid):
                peak, hwm, limit = memory(w)
                over |= limit > 0 and peak > limit
                print(
                    f"worker {w}: VmPeak {peak >> 20} MB, VmHWM {hwm >> 20} MB, "
                    f"limit {limit >> 20 if limit > 0 else 'none'} MB"
                )
            return 1 if over or latencies[-1] >= 0.5 else 0
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
