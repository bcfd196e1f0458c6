"""Dates and ranges of dates as the pages write them, in the reader's language.

One rule for every range the site shows (a conference's days on its home page, the
archive, the schedule, the programme book):

- Chinese, as the programme books print it: `2025年8月9日 – 8月10日`, the year once
  when both days share it.
- English, as English writes dates: what both days share once, at the end:
  `9–10 August 2025`, `31 July – 2 August 2025`, `31 December 2025 – 2 January 2026`.

The day and month names come from Django's formats for the language
(csmlsite/formats/), so each form follows DATE_FORMAT and MONTH_DAY_FORMAT.
"""

import datetime as dt

from django.utils.formats import date_format

from programme.localized import is_english


def day(date: dt.date, *, year: bool = True, weekday: bool = False) -> str:
    """`2025年8月9日` / `9 August 2025`; `year=False`: `8月9日` / `9 August`; `weekday`:
    with the short weekday as the books print it, `8月9日（周六）` / `Sat 9 August`."""
    text = date_format(date, "DATE_FORMAT" if year else "MONTH_DAY_FORMAT")
    if not weekday:
        return text
    if is_english():
        return f"{date_format(date, 'D')} {text}"
    return f"{text}（{date_format(date, 'D')}）"


def date_range(start: dt.date, end: dt.date, *, weekdays: bool = False) -> str:
    """The days from `start` to `end` (one day: that day), in the active language."""
    if end == start:
        return day(start, weekday=weekdays)
    same_year = start.year == end.year
    if not is_english():
        return f"{day(start, weekday=weekdays)} – {day(end, year=not same_year, weekday=weekdays)}"
    if same_year and start.month == end.month and not weekdays:
        return f"{start.day}–{day(end)}"
    return f"{day(start, year=not same_year, weekday=weekdays)} – {day(end, weekday=weekdays)}"
