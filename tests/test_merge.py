"""`ogi merge`: builds of parts of the inputs, made separately, merged into one build that is
byte for byte the build of all the inputs — every published file, the database included —
with the checks across reports made anew across the shards, and a copy of a report in
another shard rejected as one build rejects it.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEED

from ogi.build import build
from ogi.build.merge import merge
from ogi.errors import OgiError
from ogi.synth import corpus

OGI = Path(sys.executable).parent / "ogi"
BODY = "福州市晋安区人民政府"
RULE = "cross_year.carried_in"


def every_file(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two folders of inputs: synthetic reports dealt between them; three reports of one
    body for 2022–2024, the middle year in the second folder; a copy, in the second, of a
    report of the first; and a file that is no report."""
    root = tmp_path_factory.mktemp("inputs")
    a, b = root / "a", root / "b"
    a.mkdir()
    b.mkdir()
    for i, syn in enumerate(corpus(14, seed=5, forms=("cell_lines", "markdown", "html"))):
        (a if i % 2 else b).joinpath(syn.name).write_bytes(syn.data)
    pool = corpus(6, seed=11, fault_rate=0, forms=("cell_lines",), generations=(3,))
    for year, syn in zip((2022, 2023, 2024), pool, strict=False):
        text = syn.text.replace(syn.issuer, BODY).replace(f"{syn.year}年", f"{year}年")
        (b if year == 2023 else a).joinpath(f"body_{year}.txt").write_text(text, "utf-8")
    shutil.copy(SEED, a / SEED.name)
    shutil.copy(SEED, b / "zz_copy_of_the_seed.txt")
    (b / "empty.txt").write_bytes(b"")
    return a, b


def test_merged_shards_are_the_build_of_all_the_inputs(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = inputs
    single = tmp_path / "single"
    build([a, b], single, jobs=1)
    build([a], tmp_path / "shard-a", jobs=2)
    build([b], tmp_path / "shard-b", jobs=1)
    merged = tmp_path / "merged"
    counts = merge(merged, [tmp_path / "shard-b", tmp_path / "shard-a"])
    want = every_file(single)
    assert every_file(merged) == want
    assert "build/ogi.db" in want and "parquet/parquet.json" in want
    assert counts["reports"] == 18 and counts["rejects"] == 2
    # the checks between years were made across the shards: 2023 (b) against 2022 (a)
    with open(merged / "data" / "checks.csv", encoding="utf-8", newline="") as f:
        across = [r for r in csv.DictReader(f) if r["check"] == RULE]
    assert len(across) == 2
    with open(merged / "data" / "rejects.csv", encoding="utf-8", newline="") as f:
        problems = {r["source_file"]: r["problem"] for r in csv.DictReader(f)}
    assert problems["zz_copy_of_the_seed.txt"] == (
        f"is the same report as {SEED.name} (identical sha256)"
    )

    # merged again into the same folder: nothing changes
    merge(merged, [tmp_path / "shard-a", tmp_path / "shard-b"])
    assert every_file(merged) == want


def test_shards_built_elsewhere_merge_into_the_same_bytes(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """Shards built from copies of the inputs at other paths (other machines), merged: every
    file is the single build's but ``build/seen.json``, this machine's record of the files it
    read (their paths and inodes), which the manifest no longer holds."""
    a, b = inputs
    single = tmp_path / "single"
    build([a, b], single, jobs=1)
    elsewhere = {}
    for name, folder in (("a", a), ("b", b)):
        copy = tmp_path / f"machine-{name}" / "deep" / "er" / folder.name
        shutil.copytree(folder, copy)
        elsewhere[name] = copy
        build([copy], tmp_path / f"shard-{name}", jobs=1)
    merged = tmp_path / "merged"
    merge(merged, [tmp_path / "shard-a", tmp_path / "shard-b"])
    want, got = every_file(single), every_file(merged)
    assert got.pop("build/seen.json") != want.pop("build/seen.json")  # the paths differ
    assert got == want and "build/manifest.json" in want and "build/ogi.db" in want
    text = (merged / "build" / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in text and "machine-a" not in text
    seen = (merged / "build" / "seen.json").read_text(encoding="utf-8")
    assert str(elsewhere["a"]) in seen and str(elsewhere["b"]) in seen


def test_ogi_merge_says_what_is_wrong_in_one_line(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    (tmp_path / "not-a-build").mkdir()
    done = subprocess.run(
        [str(OGI), "merge", str(tmp_path / "out"), str(tmp_path / "not-a-build")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "not a complete build" in done.stderr
    with pytest.raises(OgiError):
        merge(tmp_path / "out", [])


def test_a_body_s_years_settled_in_one_shard_merge_and_split_ones_are_refused(
    tmp_path: Path,
) -> None:
    """Generation-1 years of one body settle each other's digits (``settled_by =
    cross_year``): in one shard they merge into the build of all the inputs; split between
    shards, the merge cannot copy rows one build would make otherwise, and says so."""
    from test_settled_across_years import _report

    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder in (a, b, c):
        folder.mkdir()
    (a / "r2014.txt").write_text(_report(2014, "3200"), encoding="utf-8")
    (a / "r2015.txt").write_text(_report(2015, "12212"), encoding="utf-8")
    shutil.copy(SEED, b / SEED.name)
    build([a, b], tmp_path / "single", jobs=1)
    build([a], tmp_path / "shard-a", jobs=1)
    build([b], tmp_path / "shard-b", jobs=1)
    merge(tmp_path / "merged", [tmp_path / "shard-a", tmp_path / "shard-b"])
    assert every_file(tmp_path / "merged") == every_file(tmp_path / "single")
    with open(tmp_path / "merged" / "data" / "statistics.csv", encoding="utf-8") as f:
        assert sum(r["settled_by"] == "cross_year" for r in csv.DictReader(f)) == 2

    (a / "r2015.txt").rename(c / "r2015.txt")
    build([a], tmp_path / "shard-a2", jobs=1)
    build([c], tmp_path / "shard-c", jobs=1)
    with pytest.raises(OgiError) as e:
        merge(tmp_path / "merged2", [tmp_path / "shard-a2", tmp_path / "shard-c"])
    assert str(e.value) == (
        "r2015.txt: the same body's neighbouring years are in other shards (they settle digits "
        "its own shard left open); build a body's years in one shard, or all the inputs at once"
    )
