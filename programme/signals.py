"""The staff group, kept in step with the models after every migrate."""

from django.contrib.auth.models import Group, Permission

EDITORS_GROUP = "Programme editors"


def ensure_editors_group(sender, **kwargs):
    """Staff in this group edit every programme model; user accounts stay with superusers
    (editing a user could make someone a superuser)."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    perms = Permission.objects.filter(content_type__app_label="programme")
    group.permissions.set(perms)
