"""The programme of a CSML conference: years, people, rooms, tracks, sessions, talks.

A Person is one row per real person across all years. What a programme book prints
beside a name in one year (affiliation, title, online attendance, bio) lives on the
appearance: CommitteeMembership, ItemHost, SessionChair, TalkSpeaker.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from pypinyin import lazy_pinyin
from simple_history.models import HistoricalRecords

from programme import names, search_index
from programme.caching.urls import url_for
from programme.text import (
    CLOSING_BRACKETS,
    OPENING_BRACKETS,
    split_trailing_brackets,
    validate_web_address,
)

# A code names a session, talk or track in URLs (/2025/talks/E1-2/), calendars and frab
# files: letters, digits and inner hyphens, nothing else. programme/urls.py matches codes
# with the same pattern, so every stored code has working links.
CODE_PATTERN = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
validate_code = RegexValidator(
    rf"\A{CODE_PATTERN}\Z",
    _("Use letters, digits and “-” only, e.g. A1 or E1-2."),
    code="invalid_code",
)


def validate_brackets_pair(value: str):
    """A person key is a name, then for homonyms a qualifier in brackets: brackets that
    do not pair up (`王磊（浙江大学`) are a typing slip, not a new person."""
    depth = 0
    for char in value:
        depth += char in OPENING_BRACKETS
        depth -= char in CLOSING_BRACKETS
        if depth < 0:
            break
    if depth != 0:
        raise ValidationError(
            _("The brackets in “%(text)s” do not pair up."),
            code="unpaired_brackets",
            params={"text": value},
        )


class CheckedModel(models.Model):
    """Base of the models whose rules span fields (clean()) or fill fields from others.

    - `derive()` fills derived fields (a talk's conference from its session, a new
      person's key from the name); clean() and save() both run it. A form that does not
      show a derived field would otherwise leave the unique constraints on it unchecked,
      and a duplicate would reach the database as an IntegrityError: so those fields are
      always validated once derived.
    - `rule_errors()` holds the rules that span fields; clean() raises them, named by
      field when the form shows that field and otherwise for the whole form.
    """

    derived_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.derive()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.derive()
        errors = self.rule_errors()
        if errors:
            raise ValidationError(errors)

    def rule_errors(self) -> dict:
        """{field name: ValidationError} for this model's rules that span fields."""
        return {}

    def derive(self):
        """Fill the derived fields from the others."""

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        self.derive()  # before the fields are checked: a derived field is not "missing"
        try:
            super().full_clean(exclude, validate_unique, validate_constraints)
        except ValidationError as error:
            raise located(error, exclude) from None

    def validate_unique(self, exclude=None):
        try:
            super().validate_unique(self._checked(exclude))
        except ValidationError as error:
            raise located(error, exclude) from None

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(self._checked(exclude))
        except ValidationError as error:
            raise located(error, exclude) from None

    def _checked(self, exclude) -> set:
        """`exclude` without the derived fields that have a value."""
        derived = self.derived_fields
        return set(exclude or ()) - {
            name for name in derived if getattr(self, self._meta.get_field(name).attname)
        }


def located(error: ValidationError, exclude) -> ValidationError:
    """`error` with the errors of fields in `exclude` (those a form does not show)
    moved to the whole form: Django raises ValueError for an error on a field a form
    lacks."""
    if not hasattr(error, "error_dict") or not exclude:
        return error
    moved = {}
    for name, errors in error.error_dict.items():
        moved.setdefault(NON_FIELD_ERRORS if name in exclude else name, []).extend(errors)
    return ValidationError(moved)


def same_conference(instance, field_name: str) -> dict:
    """{field: error} when `instance.<field_name>` belongs to another year than `instance`:
    a 2025 session cannot take a 2026 room or a 2024 track."""
    if getattr(instance, f"{field_name}_id") is None or instance.conference_id is None:
        return {}
    related = getattr(instance, field_name)
    if related.conference_id == instance.conference_id:
        return {}
    return {
        field_name: ValidationError(
            _("%(choice)s belongs to %(other)s, not to %(conference)s."),
            code="other_year",
            params={
                "choice": related,
                "other": related.conference,
                "conference": instance.conference,
            },
        )
    }


class ConferenceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class ConferenceManager(models.Manager.from_queryset(ConferenceQuerySet)):
    def get_by_natural_key(self, year):
        return self.get(year=year)


class Conference(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    short_name = models.CharField(
        _("short name"), max_length=40, blank=True, help_text=_("e.g. CSML2025")
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    registration_date = models.DateField(
        _("registration day"), null=True, blank=True, help_text=_("The day before, if any.")
    )
    registration_times = models.CharField(
        _("registration times"),
        max_length=300,
        blank=True,
        help_text=_("As printed, e.g. 8 月 8 日 15:00-18:00；8 月 9 日-8 月 10 日 7:30-17:00"),
    )
    registration_times_en = models.CharField(
        _("registration times (English)"),
        max_length=300,
        blank=True,
        help_text=_("e.g. 8 August 15:00-18:00; 9-10 August 7:30-17:00"),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    venue_en = models.CharField(
        _("venue (English)"),
        max_length=200,
        blank=True,
        help_text=_("e.g. Friendship Palace, Beijing Friendship Hotel"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    website = models.CharField(
        _("website"), max_length=300, blank=True, validators=[validate_web_address]
    )
    livestream = models.CharField(
        _("live stream link"), max_length=300, blank=True, validators=[validate_web_address]
    )
    hotel_name = models.CharField(_("hotel"), max_length=200, blank=True)
    hotel_website = models.CharField(
        _("hotel website"), max_length=300, blank=True, validators=[validate_web_address]
    )
    hotel_phone = models.CharField(_("hotel phone"), max_length=100, blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    notes = models.JSONField(
        _("editorial notes"),
        default=list,
        blank=True,
        help_text=_("Judgment calls made when transcribing the programme book."),
    )
    published = models.BooleanField(_("published"), default=False)

    objects = ConferenceManager()

    class Meta:
        ordering = ("-year",)
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        constraints = (
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="conference_ends_after_start",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
        )

    def __str__(self):
        return self.short_name or f"CSML{self.year}"

    def get_absolute_url(self):
        return url_for("programme:conference-home", self.year)

    def natural_key(self):
        return (self.year,)

    def clean(self):
        super().clean()
        if self.pk is None or not (self.start_date and self.end_date):
            return
        # The other side of Scheduled's rule: new dates must still hold the programme.
        outside = [
            str(row)
            for row in [*self.sessions.all(), *self.programme_items.all()]
            if self.day_error(row.date, registration=row.on_registration_day)
        ]
        if outside:
            raise ValidationError(
                _(
                    "%(count)s sessions or programme items would fall outside these dates, "
                    "e.g. %(example)s: move them first."
                ),
                code="programme_outside_dates",
                params={"count": len(outside), "example": outside[0]},
            )

    def day_error(self, date: dt.date, *, registration: bool = False) -> ValidationError | None:
        try:
            self.validate_day(date, registration=registration)
        except ValidationError as error:
            return error
        return None

    def days(self) -> list[dt.date]:
        if not (self.start_date and self.end_date):
            return []
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=n) for n in range(max(count, 0))]

    def validate_day(self, date: dt.date, *, registration: bool = False):
        """Raise ValidationError unless `date` is a day of this conference (or, for
        registration, the registration day before it). Also used by the fixture reader
        on a Conference that is never saved."""
        allowed = self.days()
        if registration and self.registration_date:
            allowed.append(self.registration_date)
        if date not in allowed:
            raise ValidationError(
                _("%(date)s is not a day of %(conference)s (%(start)s – %(end)s)."),
                code="not_a_day",
                params={
                    "date": date,
                    "conference": self,
                    "start": self.start_date,
                    "end": self.end_date,
                },
            )


class Organisation(models.Model):
    """A host (主办) or co-host (协办) organisation of one year."""

    class Role(models.TextChoices):
        HOST = "host", _("host")
        CO_HOST = "co_host", _("co-host")

    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="organisations", verbose_name=_("conference")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    name_en = models.CharField(
        _("English name"),
        max_length=200,
        blank=True,
        help_text=_("e.g. School of Mathematical Sciences, Peking University"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ("conference", "role", "position")
        verbose_name = _("host organisation")
        verbose_name_plural = _("host organisations")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "role", "name"), name="organisation_unique_per_role"
            ),
        )

    def __str__(self):
        return f"{self.name} ({self.get_role_display()}, {self.conference})"


class PersonManager(models.Manager):
    def get_by_natural_key(self, key):
        return self.get(key=key)

    def for_key(self, key: str, *, name: str = "") -> "Person":
        """The person with this key, created (checked first) if there is none: how every
        entry point (fixtures, spreadsheets, the admins) turns a key into a person."""
        person = self.filter(key=key).first()
        if person is None:
            person = self.model(key=key, name=name or self.model.name_from_key(key))
            person.full_clean(validate_unique=False)
            person.save()
        return person


SLUG_LENGTH = 200


def pinyin_slug(text: str) -> str:
    """`张林峰` -> `zhang-lin-feng`; ASCII words are kept, everything else dropped. Cut at
    a word so that a numbered duplicate (`-12`) still fits the column."""
    words = []
    for part in lazy_pinyin(text):
        cleaned = "".join(ch.lower() if ch.isascii() and ch.isalnum() else " " for ch in part)
        words.extend(cleaned.split())
    slug = "-".join(words)
    if len(slug) > SLUG_LENGTH - 8:
        slug = slug[: SLUG_LENGTH - 8].rsplit("-", 1)[0]
    return slug or "person"


class Person(CheckedModel):
    key = models.CharField(
        _("key"),
        max_length=200,
        unique=True,
        validators=[validate_brackets_pair],
        help_text=_("The name, or for homonyms the name with a qualifier: 王磊 (浙江大学)"),
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    search_name = models.TextField(
        _("search name"),
        blank=True,
        editable=False,
        help_text=_(
            "The name and its pinyin as search matches them, e.g. 吴磊 Wu Lei wu lei wulei."
        ),
    )
    slug = models.SlugField(_("slug"), max_length=SLUG_LENGTH, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    homepage = models.URLField(_("homepage"), blank=True, validators=[validate_web_address])
    bio = models.TextField(_("bio"), blank=True)

    objects = PersonManager()
    derived_fields = ("key", "slug")

    class Meta:
        ordering = ("key",)
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = search_index.indexes("person", "search_name")

    def __str__(self):
        return self.key

    def save(self, *args, **kwargs):
        # search_name follows the names, also when a caller saves only what it changed.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "name_en"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url_for("programme:person-detail", self.slug)

    def derive(self):
        # Someone new is known by their name; a homonym's key is set by staff.
        self.name = (self.name or "").strip()
        if not self.key:
            self.key = self.name
        if not self.slug and self.key:
            self.slug = self.unused_slug(pinyin_slug(self.key))
        self.search_name = names.search_name(self.name, self.name_en)

    @staticmethod
    def name_from_key(key: str) -> str:
        """`王磊 (浙江大学)` -> `王磊`: a key is the name, then for homonyms a qualifier in
        brackets."""
        try:
            name, _qualifier = split_trailing_brackets(key)
        except ValueError:
            return key.strip()
        return name or key.strip()

    @classmethod
    def unused_slug(cls, base: str) -> str:
        """Different names can share a pinyin (张力, 章立): number the later ones."""
        taken = set(cls.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        return slug

    def natural_key(self):
        return (self.key,)


class Appearance(models.Model):
    """What the book prints beside a person's name in one place of one year."""

    person = models.ForeignKey(Person, models.PROTECT, verbose_name=_("person"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    affiliation = models.CharField(_("affiliation"), max_length=300, blank=True)

    class Meta:
        abstract = True
        ordering = ("position",)


class CommitteeMembership(Appearance):
    class Role(models.TextChoices):
        CHAIR = "chairs", _("conference chair")
        ACADEMIC = "academic_committee", _("academic committee")
        ROUNDTABLE_MODERATOR = "roundtable_moderator", _("roundtable moderator")
        ROUNDTABLE_PANEL = "roundtable_panel", _("roundtable panel")
        INVITED_SPEAKER = "invited_speakers", _("invited speaker")
        ORGANISING_CHAIR = "organising_chairs", _("organising committee chair")
        ORGANISING_MEMBER = "organising_members", _("organising committee member")

    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="committee", verbose_name=_("conference")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    title = models.CharField(
        _("title"), max_length=100, blank=True, help_text=_("As printed, e.g. 院士, 教授")
    )
    title_en = models.CharField(
        _("title (English)"),
        max_length=200,
        blank=True,
        help_text=_("e.g. Academician of the Chinese Academy of Sciences, Professor"),
    )

    class Meta(Appearance.Meta):
        ordering = ("conference", "role", "position")
        verbose_name = _("committee membership")
        verbose_name_plural = _("committees")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "role", "person"), name="committee_person_once_per_role"
            ),
        )

    def __str__(self):
        return f"{self.person} — {self.get_role_display()} ({self.conference})"


class Contact(models.Model):
    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="contacts", verbose_name=_("conference")
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    role = models.CharField(
        _("role"), max_length=100, blank=True, help_text=_("e.g. 会务组, 学生分会联系人")
    )
    role_en = models.CharField(
        _("role (English)"),
        max_length=100,
        blank=True,
        help_text=_("e.g. Conference secretariat, Student sessions contact"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ("conference", "position")
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "name"), name="contact_name_unique_per_conference"
            ),
        )

    def __str__(self):
        return f"{self.name} ({self.role})" if self.role else self.name


class RoomManager(models.Manager):
    def get_by_natural_key(self, year, name):
        return self.get(conference__year=year, name=name)


class Room(models.Model):
    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="rooms", verbose_name=_("conference")
    )
    name = models.CharField(
        pgettext_lazy("thing", "name"),
        max_length=200,
        help_text=_("As printed, e.g. 友谊宫 5 号会议室"),
    )
    name_en = models.CharField(
        _("English name"),
        max_length=200,
        blank=True,
        help_text=_("e.g. Friendship Palace Meeting Room 5"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = RoomManager()

    class Meta:
        ordering = ("conference", "position")
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "name"), name="room_name_unique_per_conference"
            ),
        )

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.conference.year, self.name)


class TrackManager(models.Manager):
    def get_by_natural_key(self, year, code):
        return self.get(conference__year=year, code=code)


class Track(models.Model):
    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="tracks", verbose_name=_("conference")
    )
    code = models.CharField(
        _("code"), max_length=40, validators=[validate_code], help_text=_("e.g. main, student")
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    contacts = models.ManyToManyField(
        Contact, blank=True, related_name="tracks", verbose_name=_("contacts")
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="edited_tracks",
        verbose_name=_("editors"),
        help_text=_("User accounts that may edit this track's sessions and talks."),
    )

    objects = TrackManager()

    class Meta:
        ordering = ("conference", "position")
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "code"), name="track_code_unique_per_conference"
            ),
        )

    def __str__(self):
        return f"{self.name_zh} ({self.conference})"

    def natural_key(self):
        return (self.conference.year, self.code)


ENDS_AFTER_START = _("It must end after it starts.")


class Scheduled(CheckedModel):
    """Something on one day of the programme, from `start` to `end`: the day is one of
    its conference's (Conference.validate_day), the end after the start (a constraint)."""

    date = models.DateField(_("date"))
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        abstract = True

    def rule_errors(self) -> dict:
        errors = super().rule_errors() | same_conference(self, "room")
        if self.conference_id and self.date:
            try:
                self.conference.validate_day(self.date, registration=self.on_registration_day)
            except ValidationError as error:
                errors["date"] = error
        return errors

    on_registration_day = False


class ProgrammeItem(Scheduled):
    """A non-parallel row of the schedule: registration, opening, invited talk, lunch..."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("registration")
        OPENING = "opening", _("opening")
        INVITED_TALK = "invited_talk", _("invited talk")
        BREAK = "break", _("break")
        LUNCH = "lunch", _("lunch")
        ROUNDTABLE = "roundtable", _("roundtable")
        PHOTO = "photo", _("group photo")
        CLOSING = "closing", _("closing")
        OTHER = "other", _("other")

    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="programme_items", verbose_name=_("conference")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300, help_text=_("As printed, e.g. 午餐"))
    title_en = models.CharField(
        _("title (English)"), max_length=300, blank=True, help_text=_("e.g. Lunch")
    )
    room = models.ForeignKey(
        Room, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("room")
    )
    description = models.CharField(
        _("description"),
        max_length=300,
        blank=True,
        help_text=_("Anything else printed in the row, e.g. 见餐券"),
    )
    description_en = models.CharField(
        _("description (English)"),
        max_length=300,
        blank=True,
        help_text=_("e.g. Location: see your meal voucher"),
    )
    hosts = models.ManyToManyField(
        Person, through="ItemHost", related_name="hosted_items", verbose_name=_("hosts")
    )

    class Meta:
        ordering = ("conference", "date", "start", "end")
        verbose_name = _("programme item")
        verbose_name_plural = _("programme items")
        constraints = (
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="programme_item_ends_after_start",
                violation_error_message=ENDS_AFTER_START,
            ),
        )

    def __str__(self):
        return f"{self.date} {self.start:%H:%M} {self.title}"

    @property
    def on_registration_day(self):
        return self.kind == self.Kind.REGISTRATION


class ItemHost(Appearance):
    item = models.ForeignKey(
        ProgrammeItem, models.CASCADE, related_name="item_hosts", verbose_name=_("item")
    )

    class Meta(Appearance.Meta):
        verbose_name = _("host")
        verbose_name_plural = _("hosts")
        constraints = (models.UniqueConstraint(fields=("item", "person"), name="item_host_once"),)

    def __str__(self):
        return str(self.person)


class SessionManager(models.Manager):
    def get_by_natural_key(self, year, code):
        return self.get(conference__year=year, code=code)


class Session(Scheduled):
    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="sessions", verbose_name=_("conference")
    )
    track = models.ForeignKey(
        # RESTRICT: a track with sessions cannot go, unless its whole conference does.
        Track,
        models.RESTRICT,
        related_name="sessions",
        verbose_name=_("track"),
    )
    code = models.CharField(
        _("code"), max_length=20, validators=[validate_code], help_text=_("e.g. A1, E2")
    )
    topic = models.CharField(_("topic"), max_length=300)
    room = models.ForeignKey(
        Room,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("room"),
    )
    meeting = models.CharField(
        _("online meeting"), max_length=100, blank=True, help_text=_("e.g. 腾讯会议 998-210-141")
    )
    chairs = models.ManyToManyField(
        Person, through="SessionChair", related_name="chaired_sessions", verbose_name=_("chairs")
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="edited_sessions",
        verbose_name=_("coordinators"),
        help_text=_("User accounts that may edit this session and its talks (e.g. its chair)."),
    )
    history = HistoricalRecords()

    objects = SessionManager()

    class Meta:
        ordering = ("conference", "date", "start", "code")
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = search_index.indexes("session", "topic")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "code"),
                name="session_code_unique_per_conference",
                violation_error_message=_("This year already has a session with this code."),
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="session_ends_after_start",
                violation_error_message=ENDS_AFTER_START,
            ),
        )

    def __str__(self):
        return f"{self.code} {self.topic}"

    def get_absolute_url(self):
        return url_for("programme:session-detail", self.conference.year, self.code)

    def rule_errors(self) -> dict:
        return super().rule_errors() | same_conference(self, "track")

    def natural_key(self):
        return (self.conference.year, self.code)

    natural_key.dependencies = ["programme.conference"]


class SessionChair(Appearance):
    session = models.ForeignKey(
        Session, models.CASCADE, related_name="session_chairs", verbose_name=_("session")
    )
    online = models.BooleanField(_("online"), default=False)
    history = HistoricalRecords()

    class Meta(Appearance.Meta):
        verbose_name = _("chair")
        verbose_name_plural = _("chairs")
        constraints = (
            models.UniqueConstraint(fields=("session", "person"), name="session_chair_once"),
        )

    def __str__(self):
        return str(self.person)


class TalkManager(models.Manager):
    def get_by_natural_key(self, year, code):
        return self.get(conference__year=year, code=code)


class Talk(CheckedModel):
    """A talk in a parallel session, or the invited talk of a programme item. Its
    conference is its session's or item's (derived, so never of another year)."""

    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="talks", verbose_name=_("conference")
    )
    code = models.CharField(
        _("code"),
        max_length=20,
        validators=[validate_code],
        help_text=_("e.g. A1-1; P1 for invited"),
    )
    session = models.ForeignKey(
        Session,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="talks",
        verbose_name=_("session"),
    )
    item = models.OneToOneField(
        ProgrammeItem,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="talk",
        verbose_name=_("programme item"),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=500)
    abstract = models.TextField(_("abstract"), blank=True)
    online = models.BooleanField(_("online"), default=False)
    start = models.TimeField(_("start"), null=True, blank=True)
    end = models.TimeField(_("end"), null=True, blank=True)
    guid = models.UUIDField(
        _("GUID"), default=uuid.uuid4, editable=False, help_text=_("Stable id for exports.")
    )
    speakers = models.ManyToManyField(
        Person, through="TalkSpeaker", related_name="talks", verbose_name=_("speakers")
    )
    history = HistoricalRecords()

    objects = TalkManager()
    derived_fields = ("conference",)

    class Meta:
        ordering = ("conference", "session", "position")
        verbose_name = _("talk")
        verbose_name_plural = _("talks")
        indexes = search_index.indexes("talk", "title", "abstract")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "code"),
                name="talk_code_unique_per_conference",
                violation_error_message=_("This year already has a talk with this code."),
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=True, item__isnull=False)
                | Q(session__isnull=False, item__isnull=True),
                name="talk_in_session_or_item",
                violation_error_message=_(
                    "A talk belongs to a session, or is the invited talk of a programme item."
                ),
            ),
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gt=F("start")),
                name="talk_ends_after_start",
                violation_error_message=ENDS_AFTER_START,
            ),
        )

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return url_for("programme:talk-detail", self.conference.year, self.code)

    def derive(self):
        if self.conference_id is None:
            parent = self.session if self.session_id else self.item if self.item_id else None
            if parent is not None:
                self.conference_id = parent.conference_id

    def rule_errors(self) -> dict:
        errors = super().rule_errors()
        if self.session_id:
            errors |= same_conference(self, "session")
        if self.item_id:
            errors |= same_conference(self, "item")
        return errors

    def natural_key(self):
        return (self.conference.year, self.code)


class TalkSpeaker(Appearance):
    talk = models.ForeignKey(
        Talk, models.CASCADE, related_name="talk_speakers", verbose_name=_("talk")
    )
    bio = models.TextField(_("bio"), blank=True, help_text=_("As printed that year."))
    history = HistoricalRecords()

    class Meta(Appearance.Meta):
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        indexes = search_index.indexes("speaker", "affiliation")
        constraints = (
            models.UniqueConstraint(fields=("talk", "person"), name="talk_speaker_once"),
        )

    def __str__(self):
        return str(self.person)


class DataVersion(models.Model):
    """Counts changes to programme data: one row per year and one overall row
    (`conference` empty), what page caches, ETags and the programme book are keyed on
    (programme/caching/).

    Database triggers (migration 0012) bump them on every INSERT, UPDATE, DELETE or
    TRUNCATE of a programme table, whoever writes: the admin, an import, a track contact,
    raw SQL. A change takes the next number of the overall row and gives it to each year
    it touches, so a year's number never repeats, not even for a year deleted and
    imported again, and an edit to one year leaves the other years' numbers alone.
    """

    conference = models.ForeignKey(
        Conference,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conference"),
        help_text=_("Empty for the overall version of pages that span years."),
    )
    version = models.BigIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")
        constraints = (
            models.UniqueConstraint(
                fields=("conference",), nulls_distinct=False, name="data_version_one_per_year"
            ),
        )

    def __str__(self):
        return f"v{self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


class Release(models.Model):
    """A named version of a year's public programme, as staff released it ("v2 - rooms").

    The snapshot keeps what attendees saw (programme.releases.snapshot), so the changes
    page can say what moved between releases and since the last one.
    """

    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="releases", verbose_name=_("conference")
    )
    name = models.CharField(
        pgettext_lazy("release", "name"), max_length=100, help_text=_("e.g. v2 - room changes")
    )
    created_at = models.DateTimeField(_("released at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    snapshot = models.JSONField(_("snapshot"), default=dict, editable=False)

    class Meta:
        ordering = ("conference", "created_at")
        verbose_name = _("schedule release")
        verbose_name_plural = _("schedule releases")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "name"), name="release_name_unique_per_conference"
            ),
        )

    def __str__(self):
        return f"{self.conference} {self.name}"


class BuiltBook(models.Model):
    """The programme book PDF of a year and language as last printed, with the data
    version and the deploy it was printed from (programme/caching/books.py). No trigger
    bumps the data version for this table: a stored print is not programme data."""

    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="+", verbose_name=_("conference")
    )
    language = models.CharField(_("language"), max_length=10)
    data_version = models.BigIntegerField(_("data version"))
    # programme.caching.deploy.deploy_id() of the code that printed it: a new release
    # (templates, styles, code) prints every book again.
    deploy_id = models.CharField(_("deploy"), max_length=40, default="")
    pdf = models.BinaryField(_("PDF"))
    built_at = models.DateTimeField(_("built at"), auto_now=True)

    class Meta:
        verbose_name = _("built programme book")
        verbose_name_plural = _("built programme books")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "language"), name="built_book_one_per_language"
            ),
        )

    def __str__(self):
        return f"{self.conference} {self.language} v{self.data_version} ({self.deploy_id})"


def refuse_nul_in_text(app_models):
    """PostgreSQL cannot store a NUL character in text: every text field of the app
    refuses it as a validation error (where the input is), not a DataError on save.
    Django's form fields already refuse it; spreadsheets and fixtures reach the models'
    validation directly. Called once from ProgrammeConfig.ready(). `validators` is the
    field's working list; the constructor's list (what migrations record) is unchanged."""
    for model in app_models:
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and not any(
                isinstance(v, ProhibitNullCharactersValidator) for v in field.validators
            ):
                field.validators.append(ProhibitNullCharactersValidator())


class CodeRedirectQuerySet(models.QuerySet):
    def current_code(self, conference, kind: str, old_code: str) -> str | None:
        """The code now carried by the session or talk (`kind`) of `conference` that was
        once `old_code`, or None. One query; public pages ask only for a code they do
        not know, so pages of current codes never pay for it."""
        target = "session__code" if kind == CodeRedirect.Kind.SESSION else "talk__code"
        found = self.filter(conference=conference, kind=kind, old_code=old_code)
        return found.values_list(target, flat=True).first()


class CodeRedirect(models.Model):
    """An old code of a session or talk, kept so that links shared before the code
    changed keep working (`/2025/talks/E1-2/` answers 301 to the talk's page under its
    code of today).

    Rows point at the object, not at its next code: a chain of renames (A → B → C) is
    one hop from any old code, and a later rename needs no rewriting. A code taken again
    by another object is simply found first (the lookup runs only for unknown codes);
    if that object is renamed too, its row replaces the older one (the latest holder).

    Recorded by database triggers on the code columns (migration 0011), not in Python:
    codes change through the staff admin, /track/, spreadsheet and fixture imports and
    the renumber action, and some of those write with QuerySet.update(); a trigger,
    like the data-version triggers of migration 0002, cannot be forgotten by the next
    entry point. Codes starting with "~" are the renumber action's placeholders
    (programme/renumbering.py; a real code cannot contain "~") and are not recorded.
    """

    class Kind(models.TextChoices):
        SESSION = "session", _("session")
        TALK = "talk", _("talk")

    conference = models.ForeignKey(
        Conference, models.CASCADE, related_name="+", verbose_name=_("conference")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    old_code = models.CharField(_("old code"), max_length=20)
    session = models.ForeignKey(
        Session, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("session")
    )
    talk = models.ForeignKey(
        Talk, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("talk")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now=True)

    objects = CodeRedirectQuerySet.as_manager()

    class Meta:
        verbose_name = _("old code")
        verbose_name_plural = _("old codes")
        constraints = (
            models.UniqueConstraint(
                fields=("conference", "kind", "old_code"), name="code_redirect_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="session", session__isnull=False, talk__isnull=True)
                | Q(kind="talk", talk__isnull=False, session__isnull=True),
                name="code_redirect_target_of_its_kind",
            ),
        )

    def __str__(self):
        return f"{self.conference.year} {self.old_code} → {self.session or self.talk}"
