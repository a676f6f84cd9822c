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

.PHONY: run setup deps test test-sqlite test-postgres test-topology lint format worker beat bench messages clean backup restore compose-backup compose-restore

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

test: deps test-sqlite test-postgres test-topology

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
	DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) -m "services and not topology" $(XDIST)

# The production topology (caddy with deploy/Caddyfile, two gunicorn nodes, a worker per queue, beat,
# Redis, moto's S3 server): one stack for its module, so one pytest process.
test-topology: deps
	DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) -m topology -n 0

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

# Backup and restore (README "Backup and restore"), on any host that reaches the database and the
# files: the database as a pg_dump custom-format file and every stored file (the bucket, or MEDIA_ROOT
# on local disk) copied into a folder, together in backups/<date>/. They read the portal's own
# environment (DATABASE_URL, AWS_* or MEDIA_ROOT). `make restore BACKUP=backups/<date>` puts both
# back: stop the web nodes and workers first. With compose: `make compose-backup` and
# `make compose-restore BACKUP=backups/<date>` run the same two targets in the portal's image.
COMPOSE ?= docker compose
BACKUP_STAMP := $(shell date -u +%Y%m%dT%H%M%SZ)
BACKUP_DIR ?= backups/$(BACKUP_STAMP)

backup:
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "Set DATABASE_URL=postgres://… (the portal's database)"; exit 1;; esac
	mkdir -p $(BACKUP_DIR)
	pg_dump --format=custom --no-owner --file=$(BACKUP_DIR)/database.dump "$$DATABASE_URL"
	$(PY) manage.py copy_media --to $(BACKUP_DIR)/media
	@echo "Backup written to $(BACKUP_DIR)"

restore:
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=backups/<date>"; exit 1; }
	@test -f "$(BACKUP)/database.dump" && test -d "$(BACKUP)/media"
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "Set DATABASE_URL=postgres://… (the portal's database)"; exit 1;; esac
	pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$$DATABASE_URL" $(BACKUP)/database.dump
	$(PY) manage.py copy_media --from $(BACKUP)/media
	@echo "Restored from $(BACKUP)"

compose-backup:
	$(COMPOSE) --profile backup run --rm backup make backup PY=python BACKUP_DIR=$(BACKUP_DIR)

compose-restore:
	@test -n "$(BACKUP)" || { echo "Usage: make compose-restore BACKUP=backups/<date>"; exit 1; }
	$(COMPOSE) stop proxy web worker worker-bulk beat
	$(COMPOSE) --profile backup run --rm backup make restore PY=python BACKUP=$(BACKUP)
	$(COMPOSE) up -d

clean:
	rm -rf $(VENV) node_modules staticfiles locale/.compiled
