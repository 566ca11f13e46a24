# Two commands: `make run` (set-up + demo database + dashboard) and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PPA_DB  ?= data/ppa.duckdb
export PPA_DB

.PHONY: run test install install-dev demo bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(PPA_DB): | $(VENV)/.installed
	$(BIN)/python -m etl demo --db $(PPA_DB)
	$(BIN)/python -m etl users ensure-demo --db $(PPA_DB)

demo: $(PPA_DB)

run: install demo
	$(BIN)/streamlit run dashboard.py --server.port 8501 --server.headless true --browser.gatherUsageStats false

test: install-dev
	$(BIN)/python -m pytest -n 2 -q tests

bench: install-dev
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) test-output
