# Two commands for a newcomer: `make report` and `make test`. Both create .venv when it
# is missing (or pyproject.toml changed) and are safe to re-run. The install uses uv
# (seconds instead of minutes, compiling bytecode as pip does), bootstrapped with pip
# into .venv; when uv cannot be installed or fails, pip does the same install (NO_UV=1
# forces pip). PYTHONWARNINGS keeps build-backend notices (setuptools' "editable
# installation" box) out of the output.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BATCH ?= params/batch_sample.yaml
WORKERS ?=
NO_UV ?=
PIP := PYTHONWARNINGS=ignore $(BIN)/python -m pip --disable-pip-version-check
UV := PYTHONWARNINGS=ignore $(BIN)/python -m uv

.PHONY: setup report test test-slow test-browser lint format lab sample benchmark clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip
	@if [ -z "$(NO_UV)" ] && $(PIP) install --quiet uv >/dev/null 2>&1 \
		&& $(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[test]'; then \
		echo "Installerat med uv i $(VENV)"; \
	else \
		echo "Installerar med pip i $(VENV) (några minuter) ..."; \
		$(PIP) install --quiet -e '.[test]' && echo "Installerat med pip i $(VENV)"; \
	fi
	@# WeasyPrint (PDF) needs Pango: installed here when root on Debian/Ubuntu, else named.
	@$(BIN)/python -c 'import weasyprint' 2>/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; } \
		|| echo "PDF (--pdf) behöver systempaketen libpango-1.0-0 och libpangoft2-1.0-0"
	@# Bytecode for the project too (uv compiles what it installs; pip does by default): with
	@# PYTHONDONTWRITEBYTECODE=1, as CI images often set, every kernel compiled pandas, matplotlib
	@# and the package from source at each start, 3-4 CPU-s (benchmarks/README.md).
	@$(BIN)/python -m compileall -q evaluation
	@touch $(STAMP)

setup: $(STAMP)

report: setup
	$(BIN)/evaluation batch $(BATCH) $(if $(WORKERS),--workers $(WORKERS))

test: setup
	$(BIN)/python -m pytest -n 2 -q

# Accessibility tier: axe-core in Debian's headless Chromium (no browser download).
BROWSER_TESTS := tests/integration/browser
test-browser: setup
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium; } \
		|| echo "Chromium is missing: sudo apt-get install chromium (the tests will skip)"
	cd $(BROWSER_TESTS) && npm ci --no-audit --no-fund --silent
	$(BIN)/python -m pytest -q -n 0 -m browser $(BROWSER_TESTS)

test-slow: setup
	$(BIN)/python -m pytest -q -m slow

# Lint: ruff rules and formatting everywhere, mypy on the layers below the reports.
TYPED := evaluation/privacy evaluation/methods evaluation/indicators evaluation/present \
	evaluation/io evaluation/load evaluation/metadata
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# JupyterLab refuses to start as root unless told to; as root (a container, a shared
# server) --allow-root is passed, otherwise not.
lab: setup
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

sample: setup
	$(BIN)/python -m evaluation.synthetic data/sample --readme data/README.md

benchmark: setup
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf reports/*/ .pytest_cache
