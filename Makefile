# Two set-up commands: `make run` and `make test`. Everything else is a convenience.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: install run web scheduler migrate demo test test-fast lint format bench clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	AOCC_DEMO=$${AOCC_DEMO:-1} $(PY) manage.py run

web: install
	$(PY) manage.py web

scheduler: install
	$(PY) manage.py scheduler

migrate: install
	$(PY) manage.py migrate

demo: install
	$(PY) manage.py seed-demo --tier $${TIER:-small}

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: install
	sh scripts/ensure_browser.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -n 2 --dist loadfile

test-fast: install
	$(VENV)/bin/pytest -m "not browser and not slow"

bench: install
	$(PY) -m benchmarks $${BENCH_ARGS:-}

clean:
	rm -rf $(VENV) var .pytest_cache
