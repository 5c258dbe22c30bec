"""``[acknowledgement]`` and ``[off_hours]`` of ``botdesk.toml``: the desk's automatic replies.

The acknowledgement answers the first message of a new ticket with its number and the
expected first-response time; the off-hours reply tells a customer who writes while the
desk is closed when it opens again. Both are on by default, each can be turned off, and
each text can be overridden per language::

    [acknowledgement]
    enabled = true
    [acknowledgement.text]
    en = "Thanks! Your ticket is {ticket}; expect an answer by {due}."

A mistake is worded by :func:`auto_reply_error` as one paragraph naming the key
(``acknowledgement.text.de``) and the fix. What a use case reads is the frozen
:class:`AutoReplies` on ``DeskContext``, built by :func:`auto_replies_from_settings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Formatter
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

from core.i18n import SUPPORTED_LOCALES

#: the placeholders each table's texts may use
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "acknowledgement": ("ticket", "due"),
    "off_hours": ("opening",),
}
#: how a correct text of each table looks, quoted in its errors
EXAMPLES: dict[str, str] = {
    "acknowledgement": 'en = "Your ticket is {ticket}. We will answer by {due}."',
    "off_hours": 'en = "We are offline now and back {opening}."',
}
#: a longer text would not fit one chat message on every channel
TEXT_MAX = 1000


def placeholders_in(text: str) -> list[str]:
    """The ``{name}`` placeholders of ``text``; ValueError for a stray brace or ``{a.b}``."""
    try:
        parts = list(Formatter().parse(text))
    except ValueError:
        raise ValueError(
            "has a brace that opens or closes nothing; write {{ or }} for a brace itself"
        ) from None
    names = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(
                f"has a placeholder {{{name}...}} with more than a name; write it as {{name}}"
            )
        names.append(name)
    return names


def _check_texts(table: str, texts: dict[str, str]) -> dict[str, str]:
    """Each language botdesk translates, each text non-empty with known placeholders."""
    allowed = PLACEHOLDERS[table]
    for language, text in texts.items():
        key = f"text.{language}"
        if language not in SUPPORTED_LOCALES:
            raise ValueError(
                f"{key}: is a language botdesk has no translation for; use "
                f"{' or '.join(SUPPORTED_LOCALES)}"
            )
        if not text.strip():
            raise ValueError(f"{key}: is empty; leave the language out to use the built-in text")
        if len(text) > TEXT_MAX:
            raise ValueError(f"{key}: is {len(text)} characters long, more than {TEXT_MAX}")
        try:
            names = placeholders_in(text)
        except ValueError as bad:
            raise ValueError(f"{key}: {bad}") from None
        unknown = [name for name in names if name not in allowed]
        if unknown:
            known = ", ".join("{" + name + "}" for name in allowed)
            raise ValueError(f"{key}: has the unknown placeholder {{{unknown[0]}}}; use {known}")
    return texts


class _ReplySettings(BaseModel):
    """What both tables hold: whether the reply is sent, and its texts per language."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: the table's name in botdesk.toml, for error messages and allowed placeholders
    TABLE: ClassVar[str]

    enabled: StrictBool = True
    text: dict[StrictStr, StrictStr] = Field(default_factory=dict)

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_texts(cls.TABLE, value)


class AcknowledgementSettings(_ReplySettings):
    """``[acknowledgement]``: the reply to the first message of a new ticket.

    Texts per language; placeholders {ticket} ("#12") and {due} (the first-response time).
    """

    TABLE = "acknowledgement"


class OffHoursSettings(_ReplySettings):
    """``[off_hours]``: the reply, once per ticket, to a message while the desk is closed.

    Texts per language; placeholder {opening} (when the desk opens, with its time zone).
    """

    TABLE = "off_hours"


#: pydantic's words for a wrong type, in the config errors' own words
_PLAIN_PROBLEMS = {
    "bool_type": "is neither true nor false",
    "string_type": "is not text; write the message in quotes",
    "dict_type": "is not a table of texts per language",
}

AUTO_REPLY_TABLES: dict[str, type[BaseModel]] = {
    "acknowledgement": AcknowledgementSettings,
    "off_hours": OffHoursSettings,
}


def auto_reply_error(table: str, loc: list[str], problem: str, kind: str) -> str:
    """The paragraph for a mistake inside ``[acknowledgement]`` or ``[off_hours]``.

    ``loc`` is the pydantic error location below the table, ``problem`` its wording,
    ``kind`` its pydantic error type. The caller appends its own closing hint.
    """
    if kind == "extra_forbidden":
        return (
            f"Configuration error: botdesk.toml has an unknown key '{table}.{loc[0]}'. Check "
            f"its spelling or remove it; the [{table}] keys are: enabled, text."
        )
    key, _, rest = problem.partition(": ")
    if loc == ["text"] and key.startswith("text."):  # _check_texts names the language
        loc, problem = key.split(".", 1), rest
    if not loc:
        return (
            f"Configuration error: {table} {problem}. Write it as a [{table}] table of "
            f"botdesk.toml, e.g. [{table}] then enabled = true."
        )
    problem = _PLAIN_PROBLEMS.get(kind, problem)
    fix = {
        "enabled": f"Write enabled = true or enabled = false under [{table}].",
        "text": f"Write [{table}.text] with one text per language, e.g. {EXAMPLES[table]}.",
    }
    return (
        f"Configuration error: {table}.{'.'.join(loc)} {problem}. {fix.get(loc[0], '')} "
        f"Set it in the [{table}] table of botdesk.toml."
    ).replace("  ", " ")


@dataclass(frozen=True, slots=True)
class AutoReply:
    """One automatic reply: whether it is sent, and the texts that replace the built-in one."""

    enabled: bool = False
    texts: tuple[tuple[str, str], ...] = ()

    def override(self, locale: str) -> str | None:
        """The configured text for ``locale``, or None to use the built-in translation."""
        return next((text for language, text in self.texts if language == locale), None)


@dataclass(frozen=True, slots=True)
class AutoReplies:
    """The automatic replies a desk sends customers.

    Off by default so that a context built by hand (tests, tools) sends nothing it was not
    asked to; botdesk.toml turns both on unless told otherwise.
    """

    acknowledgement: AutoReply = field(default_factory=AutoReply)
    off_hours: AutoReply = field(default_factory=AutoReply)


def auto_replies_from_settings(
    acknowledgement: AcknowledgementSettings, off_hours: OffHoursSettings
) -> AutoReplies:
    """The desk's automatic replies from its validated tables."""
    return AutoReplies(
        acknowledgement=AutoReply(acknowledgement.enabled, tuple(acknowledgement.text.items())),
        off_hours=AutoReply(off_hours.enabled, tuple(off_hours.text.items())),
    )
