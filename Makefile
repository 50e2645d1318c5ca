# Two commands do all the set-up:  `make run`  and  `make test`.
# Each creates .venv with Python 3.13 and installs the project into it.

PYTHON ?= $(shell command -v python3.13 2>/dev/null || ls -d $$HOME/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | tail -n 1 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ROWS ?= 5000
PYTEST_ARGS ?=
# A private key for this checkout, made once (var/ is not committed); SECRET_KEY from the
# environment wins. The server refuses to start without one: there is no default key.
export SECRET_KEY ?= $(shell umask 077; mkdir -p var && { test -s var/secret_key || python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key; } && cat var/secret_key)

.PHONY: run test test-all venv migrate demo clean messages

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py migrate --database jobs --noinput

demo: migrate
	@if $(PY) manage.py shell -c "import sys; from erp.personal_admin.models import Tenant; sys.exit(not Tenant.objects.filter(slug='demo').exists())"; then \
		echo "Demo tenant already there: log in as demo_owner / demo1234"; \
	else \
		$(PY) manage.py seed_tenant demo --rows $(DEMO_ROWS) --password demo1234; \
	fi

# The web server, one job worker (backups and restores as jobs) and the backup scheduler
# (queues the shops' scheduled backups when due); Ctrl-C stops all three.
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (token: POST /api/auth/token/ with demo_owner / demo1234)"
	@echo "The owners' page: http://$(HOST):$(PORT)/backups/  (log in as demo_owner / demo1234)"
	@trap 'kill 0' INT TERM EXIT; \
	DEBUG=1 $(PY) manage.py db_worker --interval 1 & \
	DEBUG=1 $(PY) manage.py backup_schedules --loop 60 & \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# `make test`: everything but the tests marked slow (the 1 GiB upload, memory at scale, the
# e2e suite's big seeded database, the benchmark harness). `make test-all`: everything.
test: venv
	$(PY) -m pytest -m "not slow" -n auto --dist loadfile $(PYTEST_ARGS)

test-all: venv
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm var

# Rebuild the catalogs (locale/) after changing a message: needs GNU gettext (apt install gettext).
# The compiled .mo files are committed, so `make run` and `make test` need no gettext.
messages: venv
	$(PY) manage.py makemessages -l es -l en --add-location=file --ignore='.venv/*' --ignore='tests/*' --ignore='benchmarks/*' --ignore='var/*' --ignore='docs/*'
	for lang in es en; do po=locale/$$lang/LC_MESSAGES/django.po; msgattrib --no-obsolete -o $$po $$po && msgfmt --check -o $${po%.po}.mo $$po; done
