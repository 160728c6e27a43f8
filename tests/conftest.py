"""Shared fixtures: the repository root, the seed report, a real build of data/raw and one of
the seed alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogi.build import build, parse_file
from ogi.check import run_checks
from ogi.parse import Parsed

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SEED = RAW / "000_6fcf304d54296c97.txt"
SEED_ID = "ca49a4b9fa6d2394"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete build of data/raw into a temporary folder (package, database, metadata)."""
    out = tmp_path_factory.mktemp("built")
    build([RAW], out)
    return out


@pytest.fixture(scope="session")
def seed_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete build of the seed report alone: the small site whose every row the site
    tests know (data/raw holds more reports than these tests count)."""
    out = tmp_path_factory.mktemp("seed_built")
    build([SEED], out)
    return out


@pytest.fixture(scope="session")
def seed() -> Parsed:
    """The seed report, parsed."""
    return parse_file(SEED)[1]


@pytest.fixture(scope="session")
def seed_checks(seed: Parsed) -> list[dict]:
    """The checks of the seed report."""
    return run_checks(seed)
