"""Plain text for VK, idempotency keys, and the payloads of the desk's buttons.

VK messages have no HTML: the desk's texts and operators' formatted replies are
written as Telegram HTML, so :func:`plain_text` turns that into readable plain text
(tags dropped, entities unescaped, a link whose text differs from its address keeps
the address in brackets, ``<br>`` and block ends become line breaks).

VK deduplicates ``messages.send`` on ``random_id`` (per peer), so every send carries
one derived from the outbox item's key and the part index (:func:`random_id`): a
retried item never shows up twice in the customer's chat.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from html import unescape
from html.parser import HTMLParser
from typing import Any

__all__ = [
    "MAX_TEXT",
    "choice_payload",
    "parse_payload",
    "plain_text",
    "random_id",
    "split_text",
]

MAX_TEXT = 4096  # VK's limit on the text of one message
_BLOCKS = frozenset({"p", "div", "pre", "blockquote"})


class _Flattener(HTMLParser):
    """Collects the text of Telegram HTML, keeping link targets readable."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[tuple[str, int]] = []  # (href, index of the link's first part)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self._links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:]).strip()
            # tg://user?id=… mentions mean nothing outside Telegram: keep the name only.
            if href and not href.startswith("tg://") and href not in (label, f"mailto:{label}"):
                self.parts.append(f" ({href})")
        elif tag in _BLOCKS and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The text of a Telegram-HTML string, as VK shows it (no markup)."""
    if "<" not in html and "&" not in html:
        return html
    flattener = _Flattener()
    flattener.feed(html)
    flattener.close()
    return unescape("".join(flattener.parts)).strip("\n")


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in parts VK accepts, cut at line breaks or spaces where possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not parts:
        parts.append(rest)
    return parts


def random_id(key: str, index: int = 0) -> int:
    """A stable positive 31-bit ``random_id`` for part ``index`` of the send ``key``.

    Python's ``hash()`` is salted per process, so a restarted worker would compute a
    different id and VK would send the retry again; a SHA-256 prefix stays the same.
    Without a key there is nothing to deduplicate against: a fresh random id is used.
    """
    if not key:
        return secrets.randbits(31) or 1
    digest = hashlib.sha256(f"{key}#{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1


def choice_payload(data: str) -> str:
    """The JSON ``payload`` of a quick-reply button carrying a choice's ``data``."""
    return json.dumps({"choice": data}, separators=(",", ":"))


def parse_payload(raw: Any) -> dict[str, Any]:
    """A button payload as a dict (VK sends it as a JSON string, sometimes as an object)."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
