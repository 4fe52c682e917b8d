# The two commands a newcomer needs (see README.md):
#   make serve   set up everything and serve the platform on http://127.0.0.1:8000 (SQLite, demo data)
#   make test    run the whole test suite on SQLite and on PostgreSQL (SERIALIZABLE)

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: serve test install install-dev services lint test-sqlite test-postgres clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

var/secret_key:
	mkdir -p var
	$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	chmod 600 $@

serve: install var/secret_key
	SECRET_KEY="$$(cat var/secret_key)" $(PY) manage.py migrate --noinput
	SECRET_KEY="$$(cat var/secret_key)" $(PY) manage.py collectstatic --noinput --verbosity 0
	SECRET_KEY="$$(cat var/secret_key)" $(PY) manage.py setup_demo
	SECRET_KEY="$$(cat var/secret_key)" $(VENV)/bin/gunicorn -c ory_platform/gunicorn.conf.py \
		--bind 127.0.0.1:8000 --workers 2

# PostgreSQL (and Redis, for the cache tests) must be up; start them if they are not.
services:
	@bash .ci/services

lint: install-dev
	$(VENV)/bin/ruff check .

test-sqlite: install-dev services
	$(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

test-postgres: install-dev services
	DATABASE_URL=$(TEST_DATABASE_URL) DATABASE_ISOLATION_LEVEL=serializable \
		$(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) var .pytest_cache
