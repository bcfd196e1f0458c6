# Everything a fresh clone needs: `make run` serves the site, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run test setup system-packages assets db lint format lock clean

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

setup: $(VENV)/.installed

# Debian packages the build and the tests need: gettext compiles the translations,
# chromium and the CJK fonts run the browser tests and screenshots, pango lays out the
# PDF programme book (WeasyPrint) and poppler-utils reads it back in the tests;
# redis-server is the shared page store of the cluster bench (bench/bench_cluster.py and
# its slow test start a private one on 127.0.0.1).
DEBIAN_PACKAGES := gettext chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils \
	redis-server
system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# Translations and static files are built, not committed.
assets: setup system-packages
	$(PY) manage.py compilemessages --ignore=.venv >/dev/null
	$(PY) manage.py collectstatic --no-input >/dev/null

# Migrate, load every fixture in fixtures/ and make sure the local admin account exists.
db: assets
	$(PY) manage.py migrate --no-input
	@if ls fixtures/*.yaml >/dev/null 2>&1; then $(PY) manage.py import_programme fixtures/*.yaml; fi
	$(PY) manage.py ensure_local_admin

run: db
	$(PY) manage.py runserver $(HOST)

test: assets
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Re-pin requirements.lock from the ranges in pyproject.toml.
lock:
	rm -rf /tmp/csml-lock && $(PYTHON) -m venv /tmp/csml-lock
	/tmp/csml-lock/bin/pip install --quiet '.[dev]'
	/tmp/csml-lock/bin/pip freeze --exclude csmlsite > requirements.lock

clean:
	rm -rf $(VENV) .pgdata staticfiles
