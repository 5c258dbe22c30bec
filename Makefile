# Every target creates .venv and installs botdesk into it on first use,
# so a fresh clone needs nothing but Python >= 3.11, make and git.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist processes for `make test` (0: one process, no xdist). More workers than
# the 2 cores of CI: most of a desk test is waiting (timers, polls, rate windows), and
# on 2 cores 4 workers measured 194-220 s for the suite against 290 s for 2.
TEST_WORKERS ?= 4

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
