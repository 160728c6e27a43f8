"""scripts/synthetic_corpus.py writes each report's own bytes under the extension of its form."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from ogi.synth import corpus


def test_each_form_is_written_as_itself(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "synthetic_corpus.py"), "30", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in (tmp_path / "corpus.truth.jsonl").open(encoding="utf-8")]
    expected = corpus(30, seed=0, fault_rate=0.4)
    assert sorted(p.name for p in folder.iterdir()) == sorted(r["file"] for r in records)
    forms = set()
    for record, syn in zip(records, expected, strict=True):
        data = (folder / record["file"]).read_bytes()
        assert data == syn.data, record["file"]
        assert Path(record["file"]).suffix == Path(syn.name).suffix
        forms.add(syn.form)
        if syn.form == "pdf":
            assert record["file"].endswith(".pdf") and data.startswith(b"%PDF")
        elif syn.form.startswith("html"):
            assert record["file"].endswith(".html")
        else:
            assert record["file"].endswith(".txt")
    assert "pdf" in forms and any(f.startswith("html") for f in forms)
