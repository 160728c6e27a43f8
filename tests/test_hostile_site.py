"""Hostile clients of a real ``ogi serve`` on 127.0.0.1: SQL that would run for many seconds
or take gigabytes, requests that are not reads, mistakes Datasette answered with a 500 and a
traceback, and a kill of the server. Nothing here asserts how fast something is: a cached
page and the home page must answer while hostile queries are still running, and the hostile
queries must be refused or interrupted."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import SEED_ID
from test_site import _free_port, _ogi_executable, serving

from ogi.serve import guard

# Each runs until the time limit stops it (SQLite's progress handler, or the watchdog).
SLOW = (
    "with recursive n(i) as (select 1 union all select i + 1 from n) "
    "select count(*), length(group_concat(printf('%.*c', 100, 'x'))) from n"
)
# Each would make strings of hundreds of MB (7.8 GB of memory before the length limit), or
# run for seconds inside one call (printf's repeat count: 33 s before it was bounded).
BIG = [
    "select length(replace(replace(zeroblob(200000000), x'00', 'ab'), 'a', 'cc'))",
    "select length(group_concat(printf('%.*c', 1000000, 'x'))) from "
    "(with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000) "
    "select i from n)",
    "select length(printf('%.*c', 900000000, 'x')), length(printf('%.*c', 900000000, 'y'))",
]


def _get(url: str, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def _sql_url(base: str, sql: str, tag: int = 0) -> str:
    return f"{base}/ogi.json?sql={quote(sql)}&_tag={tag}"


def _warmed(log: Path) -> None:
    """Wait (up to 60 s) until the server has opened the pages it warms its cache with."""
    from ogi.serve.app import warm_paths

    last = warm_paths()[-1]
    for _ in range(600):
        if f"GET {last} " in log.read_text():
            return
        time.sleep(0.1)
    raise AssertionError("the warm-up did not end")


def _workers(pid: int) -> list[int]:
    """The child processes of ``pid`` that serve (the spawned workers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmd:
                found.append(int(child))
    return found


def _serve_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in cmd and port.encode() in cmd and b"--port" in cmd:
                return int(proc.name)
    raise AssertionError("no ogi serve process")


def _send(base: str, path: str) -> http.client.HTTPConnection:
    """Send a GET request now (it is in the server's socket when this returns); read the
    answer later with ``getresponse()``."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=300)
    conn.request("GET", path)
    return conn


def test_hostile_sql_holds_up_no_page_and_no_worker_exceeds_its_memory(
    built: Path, tmp_path: Path
) -> None:
    """Four hostile queries are sent, then a cached page, the home page and a page of the
    site's own queries. Each hostile query runs until the time limit stops it (each answer
    says "SQL Interrupted"), so it is still running, or waiting for its worker's SQL thread,
    until then; the cached page answers before any of them has, and the other pages before
    the last: no page waited for another client's SQL. Order of events, not durations."""
    with serving(built, tmp_path, "--workers", "2", "--verbose") as base:
        _warmed(tmp_path / "serve.log")
        cached = f"{base}/ogi/reports"
        assert _get(cached)[0] == 200
        assert _get(cached)[1]["x-ogi-cache"] == "hit"
        # what one statement may allocate, or do inside one call, is bounded: refused at once
        for i, sql in enumerate(BIG):
            status, _, body = _get(_sql_url(base, sql, i))
            assert (status, json.loads(body)["error"]) == (400, "string or blob too big"), sql
        done: list[str] = []  # what answered, in order
        lock = threading.Lock()
        results: dict[int, tuple[int, dict[str, Any]]] = {}

        def answer(name: str, conn: http.client.HTTPConnection) -> None:
            response = conn.getresponse()
            body = response.read()
            with lock:
                done.append(name)
            if name.startswith("hostile"):
                results[int(name[-1])] = (response.status, json.loads(body))
            else:
                assert response.status == 200, (name, body[:300])

        sent = [(f"hostile{i}", _send(base, _sql_url("", SLOW, 100 + i))) for i in range(4)]
        sent.append(("cached", _send(base, "/ogi/reports")))
        sent += [
            ("home", _send(base, "/?fresh=1")),
            ("own", _send(base, "/ogi/checks?_sort=check")),
        ]
        threads = [threading.Thread(target=answer, args=pair) for pair in sent]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        # each hostile query was interrupted at the time limit, a 400 saying so
        assert {i: (s, r["title"]) for i, (s, r) in results.items()} == dict.fromkeys(
            range(4), (400, "SQL Interrupted")
        )
        assert done[0] == "cached", done
        last_hostile = max(i for i, name in enumerate(done) if name.startswith("hostile"))
        assert done.index("home") < last_hostile and done.index("own") < last_hostile, done
        pid = _serve_pid(base)
        workers = _workers(pid)
        assert len(workers) == 2
        for w in workers:
            limits = Path(f"/proc/{w}/limits").read_text()
            line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
            assert line.split()[3] == str(guard.MEMORY_LIMIT), line
            status = Path(f"/proc/{w}/status").read_text()
            peak = next(x for x in status.splitlines() if x.startswith("VmPeak:"))
            assert int(peak.split()[1]) * 1024 <= guard.MEMORY_LIMIT, peak
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log


def test_requests_that_are_not_reads_and_mistakes_are_4xx_in_one_line(
    built: Path, tmp_path: Path
) -> None:
    with serving(built, tmp_path, "--workers", "1", "--verbose") as base:
        host, port = base.removeprefix("http://").split(":")
        statuses = {}
        for method, path in [
            ("POST", "/ogi/reports"),
            ("POST", "/ogi/failing_checks"),
            ("TRACE", "/ogi/reports"),
            ("CONNECT", "/ogi/reports"),
            ("DELETE", "/ogi/reports"),
        ]:
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            conn.request(
                method, path, body=b"sql=delete+from+reports" if method == "POST" else None
            )
            response = conn.getresponse()
            statuses[(method, path)] = (response.status, response.read().decode())
            conn.close()
        assert statuses == {
            key: (405, f"{key[0]} is not allowed: the site is read-only (GET and HEAD)\n")
            for key in statuses
        }
        assert _get(f"{base}/ogi/reports?_sort=nosuch")[::2] == (
            400,
            b"Cannot sort table by nosuch\n",
        )
        assert json.loads(_get(f"{base}/ogi/reports.json?_sort_desc=nosuch")[2]) == {
            "ok": False,
            "error": "Cannot sort table by nosuch",
            "status": 400,
        }
        assert _get(f"{base}/-/report/{SEED_ID}?start={10**30}")[0] == 400
        assert _get(f"{base}/-/report/{SEED_ID}?start=5&end={-1}")[0] == 400
        assert _get(f"{base}/-/report/{SEED_ID}?start=5")[0] == 200
        # every response carries the security headers, errors included
        for path in ["/", "/ogi/reports.json", "/ogi-static/ogi.css", "/nope", "/-/search"]:
            headers = {k.lower(): v for k, v in _get(base + path)[1].items()}
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["content-security-policy"] == guard.CSP, path
            assert headers["x-frame-options"] == "DENY", path
            assert "referrer-policy" in headers, path
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log and "Exception" not in log


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_stop_with_ogi_serve(built: Path, tmp_path: Path, sig: signal.Signals) -> None:
    """Killed, by SIGKILL too, ``ogi serve`` takes its workers with it: none is left
    listening on the port, not even one busy with a long statement."""
    port = _free_port()
    proc = subprocess.Popen(
        [_ogi_executable(), "serve", "--out", str(built), "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if _get(f"{base}/-/versions.json", timeout=1)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        workers = _workers(proc.pid)
        assert len(workers) == 2

        def long_statement() -> None:
            with contextlib.suppress(OSError):  # the server is killed under it
                _get(_sql_url(base, SLOW), timeout=5)

        busy = threading.Thread(target=long_statement, daemon=True)
        busy.start()
        time.sleep(0.5)
        os.kill(proc.pid, sig)
        proc.wait(30)
        for _ in range(300):  # up to 30 s
            if not any(Path(f"/proc/{w}").exists() and _alive(w) for w in workers):
                break
            time.sleep(0.1)
        assert [w for w in workers if _alive(w)] == []
        with pytest.raises(OSError):
            _get(f"{base}/-/versions.json", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_rebuild_into_a_served_folder_is_taken_up_whole_by_every_worker(
    tmp_path: Path,
) -> None:
    """A rebuild into the folder that ``ogi serve`` (two workers) serves: before it, every
    answer is of the first build; once it has published, every answer of every worker --
    a cached table page, the CSV download, ``select count(*)`` -- is of the new one (each
    request on a connection of its own, which the kernel spreads over the workers)."""
    from conftest import SEED

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / SEED.name).write_bytes(SEED.read_bytes())
    out = tmp_path / "out"
    ogi = _ogi_executable()
    assert subprocess.run([ogi, "build", str(raw), "--out", str(out)]).returncode == 0
    count = _sql_url("", "select count(*) as n from reports") + "&_shape=array"

    def answers(base: str) -> set[tuple[int, int, bytes]]:
        seen = set()
        for _ in range(12):
            rows = json.loads(_get(f"{base}/ogi/reports.json?_shape=array")[2])
            n = json.loads(_get(base + count)[2])[0]["n"]
            seen.add((len(rows), n, _get(f"{base}/-/package/reports.csv")[2]))
        return seen

    with serving(out, tmp_path, "--workers", "2") as base:
        before = (out / "data" / "reports.csv").read_bytes()
        assert answers(base) == {(1, 1, before)}
        (raw / "second.txt").write_text(SEED.read_text(encoding="utf-8") + "\n附\n")
        assert subprocess.run([ogi, "build", str(raw), "--out", str(out)]).returncode == 0
        after = (out / "data" / "reports.csv").read_bytes()
        assert after != before
        assert answers(base) == {(2, 2, after)}
        assert len(_workers(_serve_pid(base))) == 2
