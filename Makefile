# The two set-up commands of the README. Each creates .venv on a fresh clone, then does its job.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := true

.PHONY: demo test lint bench score

$(VENV)/.runtime: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e .
	@touch $@

$(VENV)/.test: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $(VENV)/.runtime $@

demo: $(VENV)/.runtime
	$(VENV)/bin/coco demo

test: $(VENV)/.test
	$(VENV)/bin/pytest -q

lint: $(VENV)/.test
	$(VENV)/bin/ruff check bot adapters narrative storage tests benches
	$(VENV)/bin/mypy

score: $(VENV)/.test
	$(PY) ../shared/eval/score.py
