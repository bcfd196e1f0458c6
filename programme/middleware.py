"""Answers for requests that fail because the database cannot answer."""

import logging

from django.db import InterfaceError, OperationalError
from django.shortcuts import render

logger = logging.getLogger(__name__)


class DatabaseUnavailable:
    """A view that fails because the database cannot answer (PostgreSQL restarting, a
    connection lost, a lock held too long) gets a short 503 page asking to retry, with
    Retry-After, not the generic server error. Stored pages still come from the page
    store meanwhile (programme.caching.pages). The failure is logged here: Django does not
    log an exception that a middleware has answered.

    Only those failures: retrying later helps with them and with nothing else. An
    IntegrityError or DataError comes from what someone typed (an admin page shows it
    on the form, programme.refused_changes); any other database error is a fault of
    ours, a server error for Django to log and report."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable for %s", request.path, exc_info=exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
