"""The callback data of the desk's quick-reply buttons in customers' private chats.

Core names a choice in its own words (:class:`core.tickets.csat.ChoiceData`: rate a ticket 1–5,
or skip the comment); on Telegram it travels as a typed :class:`ChoiceCallback`. The
data comes back from the client, so a modified one can send anything: the ticket id
must fit its column and a score is exactly 1 to 5, or the press is no choice at all
and the customer router's last handler answers it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field, model_validator

from core.limits import INT_MAX
from core.tickets.csat import ChoiceData, parse_choice


class ChoiceAct(StrEnum):
    """What a quick-reply button does."""

    RATE = "rate"
    SKIP = "skip"


class ChoiceCallback(CallbackData, prefix="choice"):
    """``choice:rate:<ticket id>:<score>`` or ``choice:skip:<ticket id>:``."""

    act: ChoiceAct
    ticket: Annotated[int, Field(ge=1, le=INT_MAX)]
    score: Annotated[int, Field(ge=1, le=5)] | None = None

    @model_validator(mode="after")
    def _score_only_with_a_rating(self) -> ChoiceCallback:
        if (self.act is ChoiceAct.RATE) != (self.score is not None):
            raise ValueError("a rating has a score, a skip has none")
        return self

    @classmethod
    def of(cls, data: str) -> ChoiceCallback:
        """The button for core's choice ``data`` (ValueError: not a choice core makes)."""
        choice = parse_choice(data)
        if choice is None:
            raise ValueError(f"not a choice: {data!r}")
        act = ChoiceAct.SKIP if choice.score is None else ChoiceAct.RATE
        return cls(act=act, ticket=choice.ticket_id, score=choice.score)

    @property
    def choice(self) -> ChoiceData:
        """The choice in core's words."""
        return ChoiceData(self.ticket, self.score)
