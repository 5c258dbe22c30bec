"""``execute``: the small part of VKScript a bot needs to batch calls.

Supported: statements separated by ``;`` — ``API.section.method({...})``,
``var name = <expr>`` and ``return <expr>`` — where an expression is an API
call, a variable, a string, number, ``true``/``false``/``null``, an array or an
object (keys quoted or bare). Anything else is error 12 "Unable to compile code".
At most 25 API calls per execute (error 13 after that), as on VK. A failed call
yields ``false`` and adds an entry to ``execute_errors``; without ``return`` the
answer is ``null``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import VkApiError

MAX_CALLS = 25
TOKEN_RE = re.compile(
    r"""\s*(?:(?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?)"""
    r"""|(?P<name>[A-Za-z_]\w*)|(?P<punct>[\[\]{}(),:;.=]))"""
)
Invoke = Callable[[str, dict[str, str]], Awaitable[Any]]


@dataclass
class ExecuteResult:
    """The value of ``return`` plus the errors of calls that failed."""

    response: Any
    errors: list[dict[str, Any]] = field(default_factory=list)


def tokenize(code: str) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs; error 12 on anything unrecognised."""
    tokens, pos, code = [], 0, code.rstrip()
    while pos < len(code):
        match = TOKEN_RE.match(code, pos)
        if match is None or match.end() == pos:
            raise VkApiError(12, f"unexpected symbol at {pos}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _param(value: Any) -> str:
    """VKScript values as API parameters (arrays comma-joined, objects as JSON)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(_param(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class Script:
    """A parsed-and-run-at-once VKScript program."""

    def __init__(self, code: str, invoke: Invoke) -> None:
        self.tokens = tokenize(code)
        self.pos = 0
        self.invoke = invoke
        self.vars: dict[str, Any] = {}
        self.result = ExecuteResult(None)
        self.calls = 0

    def _peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens) or (expected and self._peek() != expected):
            raise VkApiError(12, f"expected {expected or 'more code'}")
        self.pos += 1
        return self.tokens[self.pos - 1]

    async def run(self) -> ExecuteResult:
        """Run statements until ``return`` or the end."""
        while self.pos < len(self.tokens):
            if self._peek() == ";":
                self._take()
                continue
            if self._peek() == "return":
                self._take()
                self.result.response = await self._expr()
                return self.result
            if self._peek() == "var":
                self._take()
                name = self._take()[1]
                self._take("=")
                self.vars[name] = await self._expr()
            else:
                await self._expr()
        return self.result

    async def _expr(self) -> Any:
        kind, text = self._take()
        if kind == "str":
            return (
                json.loads('"' + text[1:-1].replace('"', '\\"').replace("\\'", "'") + '"')
                if text[0] == "'"
                else json.loads(text)
            )
        if kind == "num":
            return json.loads(text)
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if text == "[":
            return await self._items("]", self._expr)
        if text == "{":
            return dict(await self._items("}", self._pair))
        if text == "API":
            return await self._call()
        if kind == "name" and text in self.vars:
            return self.vars[text]
        raise VkApiError(12, f"unexpected {text!r}")

    async def _items(self, close: str, item: Callable[[], Awaitable[Any]]) -> list[Any]:
        items = []
        while self._peek() != close:
            items.append(await item())
            if self._peek() != close:
                self._take(",")
        self._take(close)
        return items

    async def _pair(self) -> tuple[str, Any]:
        kind, key = self._take()
        key = json.loads(key) if kind == "str" and key[0] == '"' else key.strip("'")
        self._take(":")
        return key, await self._expr()

    async def _call(self) -> Any:
        self._take(".")
        section = self._take()[1]
        self._take(".")
        name = f"{section}.{self._take()[1]}"
        self._take("(")
        args = await self._expr() if self._peek() != ")" else {}
        self._take(")")
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise VkApiError(13, "Too many API calls")
        try:
            return await self.invoke(
                name, {k: _param(v) for k, v in dict(args).items() if v is not None}
            )
        except VkApiError as error:
            self.result.errors.append(
                {"method": name, "error_code": error.code, "error_msg": error.message}
            )
            return False
