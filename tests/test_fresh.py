"""ogi.build.fresh: a function run in a new interpreter — its result or its error back, its
memory its own (not the pages of the process that started it), the starting program not run
again in it, and gone when the process that started it is killed."""

from __future__ import annotations

import operator
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ogi.build.fresh import Fresh
from ogi.build.workers import Aside

SRC = Path(__file__).resolve().parents[1] / "src"


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        line = next(x for x in f if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def test_the_result_and_the_error_come_back() -> None:
    assert Fresh(operator.add, 2, 3).result() == 5
    with pytest.raises(ValueError, match="invalid literal"):
        Fresh(int, "x").result()
    assert Fresh(os.getpid).result() != os.getpid()


def test_its_memory_is_its_own() -> None:
    """A fork of a process holding 400 MB counts them as its own; a fresh interpreter does
    not (this is why the Parquet writer of a large build is one)."""
    held = bytearray(400 << 20)
    held[::4096] = b"x" * len(held[::4096])  # touched: resident
    forked, fresh = Aside(peak_mb).result(), Fresh(peak_mb).result()
    del held
    assert forked > 400
    assert fresh < 200


def test_the_program_that_started_it_is_not_run_again(tmp_path: Path) -> None:
    """multiprocessing's spawn imports the starting script again in the child: a script
    without a ``__main__`` guard would build twice. A fresh interpreter runs only ``fn``."""
    runs = tmp_path / "runs.txt"
    script = tmp_path / "prog.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os
            from ogi.build.fresh import Fresh
            with open({str(runs)!r}, "a") as f:
                f.write("started\\n")
            print(Fresh(os.getpid).result() != os.getpid())
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"
    assert runs.read_text() == "started\n"


def test_it_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    """SIGKILL the starter while its fresh child sleeps: the child is killed too
    (PR_SET_PDEATHSIG), so a killed build leaves no writer behind."""
    pid_file = tmp_path / "child.pid"
    script = tmp_path / "starter.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(Path(__file__).parent)!r})
            from ogi.build.fresh import Fresh
            import test_fresh
            Fresh(test_fresh.sleep_after_writing_pid, {str(pid_file)!r}).result()
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    starter = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text().endswith("\n")):
            assert time.monotonic() < deadline, "the fresh child did not start"
            assert starter.poll() is None, "the starter ended"
            time.sleep(0.05)
        child = int(pid_file.read_text())
    finally:
        starter.send_signal(signal.SIGKILL)
        starter.wait()
    deadline = time.monotonic() + 60
    while alive(child):
        assert time.monotonic() < deadline, "the fresh child outlived its starter"
        time.sleep(0.05)


def sleep_after_writing_pid(path: str) -> None:
    Path(path).write_text(f"{os.getpid()}\n")
    time.sleep(600)


def alive(pid: int) -> bool:
    """The process runs (a zombie, killed and not yet reaped by init, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
