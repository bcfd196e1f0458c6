"""The WSGI application the servers run: static files and current stored pages are
answered here, before Django's request handling starts.

Why at the WSGI level: measured with gunicorn (bench/RESULTS.md), Django's handler
(WSGIRequest, the request signals, the middleware chain, the response conversion) cost a
static file a third of its rate against a bare whitenoise app, and a warm page as much.
What is answered here is what needs nothing of that:

- a static file: whitenoise, built from the project's settings (the same files, finders
  and headers as WHITENOISE_ADD_HEADERS_FUNCTION gives them); it is the only place that
  serves them, so it is not in MIDDLEWARE;
- a stored page whose data version this process's copy (feed.py) says is current: the
  same answer PageCache would give (`pages.stored_response`), without a query.

Everything else goes to Django unchanged, including a stored page when the copy cannot
be trusted (listener lost, the database restarting): PageCache then asks the database
inside Django's request cycle, whose signals keep the connection healthy, and serves the
page as stored when the database cannot answer. Entries other than this application (the
test client, the tests' live server) have no front; PageCache answers them alike.
"""

from django.core.handlers.wsgi import WSGIRequest, get_path_info
from whitenoise import WhiteNoise
from whitenoise.middleware import WhiteNoiseMiddleware

from programme.caching import feed, pages


def wrap(django_application):
    """The project's WSGI application: whitenoise, then stored pages, then Django."""
    return StaticFiles(application=StoredPages(django_application))


class StaticFiles(WhiteNoiseMiddleware):
    """whitenoise configured from the settings as its Django middleware is (STATIC_ROOT,
    WHITENOISE_*, the finders when DEBUG), answering as the WSGI application it also is:
    the middleware class overrides these two with Django's request and response."""

    __call__ = WhiteNoise.__call__
    serve = staticmethod(WhiteNoise.serve)

    def __init__(self, application):
        super().__init__()
        self.application = application


class StoredPages:
    def __init__(self, django_application):
        self.django_application = django_application

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            key = pages.page_key(environ, get_path_info(environ))
            page = pages.stored_page(key, announced_current)
            if page is not None:
                if any(name in environ for name in pages.CONDITIONS):
                    response = page.answer(WSGIRequest(environ))  # 304s by Django's rules
                    status, headers = (
                        f"{response.status_code} {response.reason_phrase}",
                        list(response.items()),
                    )
                    content = response.content
                else:
                    status, headers, content = page.status, page.headers, page.content
                start_response(status, headers)
                return [content]
        return self.django_application(environ, start_response)


def announced_current(scope, version) -> bool:
    """Current by the feed's copy; a copy that cannot be trusted sends the request on to
    Django, whose PageCache asks the database."""
    announced = feed.announced_version(scope)
    return announced is not feed.UNKNOWN and announced == version
