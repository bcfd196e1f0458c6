"""Pinyin for Chinese names: display in the English interface, and sorting by pinyin."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


@lru_cache(maxsize=4096)
def pinyin_name(name: str) -> str:
    """`张林峰` -> `Zhang Linfeng`: surname, then the given name as one word.

    Names that are not Chinese are returned unchanged. A compound surname (欧阳) cannot
    be told from the characters alone; it reads as surname + given name, which is how
    such names are usually romanised anyway (Ouyang Xiu -> Ou Yangxiu is the rare miss).
    """
    if not is_chinese(name):
        return name
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    if not syllables:
        return name
    surname, given = syllables[0], "".join(syllables[1:])
    return f"{surname.capitalize()} {given.capitalize()}".strip()


@lru_cache(maxsize=4096)
def pinyin_sort_key(name: str) -> tuple:
    """Sort key in pinyin order, with tones as tie-breaker: 蔡 < 曹 < 陈 < 程."""
    return (
        " ".join(lazy_pinyin(name, style=Style.NORMAL)).lower(),
        " ".join(lazy_pinyin(name, style=Style.TONE3)).lower(),
        name,
    )


def search_name(name: str, name_en: str = "") -> str:
    """What a search for a person matches (Person.search_name): the name, the English
    name and, for a Chinese name, its pinyin as the English pages show it, syllable by
    syllable and run together. `吴磊` -> `吴磊 Wu Lei wu lei wulei`.

    Every word of a query must occur in it, so "wu lei", "Wu Lei", "wulei", "lei wu" and
    "吴磊" all find 吴磊, and "zhang linfeng" finds 张林峰 (`zhang lin feng
    zhanglinfeng`). ü is written `v` by pypinyin (吕 `lv`) and `u` by most people who
    type it, so both spellings are kept."""
    parts = [name, name_en]
    if is_chinese(name):
        syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore")]
        parts += [pinyin_name(name), " ".join(syllables), "".join(syllables)]
        if any("v" in s for s in syllables):
            parts += [" ".join(syllables).replace("v", "u"), "".join(syllables).replace("v", "u")]
    return " ".join(part for part in parts if part)
