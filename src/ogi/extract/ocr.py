"""OCR of a page image, offline: RapidOCR (PP-OCR detection and recognition models for
Chinese, shipped inside the ``rapidocr`` wheel, run by onnxruntime). The models are named by
their paths inside the installed package, so the engine never fetches anything; a missing
model is a clear error. The page is read upright (no angle classifier: a scan is deskewed
first, see ``scan_tables``).

Each character comes with its box (in the image's pixels) and the engine's confidence.
Results are cached by the sha256 of the page image and the engine's identity, as JSON under
``$OGI_OCR_CACHE`` (default ``~/.cache/ogi/ocr``), so a rebuild never reads a page twice; the
engine is deterministic, so a cached page reads exactly as a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..errors import InputError

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CACHE_FORMAT = 2  # raised whenever what is cached for a page changes


_page_hook: list[Callable[[], None]] = []  # told of every page read (a build's worker)


def on_page(hook: Callable[[], None] | None) -> None:
    """Call ``hook`` as each page is read by OCR (None: stop)."""
    _page_hook[:] = [hook] if hook else []


def page_done() -> None:
    for hook in _page_hook:
        hook()


class Glyph(NamedTuple):
    """One character read from the image: its text, box (pixels) and confidence (0–1)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    score: float


def _models() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


@cache
def engine_id() -> str:
    """The engine, its version and its models: ``rapidocr 3.10.0 PP-OCRv6_det_small+…``."""
    version = metadata.version("rapidocr")
    models = "+".join(m.removesuffix(".onnx") for m in (DET_MODEL, REC_MODEL))
    return f"rapidocr {version} {models}"


@cache
def _engine() -> Any:
    from rapidocr import RapidOCR

    folder = _models()
    for name in (DET_MODEL, REC_MODEL):
        if not (folder / name).is_file():
            raise InputError(
                str(folder / name),
                "is missing: the OCR model should come inside the rapidocr package",
                "reinstall ogi-reports (pip install -e .) so that rapidocr is installed whole",
            )
    return RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.return_word_box": True,
            "Det.model_path": str(folder / DET_MODEL),
            "Rec.model_path": str(folder / REC_MODEL),
            # one thread a process: the build reads pages in several worker processes
            "EngineConfig.onnxruntime.intra_op_num_threads": int(
                os.environ.get("OGI_OCR_THREADS", "1")
            ),
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


def cache_dir() -> Path:
    env = os.environ.get("OGI_OCR_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ogi" / "ocr"


def page_key(gray: np.ndarray) -> str:
    """The sha256 of a page image (its size and pixels) and of the engine reading it."""
    h = hashlib.sha256(f"{CACHE_FORMAT} {engine_id()}".encode())
    h.update(f"{gray.shape[0]}x{gray.shape[1]}:".encode())
    h.update(np.ascontiguousarray(gray, dtype=np.uint8).tobytes())
    return h.hexdigest()


def _recognise(gray: np.ndarray, detect: bool) -> list[Glyph]:
    """The engine's characters; without ``detect`` the whole image is read as one line.
    In a line read, the gaps the engine leaves between its characters' boxes are closed
    (they are one run of text)."""
    if not detect:
        # every option named on every call: the engine keeps the options of the last call
        result = _engine()(
            np.ascontiguousarray(gray),
            use_det=False,
            use_cls=False,
            use_rec=True,
            return_word_box=False,
        )
        texts, scores = result.txts or (), result.scores or ()
        h, w = gray.shape
        text = "".join(texts)
        score = min((float(s) for s in scores), default=0.0)
        step = w / max(len(text), 1)
        return [
            Glyph(ch, round(i * step, 2), 0.0, round((i + 1) * step, 2), float(h), round(score, 5))
            for i, ch in enumerate(text)
        ]
    result = _engine()(
        np.ascontiguousarray(gray),
        use_det=True,
        use_cls=False,
        use_rec=True,
        return_word_box=True,
    )
    out: list[Glyph] = []
    words = result.word_results or ()
    boxes, texts, scores = (
        [] if x is None else x for x in (result.boxes, result.txts, result.scores)
    )
    lines = zip(boxes, texts, scores, words, strict=False)
    for line_box, line_text, line_score, line in lines:
        if not (isinstance(line, tuple) and all(isinstance(w, tuple) for w in line)):
            line = ((line_text, line_score, line_box),)  # no boxes by character: the line's
        glyphs: list[Glyph] = []
        for text, score, box in line:
            xs = [float(p[0]) for p in box]
            ys = [float(p[1]) for p in box]
            x0, x1, step = min(xs), max(xs), (max(xs) - min(xs)) / max(len(text), 1)
            for i, ch in enumerate(text):  # a word of several characters: its box shared out
                right = x0 + (i + 1) * step if i < len(text) - 1 else x1
                glyphs.append(
                    Glyph(ch, x0 + i * step, min(ys), right, max(ys), round(float(score), 5))
                )
        for i, g in enumerate(glyphs):
            nxt = glyphs[i + 1].x0 if i + 1 < len(glyphs) else g.x1
            right = nxt if g.x1 < nxt < g.x1 + 2 * (g.bottom - g.top) else g.x1
            out.append(g._replace(x0=round(g.x0, 2), x1=round(right, 2)))
    return out


def read_page(gray: np.ndarray, detect: bool = True) -> list[Glyph]:
    """The characters on a page image (grey, 8 bit), from the cache when it was read before;
    without ``detect``, the image (a table cell) is read as one line of text."""
    key = page_key(gray) + ("" if detect else "-line")
    folder = cache_dir()
    path = folder / key[:2] / f"{key}.json"
    try:
        return [Glyph(*g) for g in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        pass
    glyphs = _recognise(gray, detect)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8"
        ) as f:
            json.dump([list(g) for g in glyphs], f, ensure_ascii=False)
        os.replace(f.name, path)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return glyphs
