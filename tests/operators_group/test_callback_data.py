"""The card's and the lists' button data: bounded, typed, and nothing else unpacks.

A press carries data a modified client can forge. Whatever text comes back, unpacking
either fails (and the press is answered by the last-resort handler) or yields values
the database columns hold; every button the desk makes packs into Telegram's 64 bytes.
"""

from __future__ import annotations

import pytest
from aiogram.types import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, User
from hypothesis import given
from hypothesis import strategies as st

from core.durations import MAX_DURATION
from core.enums import TicketPriority
from core.limits import BIGINT_MAX, INT_MAX
from operators_group.cards import SETTABLE_STATUSES, CardAct, CardCallback
from operators_group.listing import MAX_ARG, MAX_PAGE, ListKind, PageCallback, shows_list

STALE_MAX = int(MAX_DURATION.total_seconds())
TAGS = st.from_regex(r"[a-z0-9_-]{1,32}", fullmatch=True)
TICKETS = st.integers(min_value=1, max_value=INT_MAX)


def values_for(act: CardAct) -> st.SearchStrategy[str]:
    if act is CardAct.ASSIGN:
        return st.integers(min_value=1, max_value=BIGINT_MAX).map(str)
    if act is CardAct.STATUS:
        return st.sampled_from(SETTABLE_STATUSES)
    if act is CardAct.PRIORITY:
        return st.sampled_from([p.value for p in TicketPriority])
    if act is CardAct.TAG:
        return TAGS
    return st.just("")


CARD_BUTTONS = st.sampled_from(list(CardAct)).flatmap(
    lambda act: st.builds(CardCallback, ticket=TICKETS, act=st.just(act), value=values_for(act))
)


@given(CARD_BUTTONS)
def test_every_card_button_fits_and_reads_back(button: CardCallback) -> None:
    packed = button.pack()
    assert len(packed.encode()) <= 64
    assert CardCallback.unpack(packed) == button


def unpacked(cls: type[CardCallback] | type[PageCallback], data: str) -> object | None:
    try:
        return cls.unpack(data)
    except (TypeError, ValueError):
        return None


@given(st.text(max_size=80) | st.from_regex(r"card:-?[0-9]{0,22}:[a-z_]{0,14}:.{0,40}"))
def test_any_text_unpacks_to_a_bounded_card_button_or_not_at_all(data: str) -> None:
    button = unpacked(CardCallback, data)
    if isinstance(button, CardCallback):
        assert 1 <= button.ticket <= INT_MAX
        if button.act is CardAct.ASSIGN:
            assert 1 <= button.operator <= BIGINT_MAX


@pytest.mark.parametrize(
    "data",
    [
        "card:abc:take:",
        "card:1:nuke:",
        "card:0:take:",
        "card:99999999999999999999:take:",
        "card:1:assign:99999999999999999999",
        "card:1:assign:-5",
        "card:1:assign:",
        "card:1:tag:" + "x" * 33,
        "card:1:tag:Billing",
        "card:1:status:new",
        "card:1:priority:critical",
        "card:1:take:x",
        "card:1:take",
        "",
    ],
)
def test_reproduced_bad_card_data_is_no_button(data: str) -> None:
    assert unpacked(CardCallback, data) is None


PAGE_ARGS = {
    ListKind.QUEUE: st.just(""),
    ListKind.WAITING: st.just(""),
    ListKind.MINE: st.integers(min_value=1, max_value=BIGINT_MAX).map(str),
    ListKind.HISTORY: st.integers(min_value=1, max_value=BIGINT_MAX).map(str),
    ListKind.LOG: st.integers(min_value=1, max_value=BIGINT_MAX).map(str),
    ListKind.SEARCH: st.from_regex(rf"[A-Za-z0-9_-]{{0,{MAX_ARG}}}", fullmatch=True),
    ListKind.OVERDUE: st.just(""),
    ListKind.STALE: st.integers(min_value=1, max_value=STALE_MAX).map(str),
}
PAGE_BUTTONS = st.sampled_from(list(ListKind)).flatmap(
    lambda kind: st.builds(
        PageCallback,
        kind=st.just(kind),
        arg=PAGE_ARGS[kind],
        page=st.integers(min_value=0, max_value=MAX_PAGE),
    )
)


@given(PAGE_BUTTONS)
def test_every_page_button_fits_and_reads_back(button: PageCallback) -> None:
    packed = button.pack()
    assert len(packed.encode()) <= 64
    assert PageCallback.unpack(packed) == button


@pytest.mark.parametrize(
    "data",
    [
        "pg:history:abc:0",
        "pg:nosuch:x:1",
        "pg:queue:x:1",
        "pg:log:1:-1",
        "pg:mine:1:abc",
        "pg:",
        "pg:overdue:5:0",
        "pg:stale::0",
        "pg:stale:0:0",
        # longer than any wait a timedelta subtracted from now can hold
        f"pg:stale:{BIGINT_MAX}:0",
        f"pg:stale:{STALE_MAX + 1}:0",
    ],
)
def test_reproduced_bad_page_data_is_no_button(data: str) -> None:
    assert unpacked(PageCallback, data) is None


def listing(sender_id: int, *buttons: PageCallback) -> Message:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="▶", callback_data=b.pack()) for b in buttons]]
    )
    return Message(
        message_id=5,
        date=0,
        chat=Chat(id=-100, type="supergroup"),
        from_user=User(id=sender_id, is_bot=True, first_name="Desk"),
        reply_markup=markup,
    )


def test_a_page_button_belongs_only_to_the_bots_own_page_of_its_list() -> None:
    queue = PageCallback(kind=ListKind.QUEUE, page=1)
    shown = listing(42, PageCallback(kind=ListKind.QUEUE, page=0))
    assert shows_list(shown, 42, queue)
    assert not shows_list(shown, 43, queue)  # someone else's message
    assert not shows_list(shown, 42, PageCallback(kind=ListKind.WAITING, page=1))
    log_of_7 = listing(42, PageCallback(kind=ListKind.LOG, arg="7", page=1))
    assert not shows_list(log_of_7, 42, PageCallback(kind=ListKind.LOG, arg="8", page=0))
    card = Message(
        message_id=6,
        date=0,
        chat=Chat(id=-100, type="supergroup"),
        from_user=User(id=42, is_bot=True, first_name="Desk"),
    )
    assert not shows_list(card, 42, queue)
