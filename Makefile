# The two commands: `make run` (platform with demo data) and `make test` (whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=

# Tests and CI use the real services on this machine.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/consult
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
# The suite runs on this many pytest-xdist workers (0: in one process), each test module
# on one worker so its shared fixtures (servers, worlds of test data) are built once;
# the costliest modules are handed out first (tests/conftest.py).
TEST_WORKERS ?= 2

.PHONY: run test install install-dev system-deps report-deps translations messages lint format bench clean

# A random SECRET_KEY for this machine, made once; a SECRET_KEY in the environment
# wins (production sets its own: docs/operations.md).
SECRET_KEY_FILE := var/secret-key
KEY = SECRET_KEY="$${SECRET_KEY:-$$(cat $(SECRET_KEY_FILE))}"

$(SECRET_KEY_FILE):
	mkdir -p var
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

install-dev: $(BIN)/.installed-dev

# The interface's translations (locale/*/LC_MESSAGES/*.po, committed) compiled to the
# .mo files Django reads (build output, not committed), with Debian's gettext (msgfmt)
# installed when it is missing.
translations: install
	@command -v msgfmt >/dev/null 2>&1 || { \
		echo "Installing Debian's gettext for the translations"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q gettext; }
	$(BIN)/python manage.py compilemessages --ignore .venv -v0

# Refresh the catalogues from the source (after changing user-facing strings); then
# translate the new entries: the tests fail on any untranslated or fuzzy entry.
messages: install
	for language in es fr pt zh_Hans; do \
		$(BIN)/python manage.py makemessages -l $$language --no-obsolete -v0 && \
		$(BIN)/python manage.py makemessages -d djangojs -l $$language --no-obsolete -v0; \
	done

# `serve` runs Daphne and the mail worker (console mail shows here); Ctrl-C stops both.
run: install translations report-deps $(SECRET_KEY_FILE)
	$(KEY) $(BIN)/python manage.py migrate --noinput
	$(KEY) $(BIN)/python manage.py collectstatic --noinput -v0
	$(KEY) $(BIN)/python manage.py load_demo
	$(KEY) $(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

# Browser tests drive the system Chromium and the load-balancer test the system nginx;
# install Debian's packages when they are missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	command -v ss >/dev/null 2>&1 || missing="$$missing iproute2"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing for the tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

# The report PDFs (reports/pdf.py: WeasyPrint) need Pango and a font with Chinese
# characters (the charts, reports/charts.py, too); install Debian's when missing.
report-deps:
	@missing=""; \
	command -v fc-list >/dev/null 2>&1 || missing="$$missing fontconfig"; \
	fc-list :lang=zh family 2>/dev/null | grep -q . || missing="$$missing fonts-wqy-zenhei"; \
	PATH="$$PATH:/sbin:/usr/sbin" ldconfig -p | grep -q libpangoft2-1.0.so.0 || \
		missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing for the report PDFs"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

test: install-dev system-deps report-deps translations $(SECRET_KEY_FILE)
	mkdir -p var/static
	$(KEY) DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) STATIC_MANIFEST=0 \
		$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(KEY) DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) STATIC_MANIFEST=0 \
		$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder $(ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The benchmark uses its own database (created when missing) and Redis database 2.
bench: install-dev $(SECRET_KEY_FILE)
	$(KEY) DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/consult_bench} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/2} \
		$(BIN)/python bench/room.py $(ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3 .pytest_cache .ruff_cache
