# briefbook: `make` alone lists the targets.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GIT_STAMP := $(VENV)/.nbdime-git
NOTEBOOKS := $(wildcard notebooks/*.ipynb)

.DEFAULT_GOAL := help
.PHONY: help setup test validate briefs editions preview lab notebooks lint bench bench-preview clean pdf

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

# nbdime's git integration for this repository only (never --global): `git diff` and merges of
# a notebook show cells and outputs instead of JSON. nbdime writes bare command names; they are
# pointed at this checkout's .venv (git runs them from the work tree's top), so they work
# without activating the venv and each work tree of the repository uses its own.
$(GIT_STAMP): $(STAMP)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  $(BIN)/nbdime config-git --enable >/dev/null && \
	  git config diff.jupyternotebook.command "$(BIN)/git-nbdiffdriver diff" && \
	  git config merge.jupyternotebook.driver "$(BIN)/git-nbmergedriver merge %O %A %B %L %P" && \
	  git config difftool.nbdime.cmd '$(BIN)/git-nbdifftool diff "$$LOCAL" "$$REMOTE" "$$BASE"' && \
	  git config mergetool.nbdime.cmd '$(BIN)/git-nbmergetool merge "$$BASE" "$$LOCAL" "$$REMOTE" "$$MERGED"' && \
	  echo "make: git diff on a notebook now shows it with nbdime (this repository only)"; \
	fi
	@touch $@

## setup: create .venv, fetch vendor/ and set up nbdime for git diff (quick when nothing changed)
setup: $(STAMP) $(VENDOR_STAMP) $(GIT_STAMP)

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

## preview: serve briefs/ on http://127.0.0.1:8000/, rebuild on every save, reload open pages
preview: setup
	$(BIN)/python -m briefbook preview

## lab: open JupyterLab on the notebooks
lab: setup
	$(BIN)/jupyter lab notebooks

## notebooks: re-run the notebooks in parallel with their defaults; writes those whose outputs changed
notebooks: setup
	$(BIN)/python -m briefbook.refresh

## lint: ruff over the package, tests, benchmarks and notebooks
lint: setup
	$(BIN)/ruff check briefbook tests benchmarks notebooks

## bench: build-speed benchmark against the naive papermill + nbconvert CLIs
bench: setup
	$(BIN)/python benchmarks/build.py

## bench-preview: time from a saved CSV edit to the open brief showing it (headless Chromium)
bench-preview: setup
	$(BIN)/python benchmarks/preview.py

## clean: remove built briefs (keeps briefs/README.md)
clean:
	find briefs -mindepth 1 ! -name README.md -exec rm -rf {} +
