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

.PHONY: help report test validate lab bench clean strip lint kernel venv pdf lock

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The environment is locked: requirements.lock pins every package, with hashes, for the
# Python in .python-version (see README, "The locked environment"). The venv is refreshed
# when the lock, pyproject.toml or that version changes.
LOCK := requirements.lock
PYTHON_WANTED := $(shell cat .python-version)

# Stops set-up with the required and the found Python, or when pyproject.toml's
# dependencies changed since the lock was made (its first line records their digest).
define CHECK_SETUP
import hashlib, json, sys, tomllib
want = "$(PYTHON_WANTED)"
have = "%d.%d" % sys.version_info[:2]
if have != want:
    sys.exit(f"casestudy: the environment is locked for Python {want} (.python-version); "
             f"found Python {have} at {sys.executable}. Install Python {want} and run "
             f"make PYTHON=python{want} ...")
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
deps = json.dumps([project["dependencies"], project.get("optional-dependencies", {})],
                  sort_keys=True)
digest = hashlib.sha256(deps.encode()).hexdigest()[:16]
if sys.argv[1:] == ["--digest"]:
    print(digest)
elif f"dependencies {digest}" not in open("$(LOCK)", encoding="utf-8").readline():
    sys.exit("casestudy: pyproject.toml's dependencies changed since $(LOCK) was made; "
             "run `make lock` and commit the new lock")
endef
export CHECK_SETUP

$(STAMP): pyproject.toml $(LOCK) .python-version
	@$(PYTHON) -c "$$CHECK_SETUP"
	@echo "Setting up $(VENV) (Python: $$($(PYTHON) --version))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# (grep drops this machine's pip notices about absent local mirrors; pip's status stands)
	@$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK) 2> >(grep -v "is ignored" >&2)
	@$(BIN)/python -m pip install --quiet --no-deps -e . 2> >(grep -v "is ignored" >&2)
	@# Build matplotlib's font cache now, so its one-off notice never lands in a report.
	@$(BIN)/python -c "import matplotlib.font_manager"
	@touch $@

lock: ## Re-resolve requirements.lock (exact versions + hashes) with uv; commit the result
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet "uv>=0.9,<1" 2> >(grep -v "is ignored" >&2)
	@echo "# casestudy lock for Python $(PYTHON_WANTED); pyproject dependencies $$($(PYTHON) -c "$$CHECK_SETUP" --digest)" > $(LOCK).tmp
	@$(BIN)/uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
		--python-version $(PYTHON_WANTED) --no-header --quiet >> $(LOCK).tmp
	@mv $(LOCK).tmp $(LOCK)
	@echo "wrote $(LOCK): $$(grep -c '==' $(LOCK)) packages pinned"

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
