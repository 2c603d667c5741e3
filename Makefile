# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
APT_RUN := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
APT_TEST := chromium nodejs
AXE := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: run test install install-test translations lint bench mutation screenshots

run: install
	$(FLASK) db upgrade
	$(FLASK) demo seed
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-test
	$(BIN)/ruff check portal billing reports tests wsgi.py
	@echo "=== test suite on SQLite ==="
	$(BIN)/pytest
	@echo "=== test suite on PostgreSQL ($(PG_TEST_URL), throwaway database) ==="
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest

install: $(VENV)/.installed translations
	@.ci/apt-ensure $(APT_RUN)

install-test: $(VENV)/.installed-test translations
	@.ci/apt-ensure $(APT_RUN) $(APT_TEST)
	@$(MAKE) --no-print-directory $(AXE)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# axe-core, the accessibility engine the browser tests load into pages (pinned in package-lock.json).
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d portal/translations

lint: install-test
	$(BIN)/ruff check portal billing reports tests wsgi.py

# After changing user-facing text: re-extract and merge into every catalog, then translate.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F portal/babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-wrap --ignore-obsolete --no-fuzzy-matching

# By hand, not part of `make test`: mutate the rule modules listed under [tool.mutmut] in
# pyproject.toml and run their unit tests against each mutant (tens of minutes on two
# cores), then list what survived. `$(BIN)/mutmut show NAME` prints one survivor's diff.
mutation: $(VENV)/.installed-test
	$(BIN)/pip install -q -e '.[test,mutation]'
	$(BIN)/mutmut run --max-children $(or $(MUTATION_CHILDREN),1)
	$(BIN)/mutmut results

# By hand: remake the README's pictures (docs/screenshots/) from the demo data.
screenshots: install-test
	@.ci/apt-ensure poppler-utils
	$(BIN)/python -m tests.screenshots
