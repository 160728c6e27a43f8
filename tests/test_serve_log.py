"""``ogi serve`` logs errors and slow requests, not every request, unless ``--verbose``; and it
says "serving" only once it can listen."""

from __future__ import annotations

import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from test_site import _ogi_executable, serving


def _open(base: str, paths: list[str]) -> None:
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=30) as r:
            assert r.status == 200


PATHS = ["/ogi/reports.json", "/ogi/checks.json"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_logs_no_request_unless_verbose(built: Path, tmp_path: Path, workers: str) -> None:
    quiet, loud = tmp_path / "quiet", tmp_path / "loud"
    quiet.mkdir()
    loud.mkdir()
    with serving(built, quiet, "--workers", workers) as base:
        _open(base, PATHS)
    with serving(built, loud, "--workers", workers, "--verbose") as base:
        _open(base, PATHS)
    quiet_log = (quiet / "serve.log").read_text()
    loud_log = (loud / "serve.log").read_text()
    assert "GET /ogi/reports.json" not in quiet_log
    assert (
        "GET /ogi/reports.json HTTP/1.1" in loud_log and "GET /ogi/checks.json HTTP/1.1" in loud_log
    )


def test_serve_logs_a_slow_request(built: Path, tmp_path: Path) -> None:
    # a threshold of 0 s makes every request slow: the line it writes, without timing anything
    with serving(built, tmp_path, "--workers", "1", OGI_SERVE_SLOW_SECONDS="0") as base:
        _open(base, PATHS[:1])
    log = (tmp_path / "serve.log").read_text()
    assert "SLOW:     GET /ogi/reports.json 200 in " in log


def test_serve_says_nothing_of_serving_when_the_port_is_taken(built: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                _ogi_executable(),
                "serve",
                "--out",
                str(built),
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert "serving" not in result.stdout
    assert f"127.0.0.1:{port}: cannot listen there" in result.stderr
    assert "Traceback" not in result.stderr
