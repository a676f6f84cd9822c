# The few commands people type. `make run` sets everything up and serves the demo;
# `make test` runs the whole suite on SQLite, then on the local PostgreSQL with Redis,
# a Celery worker and an SMTP sink.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
DEV_ENV := DEBUG=1
TEST_DATABASE_URL ?= postgres://root@127.0.0.1:5432/copolad
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup deps test test-sqlite test-postgres lint format worker beat bench lighthouse messages clean backup restore

run: setup
	$(DEV_ENV) STAFF_MFA_REQUIRED=$${STAFF_MFA_REQUIRED:-0} $(PY) manage.py runserver $(HOST):$(PORT)

setup: deps
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py createcachetable
	$(DEV_ENV) $(PY) manage.py load_demo

deps: $(VENV)/.installed node_modules/.installed locale/.compiled

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

locale/.compiled: $(wildcard locale/*/LC_MESSAGES/*.po) $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules
	touch $@

messages: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py makemessages -l es -l pt --add-location file --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

test: deps test-sqlite test-postgres

# Two workers (pytest-xdist) on the 2-core machine, each taking the next test as it frees up
# (worksteal: one long file no longer keeps a worker busy while the other idles).
# The browser journeys run once, on PostgreSQL, the database users run: what they check (pages,
# layout, keyboard, axe) does not depend on the database, and Chromium is the costliest part of the
# suite. Everything else runs on both databases. The services tests then run on two workers of
# their own: each starts its own worker, gunicorn, redis-server or SMTP sink on free ports and
# keeps its Redis keys under a prefix of its own, so two of them never share anything.
XDIST := -n 2 --dist worksteal

test-sqlite: deps
	$(PYTEST) -m "not services and not browser" $(XDIST)

test-postgres: deps
	DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) -m "not services" $(XDIST)
	DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) -m services $(XDIST)

lint: deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-logo --no-cache

format: deps
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Development: one worker for every queue. In production run bulk apart (see README), so a
# campaign on "bulk" never delays a confirmation on "default".
worker: deps
	$(PY) -m celery -A copolad_wg worker -Q default,bulk,documents --loglevel=INFO

beat: deps
	$(PY) -m celery -A copolad_wg beat --loglevel=INFO

bench: deps
	$(PY) bench/run.py

# Lighthouse (npm, mobile emulation, Debian's Chromium) on the public pages in Spanish, served by
# gunicorn in production mode: a benchmark that prints the scores, not a pass/fail test.
lighthouse: deps
	$(PY) bench/lighthouse.py

# Production backup and restore with docker compose (README "Backup and restore"): the database as a
# pg_dump custom-format file and the media volume (documents, certificates) as a tar.gz, together
# in backups/<date>/. `make restore BACKUP=backups/<date>` puts both back (the stack keeps running;
# web and the workers are stopped while the database is replaced).
COMPOSE ?= docker compose
BACKUP_STAMP := $(shell date -u +%Y%m%dT%H%M%SZ)
BACKUP_DIR ?= backups/$(BACKUP_STAMP)

backup:
	mkdir -p $(BACKUP_DIR)
	$(COMPOSE) exec -T postgres pg_dump -U copolad -d copolad --format=custom > $(BACKUP_DIR)/database.dump
	$(COMPOSE) exec -T web tar -C /app/media -czf - . > $(BACKUP_DIR)/media.tar.gz
	@echo "Backup written to $(BACKUP_DIR)"

restore:
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=backups/<date>"; exit 1; }
	@test -f "$(BACKUP)/database.dump" && test -f "$(BACKUP)/media.tar.gz"
	$(COMPOSE) stop proxy web worker worker-bulk beat
	$(COMPOSE) exec -T postgres pg_restore -U copolad -d copolad --clean --if-exists --no-owner < $(BACKUP)/database.dump
	$(COMPOSE) run --rm --no-deps -T web sh -c 'find /app/media -mindepth 1 -delete && tar -C /app/media -xzf -' < $(BACKUP)/media.tar.gz
	$(COMPOSE) up -d

clean:
	rm -rf $(VENV) node_modules staticfiles locale/.compiled
