"""Create the local development admin account once, and say how to log in."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "csml-admin"  # noqa: S105  (development only: refused when DEBUG is off)


class Command(BaseCommand):
    help = "Create the development superuser admin / csml-admin if it does not exist."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create a development admin with DEBUG off; "
                "use `manage.py createsuperuser` in production."
            )
        User = get_user_model()
        if not User.objects.filter(username=USERNAME).exists():
            User.objects.create_superuser(USERNAME, "admin@localhost", PASSWORD)
        self.stdout.write(
            f"Admin: http://127.0.0.1:8000/admin/  user {USERNAME}  password {PASSWORD}"
        )
