"""A URLconf for tests/test_production_logging.py only: the site's own URLs and one view
with a bug, so that a 500 can be caused without a debug-only URL in the product."""

from django.urls import path

from csmlsite.urls import urlpatterns as site_urlpatterns


class BugInAView(Exception):
    pass


def view_with_a_bug(request):
    raise BugInAView("a bug in a view, raised on purpose by the logging test")


urlpatterns = [path("bug/", view_with_a_bug), *site_urlpatterns]
