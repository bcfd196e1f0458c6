"""Spreadsheet export and import for staff (django-import-export), keyed by natural keys.

Staff export a year from an admin changelist (the export honours the changelist's
filter, e.g. ?conference__year__exact=2025), edit it in Excel or WPS and import it back.
The preview lists what will be created, changed, deleted and skipped (unchanged); a row
with a problem is reported with its row number and column, and then nothing is applied.

Rows are found by natural keys, never database ids:

    SessionResource     年份 + 分会编号          TalkResource     年份 + 报告编号
    PersonResource      标识 (the person key)    ContactResource  年份 + 姓名
    CommitteeResource   年份 + 角色 + 人员

Cells a person reads and types: dates `2025-08-09`, times `13:30`, yes/no `是`/`否`
(also 1/0, yes/no, true/false). Write 是 in the 删除 column to delete that row.

People columns (主持人 of a session, 报告人 of a talk) hold several people in order,
separated by `、`; each person is their key, then optionally the affiliation printed
that year in brackets, then for chairs optionally `（线上）` for online attendance:

    张三（北京大学）、李四（香港中文大学（深圳））、罗涛（线上）、林伟 (北京大学)

Full-width and ASCII brackets are both accepted; affiliations may contain brackets. A
cell that is exactly a person's key is that person without an affiliation, so a
homonym's key such as `林伟 (北京大学)` needs no affiliation after it. A name that is no
key but belongs to exactly one person means that person; a name shared by several
people is an error (write the key); a name nobody has creates a new person. A speaker's
bio as printed is kept while the speaker stays on the talk.

Row numbers in the messages count data rows as the admin's preview does: the first
row under the header is row 1 (it is row 2 in Excel).
"""

import datetime as dt
import io
import re
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import F, Prefetch
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from programme.identity import name_uuid
from programme.models import (
    CommitteeMembership,
    Conference,
    Contact,
    Person,
    Room,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
    Track,
)

SEPARATOR = "、"
ONLINE = "线上"
YES = {"是", "1", "yes", "y", "true", "√", "✓", "x"}
NO = {"", "否", "0", "no", "n", "false"}
OPENING, CLOSING = "(（", ")）"
ONLINE_MARK = re.compile(r"\s*[（(]\s*线上\s*[)）]$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
TIME_FORMATS = ("%H:%M", "%H:%M:%S")


# Cell values -------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as text: spreadsheets turn 2025 into 2025.0 and keep padding spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_year(value) -> int:
    text = cell_text(value)
    if not text.isdigit():
        raise ValueError(f"年份应是四位数字，而不是“{text}”" if text else "缺少年份")
    return int(text)


class YearError(ValueError):
    """The row's 年份 is bad: reported once, in that column, not in every column using it."""


def conference_of(row) -> Conference:
    try:
        year = parse_year(row.get("年份"))
    except ValueError as error:
        raise YearError(str(error)) from None
    conference = Conference.objects.filter(year=year).first()
    if conference is None:
        raise YearError(f"没有 {year} 年的大会")
    return conference


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class RequiredTextWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError("必须填写")
        return text


class PositionWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text.isdigit():
            raise ValueError(f"应是 0 或正整数，而不是“{text}”" if text else "必须填写")
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(f"请填“是”或“否”，而不是“{cell_text(value)}”")

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class DateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):  # Excel turns typed dates into date cells
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = cell_text(value)
        if not text:
            raise ValueError("必须填写")
        for date_format in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(f"日期应写作 2025-08-09，而不是“{text}”")

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class TimeWidget(widgets.Widget):
    def __init__(self, required=True):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.time()
        if isinstance(value, dt.time):
            return value
        text = cell_text(value).replace("：", ":")
        if not text:
            if self.required:
                raise ValueError("必须填写")
            return None
        for time_format in TIME_FORMATS:
            try:
                return dt.datetime.strptime(text, time_format).time()
            except ValueError:
                continue
        raise ValueError(f"时间应写作 13:30，而不是“{text}”")

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%H:%M") if value else ""


class ConferenceWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return conference_of({"年份": value})

    def render(self, value, obj=None, **kwargs):
        return str(value.year) if value else ""


class RoomWidget(widgets.Widget):
    """A room of the row's year, by its name as printed; empty for none."""

    def clean(self, value, row=None, **kwargs):
        name = cell_text(value)
        if not name:
            return None
        conference = conference_of(row)
        room = Room.objects.filter(conference=conference, name=name).first()
        if room is None:
            known = "、".join(conference.rooms.values_list("name", flat=True))
            raise ValueError(f"{conference.year} 年没有会场“{name}”（已有：{known}）")
        return room

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class TrackWidget(widgets.Widget):
    """A track of the row's year, by its Chinese name (as exported) or its code."""

    def clean(self, value, row=None, **kwargs):
        name = cell_text(value)
        if not name:
            raise ValueError("必须填写")
        conference = conference_of(row)
        tracks = Track.objects.filter(conference=conference)
        track = tracks.filter(name_zh=name).first() or tracks.filter(code=name).first()
        if track is None:
            known = "、".join(tracks.values_list("name_zh", flat=True))
            raise ValueError(f"{conference.year} 年没有分会类别“{name}”（已有：{known}）")
        return track

    def render(self, value, obj=None, **kwargs):
        return value.name_zh if value else ""


class SessionWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        code = cell_text(value)
        if not code:
            return None
        conference = conference_of(row)
        session = Session.objects.filter(conference=conference, code=code).first()
        if session is None:
            raise ValueError(f"{conference.year} 年没有分会“{code}”")
        return session

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class RoleWidget(widgets.Widget):
    """A committee role by its label in the active language (as exported) or its code."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        for code, label in CommitteeMembership.Role.choices:
            if text in (code, str(label)):
                return code
        known = "、".join(str(label) for _, label in CommitteeMembership.Role.choices)
        raise ValueError(f"没有角色“{text}”（可选：{known}）" if text else "必须填写")

    def render(self, value, obj=None, **kwargs):
        return str(CommitteeMembership.Role(value).label) if value else ""


# People cells ------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonEntry:
    """One person of a people cell; `person` is None for someone new, named `key`."""

    key: str
    affiliation: str = ""
    online: bool = False
    person: Person | None = None

    def render(self) -> str:
        text = self.key
        if self.affiliation:
            text += f"（{self.affiliation}）"
        if self.online:
            text += f"（{ONLINE}）"
        return text


def split_people(text: str) -> list[str]:
    """Split at 、 outside brackets: an affiliation may hold a 、 in brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in OPENING:
            depth += 1
        elif char in CLOSING:
            depth -= 1
        if char == SEPARATOR and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def split_affiliation(text: str) -> tuple[str, str]:
    """`张三（香港中文大学（深圳））` -> (`张三`, `香港中文大学（深圳）`)."""
    if not text or text[-1] not in CLOSING:
        return text, ""
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] in CLOSING:
            depth += 1
        elif text[index] in OPENING:
            depth -= 1
            if depth == 0:
                return text[:index].strip(), text[index + 1 : -1].strip()
    raise ValueError(f"“{text}”的括号不配对")


def find_person(name: str) -> Person | None:
    """The person with this key, or the only person with this name; None if nobody."""
    person = Person.objects.filter(key=name).first()
    if person is not None:
        return person
    namesakes = list(Person.objects.filter(name=name).order_by("key"))
    if len(namesakes) > 1:
        keys = "、".join(namesake.key for namesake in namesakes)
        raise ValueError(f"“{name}”有同名的几位（{keys}），请写其中一个")
    return namesakes[0] if namesakes else None


def parse_people(text: str, *, online_allowed: bool) -> list[PersonEntry]:
    entries = []
    for part in split_people(text):
        online = bool(ONLINE_MARK.search(part))
        if online and not online_allowed:
            raise ValueError(f"“{part}”：线上与否写在“线上”一列")
        part = ONLINE_MARK.sub("", part)
        if Person.objects.filter(key=part).exists():
            name, affiliation = part, ""
        else:
            name, affiliation = split_affiliation(part)
        if not name:
            raise ValueError(f"“{part}”缺少姓名")
        person = find_person(name)
        entries.append(PersonEntry(person.key if person else name, affiliation, online, person))
    keys = [entry.key for entry in entries]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"“{'、'.join(repeated)}”写了两次")
    return entries


class PeopleWidget(widgets.Widget):
    def __init__(self, online_allowed: bool):
        super().__init__()
        self.online_allowed = online_allowed

    def clean(self, value, row=None, **kwargs):
        return parse_people(cell_text(value), online_allowed=self.online_allowed)

    def render(self, value, obj=None, **kwargs):
        return SEPARATOR.join(entry.render() for entry in value or ())


class PeopleField(fields.Field):
    """The ordered appearances of a session or talk (chairs, speakers) as one cell.

    On import the parsed entries wait on the instance until it is saved, so that the
    preview compares and shows them; `save_people()` then makes the rows match.
    """

    def __init__(self, *, related_name, model, parent_field, online, **kwargs):
        super().__init__(widget=PeopleWidget(online_allowed=online), **kwargs)
        self.related_name = related_name
        self.model = model
        self.parent_field = parent_field
        self.online = online

    @property
    def pending(self) -> str:
        return f"_pending_{self.related_name}"

    def get_value(self, instance):
        if hasattr(instance, self.pending):
            return getattr(instance, self.pending)
        if instance is None or instance.pk is None:  # None: the preview of a deletion
            return []
        rows = sorted(getattr(instance, self.related_name).all(), key=lambda row: row.position)
        return [
            PersonEntry(row.person.key, row.affiliation, getattr(row, "online", False))
            for row in rows
        ]

    def save(self, instance, row, is_m2m=False, **kwargs):
        setattr(instance, self.pending, self.clean(row, **kwargs))

    def save_people(self, instance):
        if not hasattr(instance, self.pending):
            return
        current = {row.person_id: row for row in getattr(instance, self.related_name).all()}
        kept = []
        for position, entry in enumerate(getattr(instance, self.pending)):
            person = entry.person or find_person(entry.key) or Person.objects.for_key(entry.key)
            values = {"position": position, "affiliation": entry.affiliation}
            if self.online:
                values["online"] = entry.online
            row = current.get(person.pk)
            if row is None:
                self.model.objects.create(**{self.parent_field: instance}, person=person, **values)
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.save(update_fields=list(values))
            kept.append(person.pk)
        stale = [row.pk for person_id, row in current.items() if person_id not in kept]
        self.model.objects.filter(pk__in=stale).delete()
        delattr(instance, self.pending)


# Resources ---------------------------------------------------------------------------


def field(attribute, column, widget=None, **kwargs):
    return fields.Field(
        attribute=attribute, column_name=column, widget=widget or TextWidget(), **kwargs
    )


class NaturalKeyResource(resources.ModelResource):
    """A resource whose rows are found by natural key and checked whole before saving.

    Subclasses set `natural_key` (column names whose cells identify a row; the row is
    reported as a duplicate if another row has the same cells) and may add `check_row`.
    """

    natural_key: tuple[str, ...] = ()
    delete = fields.Field(column_name="删除", widget=TextWidget())

    class Meta:
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        """Roll back on a bad row too: one bad row means nothing is applied."""
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.first_row = {}
        self.duplicate_of = {}
        if not all(column in (dataset.headers or ()) for column in self.natural_key):
            return
        for number, row in enumerate(dataset.dict, 1):
            key = tuple(cell_text(row[column]) for column in self.natural_key)
            if all(key):
                self.duplicate_of[number] = self.first_row.setdefault(key, number)

    def get_instance(self, instance_loader, row):
        """The existing row with the row's natural key; None if new or the key is bad."""
        id_fields = [self.fields[name] for name in self.get_import_id_fields()]
        if any(id_field.column_name not in row for id_field in id_fields):
            return None
        try:
            lookup = {id_field.attribute: id_field.clean(row) for id_field in id_fields}
            return self.get_queryset().filter(**lookup).first()
        except (ValueError, ValidationError):
            return None

    def for_delete(self, row, instance):
        return cell_text(row.get("删除")).lower() in YES

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        for import_field in self.get_import_fields():
            try:
                self.import_field(import_field, instance, row, **kwargs)
            except YearError as error:
                errors["年份"] = [str(error)]
            except ValueError as error:
                errors[import_field.column_name] = [str(error)]
        number = kwargs.get("row_number")
        first = self.duplicate_of.get(number, number)
        if first != number:
            column = self.natural_key[-1]
            errors.setdefault(column, []).append(f"与第 {first} 行重复")
        for column, message in self.check_row(instance, row, errors):
            errors.setdefault(column, []).append(message)
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row, errors):
        """Yield (column, message) for problems across cells; `errors` has the rest."""
        return ()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Model validation, with its errors named by column as the row's own are."""
        errors = dict(import_validation_errors or {})
        columns = {f.attribute: f.column_name for f in self.get_import_fields() if f.attribute}
        exclude = [
            model_field.name
            for model_field in instance._meta.fields
            if columns.get(model_field.name, model_field.name) in errors
            or model_field.name not in columns
            or unsaved_relation(instance, model_field)
        ]
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = NON_FIELD_ERRORS if name == NON_FIELD_ERRORS else columns.get(name, name)
                errors.setdefault(column, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged when every column reads the same before and after the row."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        return all(
            self.export_field(import_field, instance) == self.export_field(import_field, original)
            for import_field in self.get_import_fields()
            if import_field.column_name in row
        )

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        for people in self.fields.values():
            if isinstance(people, PeopleField):
                people.save_people(instance)


def unsaved_relation(instance, model_field) -> bool:
    """A person new in this file is saved only with its row: don't validate it before."""
    if not model_field.is_relation or not model_field.is_cached(instance):
        return False
    related = getattr(instance, model_field.name)
    return related is not None and related.pk is None


def check_times(instance, errors, start_column="开始", end_column="结束"):
    if start_column in errors or end_column in errors:
        return
    if instance.start and instance.end and instance.end <= instance.start:
        yield (
            end_column,
            f"结束时间 {instance.end:%H:%M} 不晚于开始时间 {instance.start:%H:%M}",
        )


class SessionResource(NaturalKeyResource):
    conference = field("conference", "年份", ConferenceWidget())
    code = field("code", "分会编号", RequiredTextWidget())
    topic = field("topic", "专题", RequiredTextWidget())
    date = field("date", "日期", DateWidget())
    start = field("start", "开始", TimeWidget())
    end = field("end", "结束", TimeWidget())
    room = field("room", "会场", RoomWidget())
    track = field("track", "分会类别", TrackWidget())
    chairs = PeopleField(
        attribute="chairs",
        column_name="主持人",
        related_name="session_chairs",
        model=SessionChair,
        parent_field="session",
        online=True,
    )
    meeting = field("meeting", "线上会议")
    natural_key = ("年份", "分会编号")

    class Meta(NaturalKeyResource.Meta):
        model = Session
        name = "分会（按年份 + 分会编号）"
        import_id_fields = ("conference", "code")
        fields = (
            "conference",
            "code",
            "topic",
            "date",
            "start",
            "end",
            "room",
            "track",
            "chairs",
            "meeting",
            "delete",
        )

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        chairs = SessionChair.objects.select_related("person")
        queryset = (
            queryset.select_related("conference", "room", "track")
            .prefetch_related(Prefetch("session_chairs", chairs))
            .order_by("-conference__year", "date", "start", "code")
        )
        return super().export(queryset, **kwargs)

    def check_row(self, instance, row, errors):
        yield from check_times(instance, errors)
        if "日期" in errors or "年份" in errors or not instance.conference_id:
            return
        conference = instance.conference
        if not conference.start_date <= instance.date <= conference.end_date:
            yield (
                "日期",
                f"{instance.date} 不在 {conference.year} 年大会的会期内"
                f"（{conference.start_date} 至 {conference.end_date}）",
            )


class TalkResource(NaturalKeyResource):
    conference = field("conference", "年份", ConferenceWidget())
    code = field("code", "报告编号", RequiredTextWidget())
    session = field("session", "分会编号", SessionWidget())
    position = field("position", "顺序", PositionWidget())
    title = field("title", "题目", RequiredTextWidget())
    speakers = PeopleField(
        attribute="speakers",
        column_name="报告人",
        related_name="talk_speakers",
        model=TalkSpeaker,
        parent_field="talk",
        online=False,
    )
    online = field("online", "线上", YesNoWidget())
    start = field("start", "开始", TimeWidget(required=False))
    end = field("end", "结束", TimeWidget(required=False))
    abstract = field("abstract", "摘要")
    natural_key = ("年份", "报告编号")

    class Meta(NaturalKeyResource.Meta):
        model = Talk
        name = "报告（按年份 + 报告编号）"
        import_id_fields = ("conference", "code")
        fields = (
            "conference",
            "code",
            "session",
            "position",
            "title",
            "speakers",
            "online",
            "start",
            "end",
            "abstract",
            "delete",
        )

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        speakers = TalkSpeaker.objects.select_related("person")
        queryset = (
            queryset.select_related("conference", "session")
            .prefetch_related(Prefetch("talk_speakers", speakers))
            .order_by(
                "-conference__year",
                F("session__date").asc(nulls_first=True),
                "session__start",
                "session__code",
                "position",
                "code",
            )
        )
        return super().export(queryset, **kwargs)

    def check_row(self, instance, row, errors):
        yield from check_times(instance, errors)
        if "分会编号" in errors or "年份" in errors:
            return
        if instance.item_id and instance.session_id:
            yield ("分会编号", "邀请报告不属于分会：请留空")
        elif not instance.item_id and not instance.session_id:
            yield ("分会编号", "必须填写（邀请报告只能在“日程”中添加）")

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            # The same GUID the fixture importer gives a new talk (calendars, frab).
            instance.guid = name_uuid(instance.conference.year, "talks", instance.code)


class PersonWidget(widgets.Widget):
    """One person by key or unique name; someone new is created when the row is saved."""

    def clean(self, value, row=None, **kwargs):
        name = cell_text(value)
        if not name:
            raise ValueError("必须填写")
        return find_person(name) or Person(key=name, name=Person.name_from_key(name))

    def render(self, value, obj=None, **kwargs):
        return value.key if value else ""


class CommitteeResource(NaturalKeyResource):
    conference = field("conference", "年份", ConferenceWidget())
    role = field("role", "角色", RoleWidget())
    person = field("person", "人员", PersonWidget())
    title = field("title", "头衔")
    affiliation = field("affiliation", "单位")
    position = field("position", "顺序", PositionWidget())
    natural_key = ("年份", "角色", "人员")

    class Meta(NaturalKeyResource.Meta):
        model = CommitteeMembership
        name = "委员会（按年份 + 角色 + 人员）"
        import_id_fields = ("conference", "role", "person")
        fields = (
            "conference",
            "role",
            "person",
            "title",
            "affiliation",
            "position",
            "delete",
        )

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        queryset = queryset.select_related("conference", "person").order_by(
            "-conference__year", "role", "position"
        )
        return super().export(queryset, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.person.pk is None:
            instance.person.save()
            instance.person = instance.person


class ContactResource(NaturalKeyResource):
    conference = field("conference", "年份", ConferenceWidget())
    name = field("name", "姓名", RequiredTextWidget())
    email = field("email", "邮箱")
    phone = field("phone", "电话")
    role = field("role", "职责")
    position = field("position", "顺序", PositionWidget())
    natural_key = ("年份", "姓名")

    class Meta(NaturalKeyResource.Meta):
        model = Contact
        name = "联系人（按年份 + 姓名）"
        import_id_fields = ("conference", "name")
        fields = ("conference", "name", "email", "phone", "role", "position", "delete")

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        queryset = queryset.select_related("conference").order_by("-conference__year", "position")
        return super().export(queryset, **kwargs)


class PersonResource(NaturalKeyResource):
    """People across all years. No 删除 column: a person who appears anywhere stays."""

    key = field("key", "标识", RequiredTextWidget())
    name = field("name", "姓名", RequiredTextWidget())
    name_en = field("name_en", "英文名")
    email = field("email", "邮箱")
    homepage = field("homepage", "主页")
    bio = field("bio", "简介")
    natural_key = ("标识",)

    class Meta(NaturalKeyResource.Meta):
        model = Person
        name = "人员（按标识）"
        import_id_fields = ("key",)
        fields = ("key", "name", "name_en", "email", "homepage", "bio")

    def for_delete(self, row, instance):
        return False


# Formats ----------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns a cell needs: a Chinese character is as wide as two Latin ones."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


class SpreadsheetXLSX(base_formats.XLSX):
    """XLSX with columns as wide as their content (at most 60), long text wrapped."""

    MAX_WIDTH = 60

    def export_data(self, dataset, **kwargs):
        from openpyxl import load_workbook
        from openpyxl.styles import Alignment

        workbook = load_workbook(io.BytesIO(super().export_data(dataset, **kwargs)))
        sheet = workbook.active
        for column in sheet.columns:
            width = max(display_width(cell_text(cell.value)) for cell in column) + 2
            sheet.column_dimensions[column[0].column_letter].width = min(width, self.MAX_WIDTH)
            if width > self.MAX_WIDTH:
                for cell in column[1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        output = io.BytesIO()
        workbook.save(output)
        return output.getvalue()


class SpreadsheetCSV(base_formats.CSV):
    """CSV that Excel and WPS open in Chinese: UTF-8 with a BOM out; UTF-8 or GB18030 in.

    Read as bytes so that a file saved by Excel on a Chinese Windows (GBK) imports too.
    """

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("gb18030")
        return super().create_dataset(in_stream, **kwargs)

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + super().export_data(dataset, **kwargs)


SPREADSHEET_FORMATS = (SpreadsheetXLSX, SpreadsheetCSV)
