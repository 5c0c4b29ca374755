# briefbook: `make` alone lists the targets.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(wildcard notebooks/*.ipynb)

.DEFAULT_GOAL := help
.PHONY: help setup test validate briefs editions lab notebooks lint bench clean pdf

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	@touch $(STAMP)

# Pinned npm packages (plotly.js basic bundle, axe-core) into vendor/, checked against their
# sha512 integrity in briefbook/assets.py; re-run when the pins change.
VENDOR_STAMP := vendor/.fetched
$(VENDOR_STAMP): briefbook/assets.py | $(STAMP)
	$(BIN)/python -m briefbook.assets
	@touch $(VENDOR_STAMP)

## setup: create .venv from requirements.txt and fetch vendor/ (quick when nothing changed)
setup: $(STAMP) $(VENDOR_STAMP)

## test: the whole test suite (data, package, notebooks with nbval, briefs, browser, JupyterLab)
test: setup
	$(BIN)/python -m pytest tests notebooks --nbval

## validate: check the data package, with provenance against ../shared/seeds
validate: setup
	$(BIN)/python -m briefbook validate --data data --sources ../shared/seeds

## briefs: execute every notebook in the manifest and render briefs/*.html and briefs/index.html
briefs: setup
	$(BIN)/python -m briefbook build

## editions: build every edition into briefs/editions/N/, then the latest into briefs/
editions: setup
	$(BIN)/python -m briefbook build --all-editions

## pdf: print every built brief and the whole book to briefs/pdf/ (needs Debian's chromium)
pdf: setup
	$(BIN)/python -m briefbook pdf

## lab: open JupyterLab on the notebooks
lab: setup
	$(BIN)/jupyter lab notebooks

## notebooks: re-run every notebook in place with its defaults (do this before committing one)
notebooks: setup
	cd notebooks && for nb in $(notdir $(NOTEBOOKS)); do ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False $$nb || exit 1; done

## lint: ruff over the package, tests, benchmarks and notebooks
lint: setup
	$(BIN)/ruff check briefbook tests benchmarks notebooks

## bench: build-speed benchmark against the naive papermill + nbconvert CLIs
bench: setup
	$(BIN)/python benchmarks/build.py

## clean: remove built briefs (keeps briefs/README.md)
clean:
	find briefs -mindepth 1 ! -name README.md -exec rm -rf {} +
