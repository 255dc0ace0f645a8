# casestudy: `make report` and `make test` set everything up themselves.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL := casestudy
STAMP := $(VENV)/.installed
KERNEL_STAMP := $(VENV)/.kernel-$(KERNEL)

# Reproducible builds: fixed hash seed; timestamps from the last commit (or the epoch).
export PYTHONHASHSEED := 0
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help report test validate lab bench clean strip lint kernel venv pdf

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The venv is rebuilt when missing or older than pyproject.toml.
$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) (Python: $$($(PYTHON) --version))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# (grep drops this machine's pip notices about absent local mirrors; pip's status stands)
	@$(BIN)/python -m pip install --quiet -e '.[dev]' 2> >(grep -v "is ignored" >&2)
	@# Build matplotlib's font cache now, so its one-off notice never lands in a report.
	@$(BIN)/python -c "import matplotlib.font_manager"
	@touch $@

$(KERNEL_STAMP): $(STAMP)
	@$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (casestudy)" > /dev/null
	@touch $@

venv: $(STAMP) ## Create or refresh the virtual environment

kernel: $(KERNEL_STAMP) ## Register the project's Jupyter kernel ("casestudy")

report: $(KERNEL_STAMP) ## Execute notebooks/NN_*.ipynb and write reports/ and figures/
	@$(BIN)/casestudy report $(REPORT_FLAGS)

pdf: $(KERNEL_STAMP) ## Build the reports and print them into reports/casestudy-reports.pdf
	@$(BIN)/casestudy report --pdf $(REPORT_FLAGS)

test: $(KERNEL_STAMP) ## Run the test suite (includes executing every notebook)
	@$(BIN)/ruff check casestudy tests benchmarks
	@$(BIN)/python -m pytest $(PYTEST_FLAGS)

validate: $(STAMP) ## Check every file in data/raw/ against the manifest
	@$(BIN)/casestudy validate

lab: $(KERNEL_STAMP) ## Open JupyterLab on notebooks/
	@$(BIN)/jupyter lab notebooks/

bench: $(KERNEL_STAMP) ## Run the benchmarks in benchmarks/
	@set -e; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

strip: $(STAMP) ## Remove outputs from notebooks before committing
	@$(BIN)/casestudy strip

clean: ## Remove generated files (reports, figures, processed data, caches)
	rm -rf reports data/processed/* .pytest_cache .ruff_cache
	find figures -type f ! -name .gitkeep -delete
	touch data/processed/.gitkeep
