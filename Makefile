# Two commands on a fresh machine (Python 3.11+, git, make):
#   make report   set up .venv, run the workflow on the bundled demo data, build the book
#   make test     run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2

.PHONY: report test identity lint check-python demo clean screenshots

# After kill -9 or a lost terminal: a lock no running Snakemake holds is cleared,
# and files an interrupted job left incomplete are made again. Ctrl-C: one line.
report: $(STAMP)
	@$(BIN)/python -m perception.workflow_run --cores $(CORES) --rerun-incomplete
	@echo "Book: book/_build/html/index.html (French: book/_build/html/fr/index.html, English: book/_build/html/en/index.html)"
	@echo "Data: data/processed/indicators.csv and data/processed/<wave>/responses.csv"

# Two xdist workers share one workflow run of the small .test project; tests sharing a
# module's fixture run on one worker (tests/conftest.py).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The full demo run twice from scratch: byte-identical data/processed and book (minutes).
identity: $(STAMP)
	$(BIN)/python -m pytest -m identity tests/test_identity.py

# Headless Chromium: desktop, phone and print views of the summary, a chapter, a region, trends, a fact sheet.
screenshots: report
	sh book/screenshots.sh book/_build/html book/_build/screenshots

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakemake --lint

demo: $(STAMP)
	$(BIN)/perception demo

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "perception needs Python 3.11 or newer; found " + sys.version.split()[0])'

$(STAMP): pyproject.toml requirements.lock | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

clean:
	rm -rf data/processed/* book/_build book/_src logs .snakemake
