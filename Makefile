# Two commands: `make run` (set-up + demo database + dashboard) and `make test`.
# The database, the region's reference folder and the rest come from ppa.toml (or PPA_* variables): see README.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin

.PHONY: run test install install-dev demo config bench clean

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

# the synthetic demo database for the configured region, only when the configured database does not exist yet
demo: install
	$(BIN)/python -m etl demo --jika-belum-ada

run: install demo
	$(BIN)/python -m app.serve --server.port 8501 --server.headless true --browser.gatherUsageStats false

config: install
	$(BIN)/python -m etl config

test: install-dev
	$(BIN)/python -m pytest -n 2 -q tests

bench: install-dev
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) test-output
