from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from programme.track_admin import track_site

# Public pages are cacheable per URL, so the language is in the path: /2025/ is Chinese,
# /en/2025/ English. The admin sites keep Django's own language negotiation.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("track/", track_site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    *i18n_patterns(path("", include("programme.urls")), prefix_default_language=False),
]
