"""The five spreadsheets staff export and import, each keyed by its natural key:

    SessionResource     年份 + 分会编号          TalkResource     年份 + 报告编号
    PersonResource      标识 (the person key)    ContactResource  年份 + 姓名
    CommitteeResource   年份 + 角色 + 人员

Each declares its columns and what its rows read (`with_related`, used by export and
import alike); every rule about the data is the model's (base.py asks it).
"""

from django.core.exceptions import ValidationError
from django.db.models import F

from programme.identity import name_uuid
from programme.models import (
    CommitteeMembership,
    Contact,
    Person,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
)
from programme.spreadsheets.base import NaturalKeyResource, field
from programme.spreadsheets.cells import (
    ConferenceWidget,
    DateWidget,
    PositionWidget,
    RoleWidget,
    RoomWidget,
    SessionWidget,
    TimeWidget,
    TrackWidget,
    YesNoWidget,
)
from programme.spreadsheets.directory import YEAR
from programme.spreadsheets.people import PeopleField, PersonWidget


class SessionResource(NaturalKeyResource):
    conference = field("conference", YEAR, ConferenceWidget())
    code = field("code", "分会编号")
    topic = field("topic", "专题")
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
    natural_key = (YEAR, "分会编号")

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
            "version",
        )

    def with_related(self, queryset):
        return queryset.select_related("conference", "room", "track").prefetch_related(
            self.fields["chairs"].prefetch()
        )

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        queryset = self.with_related(queryset).order_by(
            "-conference__year", "date", "start", "code"
        )
        return super().export(queryset, **kwargs)


class TalkResource(NaturalKeyResource):
    conference = field("conference", YEAR, ConferenceWidget())
    code = field("code", "报告编号")
    session = field("session", "分会编号", SessionWidget())
    position = field("position", "顺序", PositionWidget())
    title = field("title", "题目")
    speakers = PeopleField(
        attribute="speakers",
        column_name="报告人",
        related_name="talk_speakers",
        model=TalkSpeaker,
        parent_field="talk",
        online=False,
    )
    online = field("online", "线上", YesNoWidget())
    start = field("start", "开始", TimeWidget())
    end = field("end", "结束", TimeWidget())
    abstract = field("abstract", "摘要")
    natural_key = (YEAR, "报告编号")

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
            "version",
        )

    def with_related(self, queryset):
        return queryset.select_related("conference", "session").prefetch_related(
            self.fields["speakers"].prefetch()
        )

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        queryset = self.with_related(queryset).order_by(
            "-conference__year",
            F("session__date").asc(nulls_first=True),
            "session__start",
            "session__code",
            "position",
            "code",
        )
        return super().export(queryset, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            # The same GUID the fixture importer gives a new talk (calendars, frab).
            instance.guid = name_uuid(instance.conference.year, "talks", instance.code)


class CommitteeResource(NaturalKeyResource):
    conference = field("conference", YEAR, ConferenceWidget())
    role = field("role", "角色", RoleWidget())
    person = field("person", "人员", PersonWidget())
    title = field("title", "头衔")
    title_en = field("title_en", "英文头衔")
    affiliation = field("affiliation", "单位")
    position = field("position", "顺序", PositionWidget())
    natural_key = (YEAR, "角色", "人员")

    class Meta(NaturalKeyResource.Meta):
        model = CommitteeMembership
        name = "委员会（按年份 + 角色 + 人员）"
        import_id_fields = ("conference", "role", "person")
        fields = (
            "conference",
            "role",
            "person",
            "title",
            "title_en",
            "affiliation",
            "position",
            "delete",
            "version",
        )

    def with_related(self, queryset):
        return queryset.select_related("conference", "person")

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        queryset = self.with_related(queryset).order_by("-conference__year", "role", "position")
        return super().export(queryset, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.person.pk is None:
            try:
                instance.person = self.directory.person_for_key(instance.person.key)
            except ValidationError as error:
                raise ValidationError({"人员": error.messages}) from None


class ContactResource(NaturalKeyResource):
    conference = field("conference", YEAR, ConferenceWidget())
    name = field("name", "姓名")
    email = field("email", "邮箱")
    phone = field("phone", "电话")
    role = field("role", "职责")
    role_en = field("role_en", "英文职责")
    position = field("position", "顺序", PositionWidget())
    natural_key = (YEAR, "姓名")

    class Meta(NaturalKeyResource.Meta):
        model = Contact
        name = "联系人（按年份 + 姓名）"
        import_id_fields = ("conference", "name")
        fields = (
            "conference",
            "name",
            "email",
            "phone",
            "role",
            "role_en",
            "position",
            "delete",
            "version",
        )

    def with_related(self, queryset):
        return queryset.select_related("conference")

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        queryset = self.with_related(queryset).order_by("-conference__year", "position")
        return super().export(queryset, **kwargs)


class PersonResource(NaturalKeyResource):
    """People across all years. No 删除 column: a person who appears anywhere stays."""

    key = field("key", "标识")
    name = field("name", "姓名")
    name_en = field("name_en", "英文名")
    email = field("email", "邮箱")
    homepage = field("homepage", "主页")
    bio = field("bio", "简介")
    natural_key = ("标识",)
    filled_on_save = ("slug",)

    class Meta(NaturalKeyResource.Meta):
        model = Person
        name = "人员（按标识）"
        import_id_fields = ("key",)
        fields = ("key", "name", "name_en", "email", "homepage", "bio", "version")

    def for_delete(self, row, instance):
        return False
