"""Topic titles from customers' names: isolated, never blank, within Telegram's cap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.messaging.titles import BIDI_CONTROLS, FSI, PDI, TITLE_LIMIT, safe_name, title_of, visible

HEAD, SUFFIX = "🟢🔥 #2147483647 ", " · Telegram"
TRICKY = [*sorted(BIDI_CONTROLS), "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u3164"]
names = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=300)


def balanced(text: str) -> bool:
    """Every isolate and embedding in ``text`` is closed, in order."""
    depth = 0
    for char in text:
        if char in "\u2066\u2067\u2068":
            depth += 1
        elif char == PDI:
            depth -= 1
            if depth < 0:
                return False
        elif char in "\u202a\u202b\u202c\u202d\u202e\u200e\u200f\u061c":
            return False  # the builder never lets one of these through
    return depth == 0


@given(names, st.integers(min_value=1, max_value=2**63 - 1))
def test_a_title_is_never_blank_balanced_and_fits(name: str, customer_id: int) -> None:
    title = title_of(HEAD, name, SUFFIX, fallback=f"Customer {customer_id}")
    assert len(title) <= TITLE_LIMIT
    assert title.startswith(HEAD + FSI) and title.endswith(PDI + SUFFIX)
    assert balanced(title)
    inside = title[len(HEAD) + 1 : -len(PDI + SUFFIX)]
    assert any(visible(char) for char in inside)


def test_a_right_to_left_override_cannot_flip_the_title() -> None:
    title = title_of(HEAD, "\u202eevil\u202c name", SUFFIX, fallback="Customer 1")
    assert title == f"{HEAD}{FSI}evil name{PDI}{SUFFIX}"


def test_a_name_of_invisible_characters_gives_way_to_the_fallback() -> None:
    for name in ("", "   ", "\u200b\u200d", "\u3164\u3164", "\u202e\u2066", "\n\t"):
        assert title_of(HEAD, name, SUFFIX, fallback="Customer 42") == (
            f"{HEAD}{FSI}Customer 42{PDI}{SUFFIX}"
        )


def test_names_keep_their_own_letters_and_lose_line_breaks() -> None:
    assert safe_name("Мария\nИванова") == "Мария Иванова"
    assert safe_name("محمد علي") == "محمد علي"
    assert safe_name("\u200b\u200bBob") == "Bob"
    long = title_of(HEAD, "x" * 500, SUFFIX, fallback="?")
    assert len(long) == TITLE_LIMIT
