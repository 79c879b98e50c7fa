# Two commands: `make run` (fresh machine → demo city on SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# A random key of this checkout for the servers and workers make starts (config/secrets.py):
# with DEBUG off they refuse the development key. Production sets SECRET_KEY itself.
SECRET_KEY ?= $(shell mkdir -p var && (test -s var/secret_key || $(PYTHON) -c \
	"import secrets; print(secrets.token_urlsafe(50))" > var/secret_key) && cat var/secret_key)
export SECRET_KEY
# Likewise the audit chains' HMAC key (docs/security.md): kept outside the database, in var/.
AUDIT_HMAC_KEY ?= $(shell mkdir -p var && (test -s var/audit-hmac.key || (umask 077 && $(PYTHON) -c \
	"import secrets; print(secrets.token_hex(32))" > var/audit-hmac.key)) && cat var/audit-hmac.key)
export AUDIT_HMAC_KEY
# And the key the subjects' identifiers are encrypted with (casework/crypto.py), in var/.
IDENTIFIER_KEY ?= $(shell mkdir -p var && (test -s var/identifier.key || (umask 077 && $(PYTHON) -c \
	"import base64, os; print(base64.b64encode(os.urandom(64)).decode())" > var/identifier.key)) && cat var/identifier.key)
export IDENTIFIER_KEY

.PHONY: run worker beat test venv migrate demo static browser lint typecheck diagrams sla messages clean bench-credit-check bench-transition scale-test

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

migrate: venv
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# Static files, compressed and hashed, served by WhiteNoise (embedded and production alike).
static: venv
	$(BIN)/python manage.py collectstatic --noinput -v0

# The browser tests drive Debian's chromium (never a downloaded browser), with CJK fonts, and
# run axe-core from the npm registry inside the page (var/node/, pinned in tests/browser/).
AXE := var/node/node_modules/axe-core/axe.min.js

browser: $(AXE)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	test -d /usr/share/fonts/opentype/noto || (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk)

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq npm)
	mkdir -p var/node
	cp tests/browser/package.json tests/browser/package-lock.json var/node/
	npm ci --prefix var/node --no-audit --no-fund --silent
	touch $(AXE)

run: demo static
	$(BIN)/python manage.py run_embedded $(HOST):$(PORT)

# Production (REDIS_URL set): workers deliver notifications and sweep; beat schedules the periodic tasks.
# Workers keep their database connection between tasks (a new one per task costs more than the task).
worker: venv
	DB_CONN_MAX_AGE=$${DB_CONN_MAX_AGE:-60} $(BIN)/celery -A config worker -l info --prefetch-multiplier 1 -Q celery,documents

beat: venv
	$(BIN)/celery -A config beat -l info -s var/celerybeat-schedule

test: venv browser
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	$(BIN)/ruff check .
	$(MAKE) typecheck
	$(BIN)/pytest -p no:cacheprovider --create-db

lint: venv
	$(BIN)/ruff check .

# mypy with the django-stubs and DRF-stubs plugins on casework, workflows, notifications and
# config (pyproject.toml [tool.mypy]); part of `make test`, zero errors.
typecheck: venv
	$(BIN)/mypy

diagrams: venv
	$(BIN)/python manage.py state_diagrams docs/state-diagrams

sla: venv
	$(BIN)/python manage.py sla_policies docs/sla.md

messages: venv
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var .pytest_cache .hypothesis

# The credit-check benchmark on a city of 625 000 cases (bench/city.py) in its own database
# (casework_bench_api, reused); PostgreSQL must be up; wrk is Debian's HTTP load generator.
bench-credit-check: venv
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/credit_check.py

# One transition four ways (engine, raw-SQL floor, django-fsm-2 peer, HTTP under uvicorn) with 1 and
# 2 processes on a city of 100 000 cases in its own database (casework_bench_transition, reused).
bench-transition: venv
	$(BIN)/python bench/transition.py

# Scale-out for real (docs/operations.md): a private PostgreSQL primary (:5433) with a streaming
# replica (:5434), two ASGI servers, two Celery workers and one beat; checks and figures. ~2 minutes.
# Redis: REDIS_URL (CI's), else the local default.
scale-test: venv
	$(BIN)/python deploy/scale/run.py --cases $${SCALE_CASES:-12}
