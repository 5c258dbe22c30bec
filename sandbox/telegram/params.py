"""Reading Bot API parameters the way Telegram accepts them.

A request may be a query string, ``application/x-www-form-urlencoded``,
``multipart/form-data`` (values are strings, complex values JSON-encoded, files
as parts, ``attach://<name>`` pointing at a part) or a JSON body with typed
values. :class:`Params` hides the difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from .errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart part."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Typed access to one request's parameters."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self.values = values
        self.uploads = uploads

    def has(self, name: str) -> bool:
        """Whether ``name`` was sent (as a value or as a file part)."""
        return name in self.values or name in self.uploads

    def str(self, name: str, default: str | None = None) -> str | None:
        """A string parameter."""
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def req_str(self, name: str) -> str:
        """A required string parameter ("<name> is empty" when missing)."""
        value = self.str(name)
        if not value:
            raise bad_request(f"{name} is empty")
        return value

    def int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def req_int(self, name: str) -> int:
        """A required integer parameter."""
        value = self.int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def bool(self, name: str) -> bool:
        """A boolean parameter (``true``/``1`` are true)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        """A JSON-serialized parameter, decoded (typed JSON bodies pass through)."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int | str:
        """``chat_id``: an integer, or ``@username``."""
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int):
            return value
        text = str(value)
        return int(text) if text.lstrip("-").isdigit() else text

    def upload(self, name: str) -> Upload | None:
        """The file behind ``name``: a part of that name or an ``attach://`` reference."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.attached(value)
        return None

    def attached(self, ref: str) -> Upload:
        """Resolve ``attach://<part>``."""
        part = ref.removeprefix("attach://")
        if part not in self.uploads:
            raise bad_request(f"file {part} not found in request")
        return self.uploads[part]


async def read_params(request: web.Request) -> Params:
    """Collect the parameters of ``request`` from the query, form or JSON body."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                values.update(body)
        elif ctype == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    data = bytes(await part.read())
                    ctype_part = part.headers.get("Content-Type")
                    uploads[part.name] = Upload(data, part.filename, ctype_part)
                else:
                    values[part.name] = await part.text()
        else:
            form = await request.post()
            values.update({k: v for k, v in form.items() if isinstance(v, str)})
    return Params(values, uploads)
