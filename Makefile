# The two commands of the README: `make demo` and `make test`. Both create .venv/ on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
# The Rust cores in native/ are compiled by the install: a change to them reinstalls, like a change of dependencies.
NATIVE := $(wildcard native/Cargo.toml native/Cargo.lock native/src/*.rs native/graph/Cargo.toml native/graph/Cargo.lock native/graph/src/*.rs)
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(NATIVE) | cksum | cut -d' ' -f1)

.PHONY: setup demo test lint typecheck pytest clean

$(STAMP): pyproject.toml $(NATIVE)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	@command -v cargo >/dev/null || { echo "Rust's cargo (1.82+) is required to build the cores in native/: see https://rustup.rs" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/aml demo

lint: setup
	$(VENV)/bin/ruff check schemas services tests

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup
	$(VENV)/bin/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
