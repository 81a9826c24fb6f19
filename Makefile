# PKIP — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# As root with apt (a fresh Debian machine, CI) missing system packages are installed;
# otherwise the check names them and stops.
AUTO_INSTALL := $(shell [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && echo --install)

.PHONY: run test system-deps check-system check-system-tests install install-dev lint bench clean

run: check-system install
	$(BIN)/pkip setup
	$(BIN)/pkip serve

test: check-system-tests install-dev
	$(BIN)/python -m pytest -n 2 -q

check-system:
	@scripts/check-system.sh $(AUTO_INSTALL)

check-system-tests:
	@scripts/check-system.sh --tests $(AUTO_INSTALL)

system-deps:
	@scripts/check-system.sh --install --tests

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy engine connectors
	$(BIN)/lint-imports --no-cache  # the rules between rooms: .importlinter

bench: install-dev
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) var *.egg-info .pytest_cache
