from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    """django-axes under a name staff understand: its section of the admin index would
    read "Axes" (its models' names are translated in our catalogue, programme/
    third_party_words.py)."""

    verbose_name = _("Sign-in attempts")
