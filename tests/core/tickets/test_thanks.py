"""A thank-you or an "ok" after a resolution reopens nothing; anything else does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.entities import Attachment, Content
from core.enums import MessageKind
from core.tickets.thanks import FILLER, GRATITUDE, is_thanks


def text(value: str) -> Content:
    return Content(MessageKind.TEXT, text=value)


@pytest.mark.parametrize(
    "message",
    [
        "спасибо", "Спасибо большое!", "спс", "Благодарю за помощь", "ок", "Ок)", "окей",
        "ok", "OK!", "okay 👍", "thanks", "Thanks a lot!", "thank you so much", "thx",
        "👍", "👍🏻", "🙏🙏", "❤️", "спасибо!!!)))", "Отлично, спасибо", "понятно, спасибо",
    ],
)  # fmt: skip
def test_thank_yous_and_oks(message: str) -> None:
    assert is_thanks(text(message))


@pytest.mark.parametrize(
    "message",
    [
        "спасибо, но заказ не пришёл", "ok where is my order?", "thanks, one more question",
        "not ok", "12", "?", "👎", "спасибо 😡", "Спасибо, а когда доставка?", "",
        "no thanks",
    ],
)  # fmt: skip
def test_real_messages(message: str) -> None:
    assert not is_thanks(text(message))


def test_a_thankful_sticker_counts_and_a_photo_never_does() -> None:
    sticker = Attachment(MessageKind.STICKER, file_id="s", details={"emoji": "👍"})
    assert is_thanks(Content(MessageKind.STICKER, attachments=(sticker,)))
    angry = Attachment(MessageKind.STICKER, file_id="s", details={"emoji": "😡"})
    assert not is_thanks(Content(MessageKind.STICKER, attachments=(angry,)))
    photo = Attachment(MessageKind.PHOTO, file_id="p")
    assert not is_thanks(Content(MessageKind.PHOTO, text="спасибо", attachments=(photo,)))


@given(st.text(min_size=61))
def test_a_long_text_is_always_a_real_message(value: str) -> None:
    assert not is_thanks(text(value))


@given(st.lists(st.sampled_from(sorted(GRATITUDE)), min_size=1, max_size=4), st.text("!.,) "))
def test_any_run_of_thank_words_with_punctuation_is_a_thank_you(
    words: list[str], tail: str
) -> None:
    message = " ".join(words) + tail
    assert is_thanks(text(message)) == (len(message.strip()) <= 60)


@given(st.text(alphabet=st.characters(categories=["Ll", "Lu"]), min_size=3, max_size=12))
def test_an_unknown_word_makes_it_a_real_message(word: str) -> None:
    lowered = word.lower().replace("ё", "е")
    if lowered in GRATITUDE or not lowered.isalpha():
        return
    assert not is_thanks(text(f"спасибо {word}")) or lowered in FILLER
