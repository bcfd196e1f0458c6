"""Which of a row's two languages a reader sees: the one rule of the English site.

The programme is written in Chinese, as printed; a row may also carry an English form of
what it names or says (a room's `name_en`, an item's `title_en`, a contact's `role_en`).
English pages show the English form, and the Chinese when none was written: a blank
English field never leaves a hole on a page. Chinese pages always show the Chinese.

Texts the books print only in Chinese (talk titles, session topics, abstracts, bios,
affiliations, people's names) have no English form; templates mark them
`lang="zh-Hans"` (programme_tags.source_lang), so that screen readers read them as
Chinese, and tests/test_english_site.py tells them from a missing translation.

Exports that one file serves in every language (frab, calendars) carry both forms
(`bilingual`), as their labels already do ("主持人 Chairs").
"""

from django.utils.translation import get_language


def is_english(language: str | None = None) -> bool:
    """Whether `language` (by default the active one) reads the English forms: any
    language but Chinese, the programme's own."""
    return not (language or get_language() or "zh").lower().startswith("zh")


def chinese(obj, field: str) -> str:
    """The Chinese form of `field`: `<field>_zh` where the model names it so (a
    conference's or a track's name), else `<field>` itself."""
    value = getattr(obj, f"{field}_zh", None)
    if value is None:
        value = getattr(obj, field)
    return value or ""


def english(obj, field: str) -> str:
    return getattr(obj, f"{field}_en", "") or ""


def localized(obj, field: str, language: str | None = None) -> str:
    """`field` of `obj` in the reader's language: `localized(room, "name")` is
    `room.name_en` on English pages when it is filled, else `room.name`."""
    if obj is None:
        return ""
    if is_english(language):
        return english(obj, field).strip() or chinese(obj, field)
    return chinese(obj, field)


def bilingual(obj, field: str) -> str:
    """`午餐 Lunch`: the Chinese, then the English when there is a different one."""
    if obj is None:
        return ""
    zh, en = chinese(obj, field), english(obj, field).strip()
    return f"{zh} {en}" if en and en != zh else zh
