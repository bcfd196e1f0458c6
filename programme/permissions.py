"""Who may edit what, for track contacts and session coordinators.

A track contact (Track.editors) edits every session of their tracks and the talks in
them; a session coordinator (Session.editors) edits one session. Staff permissions are
Django's own model permissions and are not decided here.
"""

from django.db.models import Q, QuerySet

from programme.models import Session, Talk, Track


def editable_tracks(user) -> QuerySet[Track]:
    if not (user.is_authenticated and user.is_active):
        return Track.objects.none()
    return Track.objects.filter(editors=user)


def editable_sessions(user) -> QuerySet[Session]:
    if not (user.is_authenticated and user.is_active):
        return Session.objects.none()
    ids = Session.objects.filter(Q(track__editors=user) | Q(editors=user)).values("pk")
    return Session.objects.filter(pk__in=ids)


def editable_talks(user) -> QuerySet[Talk]:
    return Talk.objects.filter(session__in=editable_sessions(user))


def is_programme_contact(user) -> bool:
    """True for an active user who contacts at least one track or session."""
    return editable_sessions(user).exists() or editable_tracks(user).exists()
