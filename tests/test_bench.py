"""The benchmark's own measurements (``scripts/bench.py``; the benchmark itself runs in
``make bench``, not here).

Each step of the benchmark runs in a process of its own, spawned from the benchmark's; the peak
memory it reports must be that process's, not the memory of the benchmark that started it (on
Linux, ``ru_maxrss`` carries over the exec that starts a spawned process)."""

from __future__ import annotations

from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def test_a_spawned_step_reports_its_own_peak_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(SCRIPTS))
    import bench

    ballast = bytearray(400 << 20)  # 400 MB in this process, every page touched
    ballast[:: 1 << 12] = b"x" * len(ballast[:: 1 << 12])
    own, children = bench._in_child(bench._peak_mb)
    del ballast
    assert 5 < own < 200  # an interpreter with click imported: tens of MB, not 400
    assert children >= 0
