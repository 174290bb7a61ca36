# Centerpin. `make run` starts the app; `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test e2e bench lint format schema clean cluster load

$(RUNTIME): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(RUNTIME)
	$(VENV)/bin/streamlit run app.py

test: $(DEV)
	$(PY) -m pytest -n 2 -m "not e2e"

e2e: $(DEV)
	$(PY) -m pytest -m e2e

bench: $(DEV)
	$(PY) -m benchmarks

# Two app servers behind nginx on the PostgreSQL database in CENTERPIN_DB_URL (127.0.0.1).
cluster: $(RUNTIME)
	$(PY) -m deploy.cluster

# 10, then 25 browser sessions against that cluster (needs CENTERPIN_TEST_POSTGRES_URL).
load: $(DEV)
	$(PY) -m benchmarks load --output benchmarks/results/load.json

lint: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: $(RUNTIME)
	$(PY) -m simulator schema --output schema/kpi_set.v1.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
