# Set-up and checks. `make demo` and `make test` install whatever is missing.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# ESLint for static/js, pinned in package.json and package-lock.json.
NODE_BIN := node_modules/.bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
# Domain modules are type-checked; web and CLI glue are linted only.
MYPY_TARGETS := gridmap/core gridmap/geo gridmap/access gridmap/grid gridmap/registry \
	gridmap/fieldwork gridmap/coverage gridmap/projects gridmap/inspections gridmap/files \
	gridmap/maps gridmap/sample gridmap/ground

.PHONY: demo test check lint format bench bench-province serve setup system-deps translations clean

demo: setup
	$(BIN)/gridmap demo

serve: setup
	$(BIN)/gridmap db up >/dev/null
	$(BIN)/gridmap serve

test: setup lint
	$(BIN)/pytest

# The fast tier while working: lint, then every test that needs no browser, on two workers
# (each worker starts its own throwaway PostgreSQL cluster).
check: setup lint
	$(BIN)/pytest -q -n 2 -m "not browser"

lint: $(VENV)/.installed node_modules/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_TARGETS)
	$(NODE_BIN)/eslint --max-warnings 0 static/js eslint.config.js

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Each benchmark prints one JSON object; they load the demo county into throwaway databases.
bench: setup
	$(BIN)/python -m bench.grids
	$(BIN)/python -m bench.assign
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.osm_import
	$(BIN)/python -m bench.edit
	$(BIN)/python -m bench.map
	$(BIN)/python -m bench.inspections
	$(BIN)/python -m bench.startup

# One database grown to a province of demo counties (an hour at most); not part of `make bench`.
bench-province: setup
	$(BIN)/python -m bench.province

setup: system-deps $(VENV)/.installed translations

# PostgreSQL with the PostGIS build for its major version, Chromium and a Chinese font.
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		$(APT_GET) update -qq && $(APT_GET) install -y -qq postgresql; fi
	@major=$$(ls /usr/lib/postgresql | sort -n | tail -1); pkgs=""; \
	dpkg -s postgresql-$$major-postgis-3 >/dev/null 2>&1 || pkgs="$$pkgs postgresql-$$major-postgis-3"; \
	command -v chromium >/dev/null 2>&1 || pkgs="$$pkgs chromium"; \
	dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || pkgs="$$pkgs fonts-wqy-microhei"; \
	python3 -c 'import ensurepip' >/dev/null 2>&1 || pkgs="$$pkgs python3-venv"; \
	command -v node >/dev/null 2>&1 || pkgs="$$pkgs nodejs"; \
	command -v npm >/dev/null 2>&1 || pkgs="$$pkgs npm"; \
	if [ -n "$$pkgs" ]; then \
		echo "installing:$$pkgs"; \
		$(APT_GET) update -qq && $(APT_GET) install -y -qq $$pkgs; fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# ESLint and its plugins as package-lock.json pins them; node and npm come with system-deps.
node_modules/.installed: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

translations: $(VENV)/.installed
	@if ls gridmap/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d gridmap/translations; fi

clean:
	-$(BIN)/gridmap db down
	rm -rf var .pytest_cache .mypy_cache .ruff_cache node_modules
