"""parse_mode handling: HTML, MarkdownV2 and Markdown to plain text + entities.

Offsets and lengths are counted in UTF-16 code units, as Telegram does. Errors
use Telegram's "can't parse entities" wording.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from .errors import bad_request

Entity = dict[str, Any]


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}


class _HtmlToEntities(HTMLParser):
    """Collects text and entities from Telegram's HTML subset."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pos16 = 0
        self.stack: list[tuple[str, Entity]] = []
        self.entities: list[Entity] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        entity: Entity
        if tag == "a":
            href = attr.get("href") or ""
            entity = {"type": "text_link", "url": href}
        elif tag == "span" and attr.get("class") == "tg-spoiler":
            entity = {"type": "spoiler"}
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": attr.get("emoji-id") or ""}
        elif tag == "blockquote" and "expandable" in attr:
            entity = {"type": "expandable_blockquote"}
        elif tag in _SIMPLE_TAGS:
            entity = {"type": _SIMPLE_TAGS[tag]}
        else:
            raise bad_request(
                f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset '
                f"{self._byte_offset()}"
            )
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = (attr.get("class") or "").removeprefix("language-")
            if language:
                self.stack[-1][1]["language"] = language
                entity = {"type": "_skip"}
        entity["offset"] = self.pos16
        self.stack.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise bad_request(
                f"can't parse entities: Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{self.stack[-1][0] if self.stack else tag}>", found "</{tag}>"'
            )
        _, entity = self.stack.pop()
        entity["length"] = self.pos16 - entity["offset"]
        if entity["type"] != "_skip" and entity["length"] > 0:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.pos16 += utf16_len(data)

    def _byte_offset(self) -> int:
        return len("".join(self.parts).encode())


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Strip Telegram HTML tags from ``source`` and return text and entities."""
    parser = _HtmlToEntities()
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \""
            f'{parser.stack[-1][0]}"'
        )
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKS = [
    ("||", "spoiler"),
    ("__", "underline"),
    ("*", "bold"),
    ("_", "italic"),
    ("~", "strikethrough"),
]


class _Markdown:
    """A small MarkdownV2 / legacy Markdown reader producing entities."""

    def __init__(self, source: str, v2: bool) -> None:
        self.src = source
        self.v2 = v2
        self.pos = 0
        self.out: list[str] = []
        self.pos16 = 0
        self.open: list[tuple[str, str, int]] = []  # (mark, type, offset)
        self.entities: list[Entity] = []

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.pos16 += utf16_len(text)

    def fail(self, why: str) -> None:
        raise bad_request(f"can't parse entities: {why}")

    def run(self) -> tuple[str, list[Entity]]:
        while self.pos < len(self.src):
            self.step()
        if self.open:
            self.fail(
                f"Can't find end of {_entity_title(self.open[-1][1])} entity at byte "
                f"offset {self.open[-1][2]}"
            )
        return "".join(self.out), sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))

    def step(self) -> None:
        src, ch = self.src, self.src[self.pos]
        if ch == "\\" and self.v2 and self.pos + 1 < len(src):
            self.emit(src[self.pos + 1])
            self.pos += 2
            return
        if src.startswith("```", self.pos):
            self.block_code()
            return
        if ch == "`":
            end = src.find("`", self.pos + 1)
            if end < 0:
                self.fail(f"Can't find end of Code entity at byte offset {self.pos}")
            self.add_entity({"type": "code"}, _unescape(src[self.pos + 1 : end]))
            self.pos = end + 1
            return
        if ch == "[":
            self.link()
            return
        for mark, kind in _MD2_MARKS if self.v2 else [("*", "bold"), ("_", "italic")]:
            if src.startswith(mark, self.pos):
                self.toggle(mark, kind)
                return
        if self.v2 and ch in _MD2_RESERVED:
            self.fail(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        self.emit(ch)
        self.pos += 1

    def toggle(self, mark: str, kind: str) -> None:
        if self.open and self.open[-1][0] == mark:
            _, _, start = self.open.pop()
            if self.pos16 > start:
                self.entities.append({"type": kind, "offset": start, "length": self.pos16 - start})
        else:
            self.open.append((mark, kind, self.pos16))
        self.pos += len(mark)

    def add_entity(self, entity: Entity, text: str) -> None:
        entity.update(offset=self.pos16, length=utf16_len(text))
        self.emit(text)
        if entity["length"]:
            self.entities.append(entity)

    def block_code(self) -> None:
        end = self.src.find("```", self.pos + 3)
        if end < 0:
            self.fail(f"Can't find end of Pre entity at byte offset {self.pos}")
        body = self.src[self.pos + 3 : end]
        entity: Entity = {"type": "pre"}
        first, newline, rest = body.partition("\n")
        if newline and first and " " not in first:
            entity["language"] = first
            body = rest
        self.add_entity(entity, _unescape(body))
        self.pos = end + 3

    def link(self) -> None:
        match = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)").match(self.src, self.pos)
        if not match:
            if self.v2:
                self.fail("Character '[' is reserved and must be escaped with the preceding '\\'")
            self.emit("[")
            self.pos += 1
            return
        inner = _Markdown(match.group(1), self.v2).run()
        start = self.pos16
        self.emit(inner[0])
        for entity in inner[1]:
            entity["offset"] += start
            self.entities.append(entity)
        url = _unescape(match.group(2))
        if self.pos16 > start:
            self.entities.append(
                {"type": "text_link", "offset": start, "length": self.pos16 - start, "url": url}
            )
        self.pos = match.end()


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _entity_title(kind: str) -> str:
    return kind.replace("_", " ").title().replace(" ", "")


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Apply ``parse_mode`` (case-insensitive; empty means none) to ``text``."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode in ("markdownv2", "markdown"):
        return _Markdown(text, v2=mode == "markdownv2").run()
    raise bad_request("unsupported parse_mode")


_AUTO = [
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")),
    (
        "url",
        re.compile(r"\bhttps?://[^\s<>\"]+|\b(?:[a-z0-9-]+\.)+(?:com|org|net|ru|io|me)\b[^\s]*"),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w+")),
]


def detect_entities(text: str, explicit: list[Entity]) -> list[Entity]:
    """Add the entities Telegram finds by itself (commands, links, mentions...).

    Ranges already covered by ``explicit`` entities, or by an earlier automatic
    one, are left alone.
    """
    taken: list[tuple[int, int]] = [(e["offset"], e["offset"] + e["length"]) for e in explicit]
    found: list[Entity] = []
    for kind, pattern in _AUTO:
        for match in pattern.finditer(text):
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(match.group(0))
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": start, "length": end - start})
    return sorted([*explicit, *found], key=lambda e: (e["offset"], -e["length"]))
