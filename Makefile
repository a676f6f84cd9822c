# The few commands people type. `make run` sets everything up and serves the demo;
# `make test` runs the whole suite on the local PostgreSQL (with Redis, a Celery worker and an
# SMTP sink for the services tests) and the tests that use the database on SQLite too.
PYTHON ?= python3
# Python keeps each module it compiles in __pycache__ (git-ignored) for the next process. Some
# machines turn that off (PYTHONDONTWRITEBYTECODE=1, as this project's CI machine does), and then
# every process compiles Django and the rest again as it imports them: 2.3 s of CPU before
# django.setup() returns, for each test worker and for each gunicorn, Celery and beat process the
# services and topology tests start. The caches are what Python does by default: keep them.
unexport PYTHONDONTWRITEBYTECODE
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
DEV_ENV := DEBUG=1
TEST_DATABASE_URL ?= postgres://root@127.0.0.1:5432/copolad
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup deps test test-sqlite test-postgres test-services test-topology lint format worker beat bench lighthouse messages clean backup restore compose-backup compose-restore

run: setup
	$(DEV_ENV) STAFF_MFA_REQUIRED=$${STAFF_MFA_REQUIRED:-0} $(PY) manage.py runserver $(HOST):$(PORT)

setup: deps
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py createcachetable
	$(DEV_ENV) $(PY) manage.py load_demo

deps: $(VENV)/.installed node_modules/.installed locale/.compiled

# uv installs the same pinned requirements as pip would, from PyPI, in seconds rather than a minute of
# CPU (its cache makes a fresh clone's virtualenv cheap); pip only installs uv itself.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.txt
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

# Where each test runs, by one rule, so CI grows by one run of a new test, not two:
# - PostgreSQL, the database production runs, gets the whole suite.
# - SQLite, the development default, gets again the tests that use the database (the `database`
#   marker, which tests/conftest.py sets from pytest-django's fixtures and `django_db`) except
#   browser journeys, PDFs (marker `pdf`) and catalogue scans (marker `catalogue`): a test without a
#   database, a page in Chromium, WeasyPrint's output or the words of a page checked against the
#   catalogues cannot fail differently there, and those are the costliest tests.
# The SQLite and PostgreSQL passes run side by side (each prints its output when it ends). The
# services tests (their own worker, gunicorn, redis-server or SMTP sink on free ports, keys under a
# prefix of their own) and the topology stage then run side by side, apart from those passes: their
# races and outages are about time. The services reuse the PostgreSQL pass's test databases, which
# that pass has just created afresh (--create-db); the topology has its own redis-server, ports and
# test database (one process, no xdist suffix).
# Measured on a quiet machine: topology beside the SQLite pass slowed the PostgreSQL pass by more
# than it saved, while services beside topology cost 96 s against 123 s one after the other.
# Each pass runs on two pytest-xdist workers, each taking the next test as it frees up (worksteal:
# one long file no longer keeps a worker busy while the other idles), except the SQLite pass within
# `make test`: beside the PostgreSQL pass it runs on one, so that three processes share the two
# cores instead of four and its database is migrated once, not twice (bench/README.md, "CI").
# Every stage is bound by the machine's CPU, not by waiting. pytest's status 5 (no test
# selected, e.g. a branch without services tests) is not a failure. TEST_REPORTS=<dir> writes each
# pass's JUnit XML there (.ci/run sums the durations from it).
XDIST := -n 2 --dist worksteal
SQLITE_XDIST ?= $(XDIST)
NO_TESTS_IS_FINE := || test $$? -eq 5
REPORT = $(if $(TEST_REPORTS),--junitxml=$(TEST_REPORTS)/$@.xml)

test: deps
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target test-postgres test-sqlite SQLITE_XDIST="-n 1"
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target test-services test-topology

test-sqlite: deps
	$(PYTEST) -m "database and not services and not browser and not pdf and not catalogue" --hypothesis-profile=second-database $(SQLITE_XDIST) $(REPORT) $(NO_TESTS_IS_FINE)

test-postgres: deps
	DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) -m "not services" --reuse-db --create-db $(XDIST) $(REPORT) $(NO_TESTS_IS_FINE)

test-services: deps
	DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) -m "services and not topology" --reuse-db $(XDIST) $(REPORT) $(NO_TESTS_IS_FINE)

# The production topology (caddy with deploy/Caddyfile, two gunicorn nodes, a worker per queue, beat,
# Redis, moto's S3 server): one stack for its module, so one pytest process, with its own test database
# (no xdist suffix, created and dropped by the pass), beside the services.
test-topology: deps
	DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) -m topology -n 0 $(REPORT) $(NO_TESTS_IS_FINE)

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
