# The set-up commands of the README. Each creates .venv on a fresh clone, then does its job.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := true
# COCO's own packages, byte-compiled after each install and before `demo`: an editable install leaves
# them as source, and where PYTHONDONTWRITEBYTECODE is set (many CI and container images) every `coco`
# command would otherwise compile them again (about a third of a cold `coco check`). Fast when current.
PACKAGES := bot core adapters narrative storage
COMPILE = @$(PY) -m compileall -q $(PACKAGES)
# `make mlflow-ui`: the MLflow store it serves (default: the one `make demo` built) and its port. Run
# links of a local store point at http://127.0.0.1:5000 (COCO_MLFLOW_UI_URL changes that).
DEMO_HOME := $(or $(COCO_HOME),$(HOME)/.coco)/demo
STORE ?= sqlite:///$(DEMO_HOME)/mlflow.db
PORT ?= 5000

.PHONY: demo test lint bench score mlflow-ui

$(VENV)/.runtime: pyproject.toml
	@test -x $(PY) || { echo "make: creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "make: installing COCO and its dependencies into $(VENV) (about a minute the first time; quiet until done)"
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e .
	$(COMPILE)
	@echo "make: installed; COCO is $(VENV)/bin/coco"
	@touch $@

# COCO with the demo's extra (scikit-learn, to train its models), which the runtime and the container
# image leave out.
$(VENV)/.demo: pyproject.toml
	@test -x $(PY) || { echo "make: creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "make: installing COCO and the demo's scikit-learn into $(VENV) (about a minute the first time; quiet until done)"
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[demo]'
	$(COMPILE)
	@echo "make: installed; COCO is $(VENV)/bin/coco"
	@touch $(VENV)/.runtime $@

$(VENV)/.test: pyproject.toml
	@test -x $(PY) || { echo "make: creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "make: installing COCO with its test tools into $(VENV) (a few minutes the first time; quiet until done)"
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	$(COMPILE)
	@touch $(VENV)/.runtime $(VENV)/.demo $@

# The full mlflow package: COCO itself needs only mlflow-skinny, which has no UI server.
$(VENV)/.mlflow-ui: $(VENV)/.runtime
	@echo "make: installing the full mlflow into $(VENV) for its UI (about 800 MB, a few minutes the first time)"
	@$(PY) -m pip install -q --disable-pip-version-check 'mlflow==3.17.*'
	@touch $@

demo: $(VENV)/.demo
	$(COMPILE)
	$(VENV)/bin/coco demo

# Browse the runs (and COCO's notes on them) at http://127.0.0.1:$(PORT); Ctrl-C stops it.
mlflow-ui: $(VENV)/.mlflow-ui
	@echo "make: MLflow UI for $(STORE) on http://127.0.0.1:$(PORT) (Ctrl-C stops it)"
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(VENV)/bin/mlflow ui --backend-store-uri '$(STORE)' \
		--host 127.0.0.1 --port $(PORT) --workers 1

test: $(VENV)/.test
	$(COMPILE)
	$(VENV)/bin/pytest -q

lint: $(VENV)/.test
	$(VENV)/bin/ruff check $(PACKAGES) tests benches
	$(VENV)/bin/mypy

score: $(VENV)/.test
	$(PY) ../shared/eval/score.py
