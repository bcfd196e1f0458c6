"""Writes that touch several models: invitations, publishing, releases, next year."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from programme import queries, releases
from programme.models import Conference, ProgrammeItem, Release, Session


@transaction.atomic
def invite_contact(*, email: str, name: str, tracks=(), sessions=(), request):
    """Create (or reuse) the account for `email`, let it edit `tracks` and `sessions`, and
    e-mail it a link to set its password (Django's password-reset flow)."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(username=email.lower(), email=email, first_name=name)
        user.set_unusable_password()
        user.save()
    for track in tracks:
        track.editors.add(user)
    for session in sessions:
        session.editors.add(user)
    reset = PasswordResetForm({"email": user.email})
    if reset.is_valid():
        # The reset form only mails users with a usable password or none set yet; an
        # invited account has an unusable one, so it is offered explicitly.
        reset.get_users = lambda _email: [user]
        reset.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="registration/invitation_subject.txt",
            email_template_name="registration/invitation_email.txt",
            extra_email_context={"name": name, "tracks": list(tracks), "sessions": list(sessions)},
        )
    return user


@transaction.atomic
def set_published(*, conference, published: bool) -> None:
    conference.published = published
    conference.save(update_fields=["published"])


@transaction.atomic
def release_schedule(*, conference, name: str, user=None):
    """Record what the public sees now under `name` (a Release with its snapshot)."""
    programme = queries.programme_for_conference(conference)
    return Release.objects.create(
        conference=conference,
        name=name,
        created_by=user,
        snapshot=releases.snapshot(programme),
    )


def same_weekday_next_year(day: dt.date) -> dt.date:
    """The day 52 or 53 weeks after `day` that falls in the next calendar year, nearest
    its anniversary: a conference on a Sunday starts on a Sunday again."""
    try:
        anniversary = day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        anniversary = day.replace(year=day.year + 1, day=28)
    candidates = [day + dt.timedelta(weeks=weeks) for weeks in (52, 53)]
    return min(
        (c for c in candidates if c.year == day.year + 1),
        key=lambda c: abs((c - anniversary).days),
    )


@transaction.atomic
def copy_year(*, conference, first_day: dt.date):
    """A draft conference for the year of `first_day` with this year's rooms, tracks,
    committees, hosts and contacts, and its sessions and programme items as empty slots
    (no chairs, talks or hosts: those are new every year).

    Every date moves by the same number of days, the conference's first day to
    `first_day`, so the programme keeps its weekdays and its shape. Raises
    ValidationError, changing nothing, if `first_day` is not after this year or its
    year already exists."""
    if first_day <= conference.end_date:
        raise ValidationError(
            _("The new first day must come after %(conference)s, which ends on %(end)s."),
            code="not_after",
            params={"conference": conference, "end": conference.end_date},
        )
    shift = first_day - conference.start_date
    year = first_day.year
    old_year, new_year = str(conference.year), str(year)
    copy = Conference(
        year=year,
        name_zh=conference.name_zh.replace(old_year, new_year),
        name_en=conference.name_en.replace(old_year, new_year),
        short_name=conference.short_name.replace(old_year, new_year),
        start_date=first_day,
        end_date=conference.end_date + shift,
        registration_date=(
            conference.registration_date + shift if conference.registration_date else None
        ),
        registration_times="",  # as printed, with the old dates: written anew
        registration_times_en="",
        venue=conference.venue,
        venue_en=conference.venue_en,
        address=conference.address,
        address_en=conference.address_en,
        website=conference.website,
        livestream="",
        hotel_name=conference.hotel_name,
        hotel_website=conference.hotel_website,
        hotel_phone=conference.hotel_phone,
        intro_zh=conference.intro_zh.replace(old_year, new_year),
        intro_en=conference.intro_en.replace(old_year, new_year),
        notes=[
            f"Started from CSML {conference.year}: rooms, tracks, committees, contacts, "
            f"and its sessions and programme items moved by {shift.days} days."
        ],
        published=False,
    )
    try:
        copy.full_clean()
    except ValidationError as error:
        if any(e.code == "unique" for e in error.error_dict.get("year", [])):
            # The model's own message names neither the year nor what to do.
            raise ValidationError(
                _("CSML %(year)s already exists: choose a first day in another year."),
                code="year_exists",
                params={"year": year},
            ) from None
        raise
    copy.save()
    for organisation in conference.organisations.all():
        copy.organisations.create(
            role=organisation.role,
            name=organisation.name,
            name_en=organisation.name_en,
            position=organisation.position,
        )
    contacts = {}
    for contact in conference.contacts.all():
        contacts[contact.pk] = copy.contacts.create(
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            role=contact.role,
            role_en=contact.role_en,
            position=contact.position,
        )
    rooms = {None: None}
    for room in conference.rooms.all():
        rooms[room.pk] = copy.rooms.create(
            name=room.name, name_en=room.name_en, position=room.position
        )
    tracks = {}
    for track in conference.tracks.prefetch_related("contacts"):
        tracks[track.pk] = new_track = copy.tracks.create(
            code=track.code, name_zh=track.name_zh, name_en=track.name_en, position=track.position
        )
        new_track.contacts.set([contacts[c.pk] for c in track.contacts.all()])
    for member in conference.committee.all():
        copy.committee.create(
            role=member.role,
            person_id=member.person_id,
            position=member.position,
            title=member.title,
            title_en=member.title_en,
            affiliation=member.affiliation,
        )
    slots = [
        Session(
            conference=copy,
            track=tracks[session.track_id],
            code=session.code,
            topic=session.topic,
            room=rooms[session.room_id],
            date=session.date + shift,
            start=session.start,
            end=session.end,
        )
        for session in conference.sessions.all()
    ] + [
        ProgrammeItem(
            conference=copy,
            kind=item.kind,
            title=item.title,
            title_en=item.title_en,
            description=item.description,
            description_en=item.description_en,
            room=rooms[item.room_id],
            date=item.date + shift,
            start=item.start,
            end=item.end,
        )
        for item in conference.programme_items.all()
    ]
    for slot in slots:
        slot.full_clean()  # the day rule (Scheduled): each lands on a day of the copy
        slot.save()
    return copy
