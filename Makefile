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
# PDF programme book (WeasyPrint), poppler-utils reads it back in the tests and
# zbar-tools reads its QR codes; redis-server is the shared page store of the cluster
# bench (bench/bench_cluster.py and its slow test start a private one on 127.0.0.1);
# default-jre-headless runs the W3C HTML checker (vnu.jar, tests/test_html_validity.py).
DEBIAN_PACKAGES := gettext chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils \
	zbar-tools redis-server default-jre-headless
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

# The site, and beside it the worker that prints the programme books after each change
# (programme/caching/books.py), logging each print (LOG_LEVEL=INFO). The worker runs in a
# session of its own (setsid), so that one signal stops all of it, its autoreloader's
# child included: when runserver stops (the EXIT trap) or, should this shell be killed
# outright (SIGKILL), when a watcher in that session sees it gone.
run: db
	@owner=$$$$; \
	setsid sh -c 'LOG_LEVEL=INFO $(PY) manage.py db_worker & \
		while kill -0 '"$$owner"' 2>/dev/null; do sleep 1; done; kill -TERM 0' & \
	worker=$$!; \
	trap 'kill -TERM -- -$$worker 2>/dev/null' EXIT; \
	trap 'exit 130' HUP INT TERM; \
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

# Stops the embedded PostgreSQL first (a `make run` elsewhere may still use it), then
# removes it with the PostgreSQL 16 folder an older checkout's server left aside.
clean:
	if [ -x $(PY) ] && [ -d .pgdata ]; then $(PY) csmlsite/embedded_db.py stop .pgdata; fi
	rm -rf $(VENV) .pgdata .pgdata-*-old* staticfiles
