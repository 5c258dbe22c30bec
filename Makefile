# Every target creates .venv and installs botdesk into it on first use,
# so a fresh clone needs nothing but Python >= 3.11, make and git.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist processes for `make test` (0: one process, no xdist). One per core of CI:
# 4 workers on 2 cores measured faster (about 200 s against 290 s) but starved the
# desks that tests start as processes of CPU, so their start-up checks timed out.
TEST_WORKERS ?= 2

.PHONY: demo test run lint locales migrate sandbox clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/botdesk demo

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

run: $(STAMP)
	$(BIN)/botdesk run

migrate: $(STAMP)
	$(BIN)/botdesk migrate

sandbox: $(STAMP)
	$(BIN)/botdesk sandbox

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core
	$(BIN)/lint-imports

locales: $(STAMP)
	$(BIN)/python scripts/catalogs.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
