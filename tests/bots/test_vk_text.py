"""Plain text from Telegram HTML, stable random_ids, keyboards and payloads for VK."""

from __future__ import annotations

import json
import subprocess
import sys

from bots.vk.channel import keyboard_of
from bots.vk.text import choice_payload, parse_payload, plain_text, random_id, split_text
from core.entities import Choice


def test_html_becomes_plain_text() -> None:
    html = (
        "<b>Hello</b>, <i>Ivan</i> &amp; co!<br>"
        '<a href="https://acme.example/faq">our FAQ</a> or '
        '<a href="https://acme.example">https://acme.example</a>\n'
        '<code>x &lt; y</code> <tg-spoiler>secret</tg-spoiler> <a href="tg://user?id=1">Olga</a>'
        "<blockquote>quoted</blockquote>after"
    )
    assert plain_text(html) == (
        "Hello, Ivan & co!\nour FAQ (https://acme.example/faq) or https://acme.example\n"
        "x < y secret Olga" + "quoted\nafter"
    )
    assert plain_text("no markup at all") == "no markup at all"


def test_long_text_is_split_at_line_breaks() -> None:
    text = "\n".join(["a" * 3000] * 3)
    parts = split_text(text)
    assert [len(p) for p in parts] == [3000, 3000, 3000]
    assert split_text("") == [""]
    assert all(len(p) <= 4096 for p in split_text("x" * 10_000))


def test_random_id_is_stable_across_processes_and_fits_31_bits() -> None:
    first = random_id("deliver:17", 0)
    assert first == random_id("deliver:17", 0)
    assert 0 < first < 2**31
    assert len({random_id("deliver:17", i) for i in range(50)}) == 50
    assert random_id("deliver:18", 0) != first
    # Another interpreter (another hash seed) derives the same id: retries after a restart.
    code = "from bots.vk.text import random_id; print(random_id('deliver:17', 0))"
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123", "PATH": ""},
        cwd=".",
    )
    assert int(other.stdout) == first


def test_random_id_without_a_key_is_fresh() -> None:
    assert random_id("") != random_id("") or random_id("") != random_id("")


def test_choice_keyboards_callback_and_text() -> None:
    choices = [Choice(str(n), f"rate:{n}") for n in range(1, 7)]
    callback = json.loads(keyboard_of(choices, callback=True))
    assert callback["inline"] is True
    assert [len(row) for row in callback["buttons"]] == [5, 1]
    button = callback["buttons"][0][0]["action"]
    assert button == {"type": "callback", "label": "1", "payload": '{"choice":"rate:1"}'}
    text = json.loads(keyboard_of(choices[:2], callback=False))
    assert text["buttons"][0][1]["action"]["type"] == "text"
    assert parse_payload(text["buttons"][0][1]["action"]["payload"]) == {"choice": "rate:2"}


def test_payloads() -> None:
    assert parse_payload(choice_payload("x")) == {"choice": "x"}
    assert parse_payload('{"command":"start"}') == {"command": "start"}
    assert parse_payload({"a": 1}) == {"a": 1}
    assert parse_payload("not json") == parse_payload(None) == parse_payload("[1]") == {}
