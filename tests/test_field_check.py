"""The field check (scripts/field_check.py) on the real fixtures: every key figure of every
report exact, and a truth that disagrees with a report makes it fail."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parent.parent
REAL = ROOT / "tests" / "fixtures" / "real"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "field_check", ROOT / "scripts" / "field_check.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_key_figure_exact(capsys: pytest.CaptureFixture[str]) -> None:
    code = _script().main([str(REAL), str(REAL / "truth.json"), "--require-exact"])
    out = capsys.readouterr().out
    assert code == 0, out
    truth = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))["reports"]
    figures = sum(1 for t in truth.values() for k in _script().KEYS if k in t)
    assert f"exact {figures}, missing 0, wrong 0" in out


def test_wrong_figure_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(REAL / "pingtan_2019_gen2.txt", folder)
    truth = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))
    one = dict(truth["reports"]["pingtan_2019_gen2.txt"], requests_received=24)
    wrong = tmp_path / "truth.json"
    wrong.write_text(json.dumps({"reports": {"pingtan_2019_gen2.txt": one}}), encoding="utf-8")
    script = _script()
    assert script.main([str(folder), str(wrong)]) == 1
    out = capsys.readouterr().out
    assert "requests_received: wrong (truth 24, built 23)" in out
    assert "wrong 1;" in out or "wrong 1," in out
    # the same folder against its own truth: nothing wrong
    right = tmp_path / "right.json"
    right.write_text(
        json.dumps(
            {"reports": {"pingtan_2019_gen2.txt": truth["reports"]["pingtan_2019_gen2.txt"]}}
        ),
        encoding="utf-8",
    )
    assert script.main([str(folder), str(right), "--require-exact"]) == 0


def test_missing_fails_only_when_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(REAL / "pingtan_2019_gen2.txt", folder)
    truth = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))["reports"]
    both = {k: truth[k] for k in ("pingtan_2019_gen2.txt", "pingtan_2023_gen3.txt")}
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({"reports": both}), encoding="utf-8")
    script = _script()
    assert script.main([str(folder), str(path)]) == 0
    assert script.main([str(folder), str(path), "--require-exact"]) == 1
    assert "pingtan_2023_gen3.txt: in the truth file, not in" in capsys.readouterr().out


def test_bad_truth_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "truth.json"
    bad.write_text("{not json", encoding="utf-8")
    assert _script().main([str(REAL), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("field_check: ") and err.count("\n") == 1
