# OpenRCM: `make run` (embedded system + demo data) and `make test` (install + whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e shared -e tools -e services/coding-svc -e services/claims-svc -e services/payments-svc -e services/patient-billing-svc -e sandbox/clearinghouse

.PHONY: install run test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet $(PACKAGES) -r requirements/test.txt

run: install
	$(BIN)/python -m openrcm_devtools.demo

test: install
	$(BIN)/python -m pytest
