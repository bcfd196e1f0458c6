"""Writes that touch several models: invitations, publishing, releases, next year."""

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction

from programme import queries, releases
from programme.models import Conference, Release


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


def shift_year(date, years: int):
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28)


@transaction.atomic
def copy_year(*, conference):
    """A draft conference for the following year with this year's rooms, tracks,
    committees, hosts and contacts; dates moved on by a year; no sessions or talks."""
    year = conference.year + 1
    if Conference.objects.filter(year=year).exists():
        raise ValueError(f"CSML {year} already exists.")
    old_year, new_year = str(conference.year), str(year)
    copy = Conference.objects.create(
        year=year,
        name_zh=conference.name_zh.replace(old_year, new_year),
        name_en=conference.name_en.replace(old_year, new_year),
        short_name=conference.short_name.replace(old_year, new_year),
        start_date=shift_year(conference.start_date, 1),
        end_date=shift_year(conference.end_date, 1),
        registration_date=(
            shift_year(conference.registration_date, 1) if conference.registration_date else None
        ),
        registration_times=conference.registration_times,
        venue=conference.venue,
        address=conference.address,
        website=conference.website,
        livestream="",
        hotel_name=conference.hotel_name,
        hotel_website=conference.hotel_website,
        hotel_phone=conference.hotel_phone,
        intro_zh=conference.intro_zh.replace(old_year, new_year),
        intro_en=conference.intro_en.replace(old_year, new_year),
        notes=[f"Started from CSML {conference.year}: rooms, tracks, committees and contacts."],
        published=False,
    )
    for organisation in conference.organisations.all():
        copy.organisations.create(
            role=organisation.role, name=organisation.name, position=organisation.position
        )
    contacts = {}
    for contact in conference.contacts.all():
        contacts[contact.pk] = copy.contacts.create(
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            role=contact.role,
            position=contact.position,
        )
    for room in conference.rooms.all():
        copy.rooms.create(name=room.name, position=room.position)
    for track in conference.tracks.prefetch_related("contacts"):
        new_track = copy.tracks.create(
            code=track.code, name_zh=track.name_zh, name_en=track.name_en, position=track.position
        )
        new_track.contacts.set([contacts[c.pk] for c in track.contacts.all()])
    for member in conference.committee.all():
        copy.committee.create(
            role=member.role,
            person_id=member.person_id,
            position=member.position,
            title=member.title,
            affiliation=member.affiliation,
        )
    return copy
