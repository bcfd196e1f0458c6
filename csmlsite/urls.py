from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.urls import include, path

from programme.track_admin import track_site
from programme.views.offline import favicon, service_worker

# Public pages are cacheable per URL, so the language is in the path: /2025/ is Chinese,
# /en/2025/ English. The admin sites keep Django's own language negotiation.
urlpatterns = [
    # At the root: a service worker's scope is its own folder and below (see
    # programme/views/offline.py); browsers ask for /favicon.ico whatever the page links.
    path("sw.js", service_worker, name="service-worker"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("track/", track_site.urls),
    # Only the set-password flows (invitations, forgotten passwords); people sign in at
    # /admin/ or /track/, so Django's own login pages are not mounted.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            # Called when the page is drawn, so the rules are in the reader's language
            # (SetPasswordForm's own help text is fixed when Django starts).
            extra_context={"password_rules": password_validators_help_text_html}
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    *i18n_patterns(path("", include("programme.urls")), prefix_default_language=False),
]
