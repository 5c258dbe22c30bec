"""Translations with an explicit locale, usable anywhere (aiogram handlers, VK, scheduler).

Catalogs live in ``locales/<lang>/LC_MESSAGES/messages.po``; ``make locales`` extracts,
updates and compiles them. A compiled ``.mo`` is used when it is at least as new as its
``.po``; otherwise the ``.po`` is compiled in memory, so a fresh clone works before
anything was built and a stale ``.mo`` never hides a new translation.

Strings are marked for extraction with ``_()`` (see :func:`_`), and translated for one
reader with ``gettext(message, locale)`` or a :class:`Translator` bound to a locale.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "ru")
DEFAULT_LOCALE = "en"


def _(message: str) -> str:
    """Mark ``message`` for extraction without translating it (translate it later)."""
    return message


def normalize_locale(code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map a client language code such as ``ru-RU`` or ``en_GB`` to a supported locale."""
    if code:
        base = code.replace("_", "-").split("-", 1)[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


def language_tag(code: str | None) -> str:
    """The base language of a client's code (``pt-BR`` → ``pt``); "" if absent or malformed.

    Adapters keep this as the customer's language rather than a supported locale, so the
    card shows what the customer really speaks and the desk's DEFAULT_LANGUAGE (see
    ``DeskContext.customer_language``) decides, when they are answered, what they read.
    """
    base = (code or "").replace("_", "-").split("-", 1)[0].lower()
    return base if 2 <= len(base) <= 8 and base.isascii() and base.isalpha() else ""


@cache
def translations(locale: str) -> NullTranslations:
    """Load the catalog for ``locale`` once; unknown locales fall back to the source text."""
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_path.is_file() and (
        not po_path.is_file() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if po_path.is_file():
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()


def gettext(message: str, locale: str | None, **params: object) -> str:
    """Translate ``message`` into ``locale`` and fill ``{name}`` placeholders from params."""
    text = translations(normalize_locale(locale)).gettext(message)
    return text.format(**params) if params else text


def ngettext(singular: str, plural: str, n: int, locale: str | None, **params: object) -> str:
    """Plural-aware :func:`gettext`; ``n`` is also available as ``{n}``."""
    text = translations(normalize_locale(locale)).ngettext(singular, plural, n)
    return text.format(n=n, **params)


class Translator:
    """``gettext`` bound to one reader's locale, for code that renders many strings."""

    def __init__(self, locale: str | None) -> None:
        self.locale = normalize_locale(locale)

    def __call__(self, message: str, **params: object) -> str:
        return gettext(message, self.locale, **params)

    def plural(self, singular: str, plural: str, n: int, **params: object) -> str:
        """Translate a message whose form depends on ``n``."""
        return ngettext(singular, plural, n, self.locale, **params)
