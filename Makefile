# Two commands for a newcomer: `make report` and `make test`. Both create .venv
# with pip when it is missing (or pyproject.toml changed) and are safe to re-run.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BATCH ?= params/batch_sample.yaml
WORKERS ?=

.PHONY: setup report test test-slow test-browser lint format lab sample benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# WeasyPrint (PDF) needs Pango: installed here when root on Debian/Ubuntu, else named.
	@$(BIN)/python -c 'import weasyprint' 2>/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; } \
		|| echo "For --pdf install the system packages libpango-1.0-0 libpangoft2-1.0-0"
	touch $(STAMP)

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

lab: setup
	$(BIN)/jupyter lab notebooks/

sample: setup
	$(BIN)/python -m evaluation.synthetic data/sample --readme data/README.md

benchmark: setup
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf reports/*/ .pytest_cache
