"""Production logging: with DEBUG=0 and nothing but the deploy's environment, what an
operator needs reaches stderr, which gunicorn passes on to its own log.

Each test runs the site in a subprocess under production settings (settings are read
once per process) and requests a view that fails (tests/failing_urls.py) with Django's
test client, through the whole middleware stack and Django's handling of an uncaught
exception, as gunicorn's worker would.
"""

import pytest

from tests.test_security import manage, production_environment

# The subprocess uses the test database (pytest-django creates it only for such tests).
pytestmark = pytest.mark.django_db

# A request that fails, and a warning and a remark from one of the app's loggers: the page
# cache's "serving stored page while the database is unavailable" and the refused change
# are warnings of loggers under programme. (their own tests cause the real thing; here
# what matters is where the record goes).
SCRIPT = """
import logging
from django.test import Client
from django.test.utils import override_settings

logging.getLogger("programme.caching").warning("the app warns: stored page served")
logging.getLogger("programme.caching").info("the app chats: nothing to see")
with override_settings(ROOT_URLCONF="tests.failing_urls"):
    client = Client(raise_request_exception=False, headers={"host": "csml.example.org"})
    response = client.get("/bug/", secure=True)
print("status", response.status_code)
"""


def run_site(**environment):
    result = manage(
        "shell", "--no-imports", "-c", SCRIPT, environment=production_environment(**environment)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["status", "500"]
    return result.stderr


@pytest.fixture(scope="module")
def stderr(django_db_setup):
    """stderr of the site under the deploy's environment alone (one run: it takes seconds)."""
    return run_site()


def test_a_server_error_leaves_its_traceback_on_stderr(stderr):

    assert "[ERROR] django.request: Internal Server Error: /bug/" in stderr
    assert "Traceback (most recent call last):" in stderr
    assert (
        "tests.failing_urls.BugInAView: a bug in a view, raised on purpose by the logging test"
        in stderr
    )


def test_the_apps_warnings_reach_stderr_and_chatter_does_not(stderr):
    # Without LOGGING, Python's last-resort handler would print the bare message: the
    # operator is told who said it, and how bad it is.
    assert "[WARNING] programme.caching: the app warns: stored page served" in stderr
    assert "the app chats" not in stderr


def test_log_level_sets_what_is_shown():
    quiet = run_site(LOG_LEVEL="error")
    chatty = run_site(LOG_LEVEL="INFO")

    assert "Internal Server Error: /bug/" in quiet
    assert "the app warns" not in quiet
    assert "[INFO] programme.caching: the app chats: nothing to see" in chatty


def test_an_unknown_log_level_is_refused_with_its_name():
    result = manage("check", environment=production_environment(LOG_LEVEL="LOUD"))

    assert result.returncode != 0
    assert "LOG_LEVEL 'LOUD'" in result.stderr
