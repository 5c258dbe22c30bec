"""The words of time phrases in English and Russian, for :mod:`core.when`.

Tables only: units, number words, weekdays, months, parts of the day, and the
prepositions that may stand before a day or a time. Russian words are listed in the
forms people type (``пятница``, ``пятницу``; ``минута``, ``минуту``, ``минут``), and
``ё`` is read as ``е`` (see :func:`tokens`), so ``ещё``-style spellings need no entry.
"""

from __future__ import annotations

import re

#: seconds per unit of a spoken duration ("2 hours", "через 3 дня", the compact "1h30m")
UNIT_SECONDS: dict[str, int] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("с", "сек", "секунда", "секунду", "секунды", "секунд"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("м", "мин", "минута", "минуту", "минуты", "минут", "минутку"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("ч", "час", "часа", "часов", "часик"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("д", "дн", "день", "дня", "дней", "сутки", "суток"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 7 * 86400),
    **dict.fromkeys(("нед", "неделя", "неделю", "недели", "недель"), 7 * 86400),
}

#: counts said in words; "a"/"an" count one ("in an hour"); "пол" is handled by its own
NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "один": 1, "одна": 1, "одну": 1, "одно": 1, "два": 2, "две": 2, "три": 3,
    "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
    "одиннадцать": 11, "двенадцать": 12, "пятнадцать": 15, "двадцать": 20,
    "тридцать": 30, "сорок": 40, "пятьдесят": 50,
}  # fmt: skip

#: a half of a unit: "полчаса", "half an hour" (read as two words), "полдня"
HALF_UNITS: dict[str, int] = {"полчаса": 1800, "полминуты": 30, "полдня": 43200}

_WEEKDAY_FORMS = (
    ("monday", "mon", "понедельник", "пн"),
    ("tuesday", "tue", "tues", "вторник", "вт"),
    ("wednesday", "wed", "среда", "среду", "ср"),
    ("thursday", "thu", "thur", "thurs", "четверг", "чт"),
    ("friday", "fri", "пятница", "пятницу", "пт"),
    ("saturday", "sat", "суббота", "субботу", "сб"),
    ("sunday", "sun", "воскресенье", "вс"),
)
#: weekday word → 0 (Monday) … 6 (Sunday)
WEEKDAYS: dict[str, int] = {
    form: index for index, forms in enumerate(_WEEKDAY_FORMS) for form in forms
}

_MONTH_FORMS = (
    ("january", "jan", "января", "январь", "янв"),
    ("february", "feb", "февраля", "февраль", "фев"),
    ("march", "mar", "марта", "март", "мар"),
    ("april", "apr", "апреля", "апрель", "апр"),
    ("may", "мая", "май"),
    ("june", "jun", "июня", "июнь", "июн"),
    ("july", "jul", "июля", "июль", "июл"),
    ("august", "aug", "августа", "август", "авг"),
    ("september", "sep", "sept", "сентября", "сентябрь", "сен", "сент"),
    ("october", "oct", "октября", "октябрь", "окт"),
    ("november", "nov", "ноября", "ноябрь", "ноя"),
    ("december", "dec", "декабря", "декабрь", "дек"),
)
#: month word → 1 … 12
MONTHS: dict[str, int] = {
    form: index + 1 for index, forms in enumerate(_MONTH_FORMS) for form in forms
}

#: day words counted from today
DAY_OFFSETS: dict[str, int] = {
    "today": 0, "сегодня": 0, "tomorrow": 1, "tmrw": 1, "завтра": 1, "послезавтра": 2,
}  # fmt: skip

#: "next monday", "в следующий понедельник": strictly after today
NEXT_WORDS = frozenset(("next", "следующий", "следующую", "следующее", "следующая"))
#: "this friday", "в эту пятницу", "on friday": the first one from today
THIS_WORDS = frozenset(("this", "coming", "эту", "этот", "это", "ближайший", "ближайшую"))
#: prepositions before a day ("on monday", "by friday", "в пятницу", "во вторник")
DAY_PREPOSITIONS = frozenset(("on", "by", "в", "во", "на"))
#: prepositions before a time ("at 10", "в 10", "к 10", "by 10")
TIME_PREPOSITIONS = frozenset(("at", "by", "в", "во", "к", "ко"))

#: "9 утра", "7 вечера": how the hour is read (the 12-hour clock's halves)
RU_DAY_HALVES = frozenset(("утра", "дня", "вечера", "ночи"))
AM_PM: dict[str, str] = {"am": "am", "a.m": "am", "pm": "pm", "p.m": "pm"}
#: "noon", "в полдень"
NOON_WORDS = frozenset(("noon", "midday", "полдень"))
#: parts of the day said without an hour; None is the calendar's opening time
DAY_PARTS: dict[str, int | None] = {
    "morning": None, "утром": None, "afternoon": 14, "днем": 14,
    "evening": 18, "вечером": 18,
}  # fmt: skip
#: words that only glue a phrase ("in the morning", "15th of march", "2 hours and 30 min")
GLUE_WORDS = frozenset(("the", "of", "and", "и", "in", "г", "года"))

#: spans whose length only a calendar knows ("in 2 months", "через год", "next week",
#: "на следующей неделе"): the one kind of phrase left to dateparser, which reads them well
CALENDAR_SPANS = frozenset((
    "week", "weeks", "fortnight", "fortnights", "month", "months", "year", "years",
    "неделе", "месяц", "месяца", "месяцев", "месяце", "год", "года", "году", "лет",
))  # fmt: skip
#: words a time phrase may be made of beyond the tables above; dateparser is asked only
#: about phrases of such words, so a task's own words ("call", "позвонить") are never read
#: as a time
EXTRA_WORDS = frozenset(("after", "через", "следующей", "следующем", "o'clock"))
#: a phrase never ends with one of these: "завтра в" is not a time
DANGLING_WORDS = (
    DAY_PREPOSITIONS
    | TIME_PREPOSITIONS
    | GLUE_WORDS
    | NEXT_WORDS
    | THIS_WORDS
    | {"через", "after", "a", "an"}
)

_TRAILING = ".,;:!?)»\"'"
_LEADING = "(«\"'"


def tokens(text: str) -> list[str]:
    """The words of ``text``, lowercased, ``ё`` as ``е``, without punctuation around them."""
    words = []
    for raw in text.lower().replace("ё", "е").split():
        word = raw.strip(_LEADING).rstrip(_TRAILING)
        if word:
            words.append(word)
    return words


_ORDINAL_RE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|-?е|-?го)?$")


def day_of_month(word: str) -> int | None:
    """``"15"``, ``"15th"``, ``"15-е"`` → 15; None when ``word`` is no day number."""
    found = _ORDINAL_RE.match(word)
    if found is None:
        return None
    day = int(found[1])
    return day if 1 <= day <= 31 else None


def is_time_word(word: str) -> bool:
    """Whether ``word`` may be part of a time phrase (see :data:`EXTRA_WORDS`)."""
    if re.fullmatch(r"\d{1,4}(?:st|nd|rd|th)?|\d{1,2}:\d{2}|полтора|полторы", word):
        return True
    return any(
        word in table
        for table in (
            UNIT_SECONDS, NUMBER_WORDS, HALF_UNITS, WEEKDAYS, MONTHS, DAY_OFFSETS,
            NEXT_WORDS, THIS_WORDS, DAY_PREPOSITIONS, TIME_PREPOSITIONS, RU_DAY_HALVES,
            AM_PM, NOON_WORDS, DAY_PARTS, GLUE_WORDS, CALENDAR_SPANS, EXTRA_WORDS,
        )
    )  # fmt: skip
