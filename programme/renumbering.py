"""Renumber a session's talks to follow their order: E1-1, E1-2, ... by position.

Talks are reordered by their position (drag and drop, or the order numbers); codes stay
as they were, so a public page could list E1-2 before E1-1. This action makes the codes
follow. The old codes keep working as links (programme.models.CodeRedirect records them).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from programme.models import Session, Talk

# A code no real talk can carry (validate_code allows letters, digits and "-"), so the
# first phase cannot clash, and the old-code trigger skips it.
PLACEHOLDER = "~{pk}"


@transaction.atomic
def renumber_talks(*, session: Session) -> list[tuple[str, str]]:
    """Give the talks of `session` the codes `<session code>-1`, `-2`, ... in position
    order (ties by creation), in one transaction. Returns the (old, new) code pairs that
    changed. Raises ValidationError, changing nothing, when a new code is taken by a talk
    of another session or is not a valid code."""
    talks = list(
        Talk.objects.select_for_update().filter(session=session).order_by("position", "pk")
    )
    wanted = {talk.pk: f"{session.code}-{n}" for n, talk in enumerate(talks, start=1)}
    moving = [talk for talk in talks if talk.code != wanted[talk.pk]]
    if not moving:
        return []
    taken = (
        Talk.objects.filter(conference_id=session.conference_id, code__in=wanted.values())
        .exclude(session=session)
        .order_by("code")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            _("Cannot renumber: %(code)s is already the code of “%(talk)s” in session %(other)s.")
            % {"code": taken.code, "talk": taken.title, "other": taken.session or taken.item}
        )
    # Two phases, so that swapping E1-1 and E1-2 never has two talks with one code.
    for talk in moving:
        Talk.objects.filter(pk=talk.pk).update(code=PLACEHOLDER.format(pk=talk.pk))
    changes = []
    for talk in moving:
        old = talk.code
        talk.code = wanted[talk.pk]
        talk.full_clean()
        talk.save()
        changes.append((old, talk.code))
    return changes
