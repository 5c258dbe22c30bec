"""parse_mode handling and automatic entities."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.telegram.errors import ApiError
from sandbox.telegram.formatting import detect_entities, parse, utf16_len


def spans(text: str, entities: list[dict]) -> list[tuple[str, str]]:
    encoded = text.encode("utf-16-le")
    return [
        (e["type"], encoded[e["offset"] * 2 : (e["offset"] + e["length"]) * 2].decode("utf-16-le"))
        for e in entities
    ]


def test_html_nested_tags_and_links() -> None:
    text, entities = parse('<b>bold <i>both</i></b> <a href="https://x.org">link</a> &lt;3', "HTML")
    assert text == "bold both link <3"
    assert spans(text, entities) == [
        ("bold", "bold both"),
        ("italic", "both"),
        ("text_link", "link"),
    ]
    assert entities[2]["url"] == "https://x.org"


def test_html_pre_with_language_and_spoiler() -> None:
    text, entities = parse(
        '<pre><code class="language-python">x = 1</code></pre><tg-spoiler>s</tg-spoiler>', "html"
    )
    assert text == "x = 1s"
    assert entities[0] == {"type": "pre", "offset": 0, "length": 5, "language": "python"}
    assert entities[1]["type"] == "spoiler"


def test_offsets_count_utf16_units() -> None:
    text, entities = parse("😀 <b>hi</b>", "HTML")
    assert entities == [{"type": "bold", "offset": 3, "length": 2}]
    assert spans(text, entities) == [("bold", "hi")]


def test_markdown_v2_requires_escaping() -> None:
    with pytest.raises(ApiError, match=r"Character '\.' is reserved"):
        parse("Version 1.0", "MarkdownV2")
    text, entities = parse("*a* __u__ ~s~ ||sp|| ```py\ncode```", "MarkdownV2")
    assert text == "a u s sp code"
    assert [e["type"] for e in entities] == ["bold", "underline", "strikethrough", "spoiler", "pre"]


def test_unsupported_html_tag() -> None:
    with pytest.raises(ApiError, match='Unsupported start tag "div"'):
        parse("<div>x</div>", "HTML")


def test_auto_entities() -> None:
    text = "/help@desk_bot mail a@b.org #urgent see https://x.org @operator"
    kinds = [kind for kind, _ in spans(text, detect_entities(text, []))]
    assert kinds == ["bot_command", "email", "hashtag", "url", "mention"]


@given(
    st.text(alphabet=st.characters(blacklist_characters="<>&"), max_size=30),
    st.text(alphabet=st.characters(blacklist_characters="<>&"), min_size=1, max_size=30),
)
def test_bold_entity_covers_exactly_the_tagged_text(before: str, inner: str) -> None:
    text, entities = parse(f"{before}<b>{inner}</b>", "HTML")
    assert text == before + inner
    assert entities == [{"type": "bold", "offset": utf16_len(before), "length": utf16_len(inner)}]
