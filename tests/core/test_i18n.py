"""Catalogs stay complete in en and ru, and match the strings the code actually uses."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from core.i18n import LOCALES_DIR, SUPPORTED_LOCALES, Translator, gettext, normalize_locale

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import catalogs as locale_tool  # noqa: E402

PLACEHOLDER = re.compile(r"\{[a-z_.]+\}")


def load(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=locale)


def msgids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_has_no_untranslated_or_fuzzy_entry(locale: str) -> None:
    catalog = load(locale)
    assert len(catalog) > 0
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    empty = [
        m.id
        for m in catalog
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    assert fuzzy == [], f"{locale}: fuzzy entries, review them and drop the flag"
    assert empty == [], f"{locale}: untranslated entries"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_keep_every_placeholder(locale: str) -> None:
    for message in load(locale):
        if not message.id or not isinstance(message.id, str):
            continue
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
            PLACEHOLDER.findall(message.string)
        ), f"{locale}: placeholders differ in {message.id!r}"


def test_catalogs_match_the_strings_in_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    locale_tool.extract(fresh)
    with fresh.open("rb") as fp:
        in_code = msgids(read_po(fp))
    assert in_code, "extraction found no strings at all"
    for locale in SUPPORTED_LOCALES:
        missing = in_code - msgids(load(locale))
        assert not missing, f"{locale} lacks strings used in code; run `make locales`: {missing}"


def test_gettext_uses_the_explicit_locale() -> None:
    assert gettext("there", "ru") == "друг"
    assert gettext("there", "en") == "there"
    assert Translator("ru_RU")("there") == "друг"


@given(st.text(max_size=12))
def test_any_language_code_maps_to_a_supported_locale(code: str) -> None:
    assert normalize_locale(code) in SUPPORTED_LOCALES


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ru", "ru"), ("ru-RU", "ru"), ("EN_gb", "en"), ("uk", "en"), (None, "en")],
)
def test_language_codes_from_clients(code: str | None, expected: str) -> None:
    assert normalize_locale(code) == expected
