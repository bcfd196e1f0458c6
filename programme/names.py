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
