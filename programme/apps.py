from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "programme"
    verbose_name = _("Programme")

    def ready(self):
        from django.db.models.signals import post_migrate

        from programme.caching.books import connect_signals
        from programme.models import refuse_nul_in_text
        from programme.signals import ensure_editors_group

        post_migrate.connect(ensure_editors_group, sender=self)
        connect_signals(self)  # a change to programme data asks for a book print
        refuse_nul_in_text(self.get_models())
