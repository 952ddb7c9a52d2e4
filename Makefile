# Dangxiao: everything a fresh machine needs, through the project's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
PG_BENCH_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: install install-prod lock demo demo-reset test test-sqlite test-postgres bench lint format serve

# Development: the runtime plus test and lint tools (requirements-dev.lock), every file checked against its hash.
install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements-dev.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

# Production: the runtime only (requirements.lock, hashed); no pytest, Playwright or ruff. The front-end files
# come from npm and are collected into STATIC_ROOT (README "Deploying").
install-prod:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	npm ci --omit=dev --no-audit --no-fund --loglevel=error

# Re-lock after editing requirements.in or requirements-dev.in (pip-tools in a throwaway environment).
lock:
	test -x var/piptools/bin/pip-compile || { $(PYTHON) -m venv var/piptools && var/piptools/bin/pip install --quiet pip-tools; }
	var/piptools/bin/pip-compile -q --generate-hashes --allow-unsafe --no-strip-extras --no-emit-find-links --no-emit-index-url --output-file=requirements.lock requirements.in
	var/piptools/bin/pip-compile -q --generate-hashes --allow-unsafe --no-strip-extras --no-emit-find-links --no-emit-index-url --output-file=requirements-dev.lock requirements-dev.in

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Migrate, load the demo school if the database is empty, then serve on http://$(HOST):$(PORT).
demo: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo --if-empty
	@echo "党校演示已启动：http://$(HOST):$(PORT)/   (Ctrl+C 停止；后台任务日志 var/worker.log)"
	@$(PY) manage.py run_huey >var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT) --noreload

# Rebuild the demo school from scratch. seed_demo refuses a database holding records it did not write (or
# DANGXIAO_DEBUG=0); `$(PY) manage.py seed_demo --wipe-everything` lists them and asks first (README "Configuration").
demo-reset: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo

# The whole suite, on SQLite and then on PostgreSQL, two test processes each (pytest-xdist).
test: install test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest -q -n 2 -m "not postgres_only"

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -q -n 2 -p no:cacheprovider -m "not sqlite_only"

# Benchmarks are reports, not tests (README "Benchmarks"): the roster import on SQLite and on PostgreSQL,
# then check-ins through gunicorn, driven by wrk, on both, then the weight of a member's phone pages in
# Chromium (bench/page_weight.py). Each writes its figures under var/bench/.
bench: install
	@command -v wrk >/dev/null || { echo "bench needs wrk: apt-get install -y wrk"; exit 1; }
	$(PY) bench/run.py
	cp var/bench/roster_import.json var/bench/roster_import-sqlite.json
	BENCH_DATABASE_URL=$(PG_BENCH_URL) $(PY) bench/run.py
	cp var/bench/roster_import.json var/bench/roster_import-postgresql.json
	PG_ADMIN_URL=$(PG_BENCH_URL) $(PY) bench/checkin.py
	$(PY) bench/page_weight.py
	$(PY) bench/dashboards.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
