#!/usr/bin/env python3
"""A bounded load test of the site: concurrent clients against ``ogi serve`` on 127.0.0.1.

    python scripts/load_test.py                    # 10,000 reports, 20 clients, 30 s
    python scripts/load_test.py --reports 2000 --clients 10 --duration 10

It writes a synthetic corpus (``ogi.synth.corpus``, printed in the text flattenings), builds it
with ``ogi build`` (both kept in --workdir and reused when the corpus size and seed match),
starts ``ogi serve`` on a free port of 127.0.0.1, and runs --clients concurrent clients for
--duration seconds (and at most --max-requests requests). Each client, in a loop without
pauses, picks a page as a reader would -- a table page with or without a facet or a sort, a
row, a search of the table or of everything, a canned query with its parameters, a report's
text, the dashboard and its charts' data, a full CSV download -- with values drawn from the
data (years, provinces, bodies, words that occur in the reports) by a seeded random number
generator, and reads the whole response. The clients are one asyncio process speaking
HTTP/1.1 on keep-alive connections (:class:`Connection`), cheap enough to leave the CPUs to
the server; the CPU time each side used is printed.

It prints, per page type, the requests made, the errors (any status but 200, or no answer),
the median (p50) and 95th percentile (p95) of the response time, and the share of responses
served from the site's response cache (``x-ogi-cache: hit``; the cache starts empty). The
target is no errors and p95 under 200 ms for table pages, searches and canned queries; the
exit status is 1 when it is missed. Not part of the test suite.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import click

TARGETED = ("table", "search", "query")
TARGET_P95_MS = 200.0
# how often each page type is asked for (relative weights)
WEIGHTS = {
    "table": 30,
    "row": 5,
    "search": 25,
    "query": 25,
    "report": 7,
    "dashboard": 3,
    "chart": 4,
    "csv": 1,
}
WORDS = ["舆情", "复议", "诉讼", "热线", "公开", "双随机", "政务公开", "依申请", "满意率", "条例"]
WORDS += ["信息公开", "不予公开", "行政复议", "主动公开", "门户网站", "解读", "预决算", "保密审查"]
WORDS += ["甲乙丙丁", "xyzzy"]  # words that occur nowhere


def write_corpus(folder: Path, reports: int, seed: int) -> None:
    """``reports`` synthetic reports (all generations, text flattenings) into ``folder``."""
    from ogi.synth import corpus
    from ogi.synth.model import TEXT_FORMS

    folder.mkdir(parents=True, exist_ok=True)
    for syn in corpus(reports, seed=seed, forms=TEXT_FORMS):
        (folder / syn.name).write_bytes(syn.data)


def site_digest() -> str:
    """A digest of what ``ogi build`` writes for the site: the views, full-text indexes and
    indexes of ``views.yml`` in the database, and ``metadata.yml`` (``site.yml``'s canned
    queries, facets and settings among it)."""
    from ogi.serve.metadata import metadata
    from ogi.store.views import declared

    text = json.dumps([declared(), metadata()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def prepare(workdir: Path, reports: int, seed: int) -> Path:
    """The built site for ``reports`` reports of ``seed``, built unless already there. A build
    made with another ``views.yml`` or ``site.yml`` gets this one's views, indexes and
    ``metadata.yml`` (as ``ogi build`` would make them) without parsing the reports again."""
    stamp = workdir / "stamp.json"
    out = workdir / "site"
    db = out / "build" / "ogi.db"
    want = {"reports": reports, "seed": seed}
    found = json.loads(stamp.read_text()) if stamp.exists() else {}
    if {k: found.get(k) for k in want} == want and db.exists():
        if found.get("site") != site_digest():
            import sqlite_utils

            from ogi.serve.metadata import write_metadata
            from ogi.store import facets
            from ogi.store.views import create_views

            t0 = time.monotonic()
            database = sqlite_utils.Database(db)
            create_views(database)
            with database.conn:
                facets.create_declared(database.conn)
            write_metadata(out / "metadata.yml")
            click.echo(
                f"updated the site's views, indexes and metadata.yml in {time.monotonic() - t0:.0f} s"
            )
            stamp.write_text(json.dumps({**want, "site": site_digest()}))
        click.echo(f"reusing the build in {out}")
        return out
    corpus_dir = workdir / "corpus"
    if corpus_dir.exists():
        for old in corpus_dir.iterdir():
            old.unlink()
    t0 = time.monotonic()
    write_corpus(corpus_dir, reports, seed)
    click.echo(f"wrote {reports} reports in {time.monotonic() - t0:.0f} s; building …")
    from ogi.build import build

    t0 = time.monotonic()
    result = build([corpus_dir], out)
    click.echo(f"built {result.reports} reports in {time.monotonic() - t0:.0f} s: {result.counts}")
    stamp.write_text(json.dumps({**want, "site": site_digest()}))
    return out


@dataclass
class Vocabulary:
    """Values to fill URLs with, read from the built database."""

    years: list[int]
    provinces: list[str]
    issuers: list[str]
    report_ids: list[str]
    indicators: list[str]
    checks: list[str]
    located: list[tuple[str, int, int]]  # report_id, start, end of a figure
    charts: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, db_path: Path) -> Vocabulary:
        from ogi.store.tables import sqlite_uri

        conn = sqlite3.connect(sqlite_uri(db_path, mode="ro"), uri=True)

        def column(sql: str) -> list:  # type: ignore[type-arg]
            return [r[0] for r in conn.execute(sql)]

        rng = random.Random(0)
        report_ids = column("select report_id from reports")
        located = [
            tuple(r)
            for r in conn.execute(
                "select report_id, start, [end] from figures where rowid % 97 = 0 limit 2000"
            )
        ]
        issuers = column("select distinct issuer from reports where issuer is not null")
        return cls(
            years=column("select distinct year from reports order by year"),
            provinces=column("select distinct province from reports where province is not null"),
            issuers=rng.sample(issuers, min(500, len(issuers))),
            report_ids=rng.sample(report_ids, min(2000, len(report_ids))),
            indicators=column(
                "select distinct indicator from statistics where indicator is not null"
            ),
            checks=column("select distinct [check] from checks"),
            located=located,  # type: ignore[arg-type]
        )


def chart_urls() -> list[str]:
    """The data URLs the dashboard's charts fetch (their SQL without filters)."""
    import re

    from ogi.serve.metadata import site

    urls = []
    for chart in site()["dashboards"]["overview"]["charts"].values():
        sql = re.sub(r"\[\[.*?\]\]", "", chart["query"])
        urls.append("/ogi.json?" + urlencode({"sql": sql, "_shape": "objects"}))
    return urls


def pick(rng: random.Random, v: Vocabulary) -> tuple[str, str]:
    """A page type and a URL, as a reader might ask for them."""
    kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    year, word = rng.choice(v.years), rng.choice(WORDS)
    province = rng.choice(v.provinces) if v.provinces else ""
    issuer = rng.choice(v.issuers)
    if kind == "table":
        url = rng.choice(
            [
                "/ogi/reports",
                "/ogi/sections",
                "/ogi/statistics",
                "/ogi/figures",
                "/ogi/citations",
                "/ogi/checks",
                "/ogi/summary",
                "/ogi/indicators",
                "/ogi/report_rates",
                f"/ogi/report_rates?year={year}",
                f"/ogi/report_rates?province={province}",
                f"/ogi/report_rates?year={year}&_sort_desc=refusal_rate",
                "/ogi/report_rates?_sort_desc=lawsuits_per_100",
                f"/ogi/report_rates?issuer={issuer}",
                f"/ogi/summary?year={year}",
                "/ogi/checks?status=fail",
                f"/ogi/checks?status=fail&check={rng.choice(v.checks)}",
                f"/ogi/statistics?indicator={rng.choice(v.indicators)}",
                f"/ogi/reports?year={year}&province={province}",
                f"/ogi/figures?kind={rng.choice(['count', 'percent', 'date', 'money'])}",
            ]
        )
    elif kind == "row":
        rid = rng.choice(v.report_ids)
        url = rng.choice([f"/ogi/reports/{rid}", f"/ogi/summary/{rid}"])
    elif kind == "search":
        url = rng.choice(
            [
                f"/-/search?q={word}",
                f"/ogi/sections?_search={word}",
                f"/ogi/figures?_search={word}",
                f"/ogi/citations?_search={word}",
                f"/-/search.json?q={word}",
            ]
        )
    elif kind == "query":
        url = rng.choice(
            [
                "/ogi/refusal_ranking",
                f"/ogi/refusal_ranking?year={year}",
                f"/ogi/refusal_ranking?province={province}",
                f"/ogi/body_over_years?issuer={issuer}",
                f"/ogi/body_over_years?issuer={issuer[:3]}",
                "/ogi/lawsuits_rose",
                f"/ogi/lawsuits_rose?year={year}",
                "/ogi/failing_reports",
                f"/ogi/failing_reports?year={year}",
                f"/ogi/failing_checks?issuer={issuer}",
                f"/ogi/failing_checks?year={year}",
                "/ogi/outcomes_by_year",
                f"/ogi/outcomes_by_year?province={province}",
                "/ogi/cited_documents",
                f"/ogi/cited_documents?q={word}",
                "/ogi/figures_by_unit",
                f"/ogi/search_text?q={word}",
            ]
        )
    elif kind == "report":
        rid, start, end = rng.choice(v.located)
        url = f"/-/report/{rid}?start={start}&end={end}"
    elif kind == "dashboard":
        url = rng.choice(["/-/dashboards/overview", f"/-/dashboards/overview?province={province}"])
    elif kind == "chart":
        url = rng.choice(v.charts)
    else:
        # as the pages link them: a whole table is the package's file, filtered rows stream
        url = rng.choice(
            [
                "/-/package/summary.csv?_bom=1",
                "/-/package/reports.csv",
                f"/ogi/report_rates.csv?_stream=on&_dl=on&_bom=on&year={year}",
                f"/ogi/checks.csv?_stream=on&_dl=on&status=fail&check={rng.choice(v.checks)}",
            ]
        )
    return kind, url


@dataclass
class Sample:
    kind: str
    url: str
    status: int  # 0: no answer
    ms: float
    cached: bool


class Connection:
    """One keep-alive HTTP/1.1 connection, read with asyncio streams.

    The clients run in this script's one process, on the CPUs the server needs, so a request
    must cost them little: httpx spends about 1.1 ms of CPU on a request and its 30 kB answer,
    this 0.1 ms -- at 300 requests a second, a third of a CPU given back to the server. It
    speaks just what a GET needs: a status line, headers, a body of Content-Length or chunked
    (Datasette's streamed CSV), and it reconnects when the server closed the connection.
    """

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers (lower-cased names) and body of GET ``path``."""
        return await asyncio.wait_for(self._get(path), self.timeout)

    async def _get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n"
        self.writer.write(request.encode("ascii"))
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append((await self.reader.readexactly(size + 2))[:-2])
                if size == 0:  # no trailers: the last chunk's CRLF ends the body
                    break
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def client(
    base: str,
    v: Vocabulary,
    seed: int,
    deadline: float,
    budget: list[int],
    out: list[Sample],
    think: float = 0.0,
) -> None:
    rng = random.Random(seed)
    parts = urlsplit(base)
    connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
    try:
        while time.monotonic() < deadline and budget[0] > 0:
            if think:
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
                if time.monotonic() >= deadline:
                    break
            budget[0] -= 1
            kind, url = pick(rng, v)
            path = quote(url, safe="/?&=%:;,+!*'()~-._")
            t0 = time.perf_counter()
            try:
                status, headers, _ = await connection.get(path)
                cached = headers.get("x-ogi-cache") == "hit"
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                status, cached = 0, False
                connection.close()
            out.append(Sample(kind, url, status, (time.perf_counter() - t0) * 1000, cached))
    finally:
        connection.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def report(samples: list[Sample], seconds: float) -> bool:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s)
    header = f"{'page type':<10} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cached':>7}"
    click.echo(header)
    click.echo("-" * len(header))
    ok = True
    for kind in [*WEIGHTS, "all"]:
        group = samples if kind == "all" else by_kind.get(kind, [])
        if not group:
            continue
        ms = [s.ms for s in group]
        failed = sum(1 for s in group if s.status != 200)
        cached = sum(s.cached for s in group) / len(group)
        p95 = percentile(ms, 95)
        click.echo(
            f"{kind:<10} {len(group):>8} {failed:>6} {statistics.median(ms):>8.1f} {p95:>8.1f} "
            f"{max(ms):>8.1f} {cached:>6.0%}"
        )
        if kind in TARGETED and p95 >= TARGET_P95_MS:
            ok = False
    errors = [s for s in samples if s.status != 200]
    for s in errors[:10]:
        click.echo(f"error: {s.status or 'no answer'} {s.kind} {s.url}", err=True)
    misses = [s.ms for s in samples if s.kind in TARGETED and not s.cached]
    if misses:
        click.echo(
            f"table/search/query responses not from the cache: {len(misses)}, "
            f"p50 {statistics.median(misses):.1f} ms, p95 {percentile(misses, 95):.1f} ms"
        )
    click.echo(
        "slowest: "
        + "; ".join(f"{s.ms:.0f} ms {s.url}" for s in sorted(samples, key=lambda s: -s.ms)[:5])
    )
    click.echo(f"{len(samples)} requests in {seconds:.1f} s ({len(samples) / seconds:.0f}/s)")
    verdict = "met" if ok and not errors else "MISSED"
    click.echo(
        f"target (0 errors, p95 < {TARGET_P95_MS:.0f} ms for {', '.join(TARGETED)}): {verdict}"
    )
    return ok and not errors


def wait_for_warm_up(base: str) -> None:
    """Wait until the pages ``ogi serve`` warms at start are cached, as a site would be before
    it is announced: ask for them last to first until one comes from the cache (those before
    it were warmed already; those after it, this call has just opened)."""
    from ogi.serve.app import warm_paths

    t0 = time.monotonic()
    for path in reversed(warm_paths()):
        with urllib.request.urlopen(base + path, timeout=120) as response:
            response.read()
            if response.headers.get("x-ogi-cache") == "hit":
                break
    click.echo(f"the site's warmed pages are cached ({time.monotonic() - t0:.0f} s)")


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by process ``pid`` and its descendants that are
    still running (the server's workers), from /proc; None where there is no /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, seconds)
    try:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry.name)] = (
                    int(fields[1]),
                    (int(fields[11]) + int(fields[12])) / tick,
                )
    except OSError:
        return None
    if pid not in stats:
        return None
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += stats[current][1]
        todo += [child for child, (parent, _) in stats.items() if parent == current]
    return total


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@click.command()
@click.option("--reports", default=10_000, show_default=True, help="Synthetic reports to build.")
@click.option("--clients", default=20, show_default=True, help="Concurrent clients.")
@click.option("--duration", default=30.0, show_default=True, help="Seconds of load.")
@click.option("--max-requests", default=200_000, show_default=True, help="Stop after this many.")
@click.option("--seed", default=0, show_default=True, help="Seed of the corpus and the clients.")
@click.option(
    "--think",
    default=0.0,
    show_default=True,
    help="Seconds each client pauses between requests (0: none, the hardest case).",
)
@click.option(
    "--url",
    default=None,
    help="Load a site already running there (built from the same --workdir) instead of starting one.",
)
@click.option(
    "--workdir",
    default=Path("build/loadtest"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the corpus and its build are kept.",
)
def main(
    reports: int,
    clients: int,
    duration: float,
    max_requests: int,
    seed: int,
    think: float,
    url: str | None,
    workdir: Path,
) -> None:
    """Build a site from REPORTS synthetic reports and load it; see the module docstring."""
    if not (1 <= clients <= 200 and 0 < duration <= 600):
        raise click.UsageError("keep the load bounded: 1–200 clients, at most 600 s")
    workdir.mkdir(parents=True, exist_ok=True)
    out = prepare(workdir, reports, seed)
    vocabulary = Vocabulary.read(out / "build" / "ogi.db")
    vocabulary.charts = chart_urls()
    server: subprocess.Popen[bytes] | None = None
    if url is None:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        ogi = Path(sys.executable).with_name("ogi")
        log = (workdir / "serve.log").open("wb")  # noqa: SIM115 (closed with the server)
        server = subprocess.Popen(
            [str(ogi) if ogi.exists() else "ogi", "serve", "--out", str(out), "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    else:
        base = url.rstrip("/")
    try:
        deadline = time.monotonic() + 60
        while True:
            if (server is not None and server.poll() is not None) or time.monotonic() > deadline:
                raise click.ClickException(f"the site did not answer; see {workdir / 'serve.log'}")
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        wait_for_warm_up(base)
        pause = f", pausing {think:g} s on average between requests" if think else ""
        click.echo(
            f"{clients} clients for {duration:.0f} s against {base} ({reports} reports){pause}"
        )
        if server is not None:
            from ogi.serve.app import default_workers

            click.echo(f"the server: `ogi serve` with {default_workers()} worker processes")
        samples: list[Sample] = []
        budget = [max_requests]

        async def run() -> float:
            t0 = time.monotonic()
            end = t0 + duration
            await asyncio.gather(
                *(
                    client(base, vocabulary, seed * 1000 + i, end, budget, samples, think)
                    for i in range(clients)
                )
            )
            return time.monotonic() - t0

        before = os.getloadavg()[0]
        server_before = cpu_seconds(server.pid) if server is not None else None
        client_before = time.process_time()
        seconds = asyncio.run(run())
        client_cpu = time.process_time() - client_before
        click.echo(
            f"machine load average (1 min) before {before:.1f}, after {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs (this script and the server included)"
        )
        server_after = cpu_seconds(server.pid) if server is not None else None
        used = (
            f"the server {server_after - server_before:.1f} s, "
            if server_before is not None and server_after is not None
            else ""
        )
        click.echo(
            f"CPU used during the load: {used}the clients {client_cpu:.1f} s "
            f"({1000 * client_cpu / max(1, len(samples)):.2f} ms a request)"
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    if not report(samples, seconds):
        sys.exit(1)


if __name__ == "__main__":
    main()
