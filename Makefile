# ogi-reports. On a fresh machine: `make run` (set up, build, serve) or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8001

SOURCES := $(shell find src -name '*.py' -o -name '*.yml' -o -name '*.csv') $(wildcard data/raw/*)

.PHONY: all run test build serve validate lint clean browser-deps bench bench-ocr zoo zoo-deps

all: datapackage.json

# The virtual environment, with the package and its test tools installed.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# The CJK font the synthetic corpus is printed to PDF with (Debian's fonts-wqy-zenhei).
FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
$(FONT):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null; \
	else \
	  echo "make: the tests need Debian's fonts-wqy-zenhei: sudo apt-get install fonts-wqy-zenhei" >&2; exit 1; \
	fi

# Debian's Chromium, driven by Playwright in the browser test (tests/test_browser.py); the
# Chinese in its screenshots is drawn with the font above.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else \
	  echo "make: the browser test needs Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
	fi

browser-deps: $(CHROMIUM) $(FONT)

# The zoo's converters (src/ogi/synth/convert.py, tests/test_zoo.py): LibreOffice headless
# renders the generated .docx as PDF and HTML (Debian's libreoffice-writer-nogui).
SOFFICE := /usr/bin/soffice
$(SOFFICE):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null; \
	else \
	  echo "make: the zoo needs Debian's libreoffice-writer-nogui: sudo apt-get install libreoffice-writer-nogui" >&2; exit 1; \
	fi

# Debian's poppler-utils, installed once for both: pdftoppm rasterises text PDFs into the scans
# the OCR tests and the zoo read (ogi.synth.scan; tests/test_ocr.py, tests/test_zoo.py), pdftotext
# turns the zoo's PDFs into text. The OCR engine itself is a Python dependency (rapidocr).
PDFTOPPM := /usr/bin/pdftoppm
PDFTOTEXT := /usr/bin/pdftotext
$(PDFTOPPM) $(PDFTOTEXT) &:
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null; \
	else \
	  echo "make: the OCR tests and the zoo need Debian's poppler-utils: sudo apt-get install poppler-utils" >&2; exit 1; \
	fi

zoo-deps: $(SOFFICE) $(PDFTOTEXT) $(PDFTOPPM) $(FONT)

# The zoo (not part of `make test`, which runs a small one): N generated reports through
# every converter, parsed and judged against their truth; converted files cached in build/zoo.
ZOO ?= 200
zoo: $(STAMP) zoo-deps
	$(BIN)/python scripts/zoo.py --reports $(ZOO)

# The published package, the database and the site metadata are built together.
datapackage.json build/ogi.db metadata.yml &: $(STAMP) $(SOURCES)
	$(BIN)/ogi build data/raw --out .

build: datapackage.json

serve: $(STAMP)
	$(BIN)/ogi serve --host $(HOST) --port $(PORT)

run: build serve

# The benchmark (not part of `make test`): N synthetic reports built, against the chain a user
# would otherwise run and a bare csv + sqlite3 load; figures in build/bench.json. N=1000 too.
# BENCH: more options, e.g. BENCH="--memory-at 2000,10000" (the peak memory of smaller builds).
N ?= 10000
BENCH ?=
bench: $(STAMP) $(FONT)
	$(BIN)/python scripts/bench.py --reports $(N) $(BENCH)

# Debian's Tesseract with its Simplified Chinese model: the OCR engine the benchmark compares
# RapidOCR (the build's engine) against. Only `make bench-ocr` needs it, not `make test`.
TESSERACT := /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata
$(TESSERACT):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim >/dev/null; \
	else \
	  echo "make: bench-ocr needs Debian's tesseract-ocr and tesseract-ocr-chi-sim: sudo apt-get install tesseract-ocr tesseract-ocr-chi-sim" >&2; exit 1; \
	fi

# OCR's seconds per page on this machine and the share of cells read exactly, by RapidOCR and
# by Tesseract, on the same scans (a real report's and a generated report's of each generation)
bench-ocr: $(STAMP) $(PDFTOPPM) $(TESSERACT)
	$(BIN)/python scripts/bench_ocr.py

validate: build
	$(BIN)/frictionless validate datapackage.json
	$(BIN)/ogi validate datapackage.json

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

test: $(STAMP) $(FONT) $(CHROMIUM) $(SOFFICE) $(PDFTOTEXT) $(PDFTOPPM)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy
	$(BIN)/pytest
	$(BIN)/python scripts/field_check.py tests/fixtures/real tests/fixtures/real/truth.json --require-exact --require-issuer
	$(BIN)/frictionless validate datapackage.json

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
