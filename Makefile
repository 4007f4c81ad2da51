# The two commands a new machine needs: `make up` (the local cluster on the embedded store and
# bus, with the demo in examples/ applied) and `make test` (install everything, start real
# etcd and Kafka, run the whole suite).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test bench install engines lint protos protos-check clean

up: $(STAMP)
	$(BIN)/sigma up --demo examples

test: $(STAMP) engines
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/gen_protos.py --check
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP) engines
	$(BIN)/sigma bench scheduler --json

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

engines:
	bash scripts/install-engines.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

protos-check: $(STAMP)
	$(BIN)/python scripts/gen_protos.py --check

clean:
	rm -rf $(VENV) .engines .pytest_cache .ruff_cache
