"""Extract, update and compile the babel catalogs (``make locales``).

Translatable strings are marked with ``_()``, ``gettext()``/``ngettext()`` from
``core.i18n``, a bound translator called ``t(...)``/``t.plural(...)``, or aiogram's
lazy ``__()``. New strings land in every ``messages.po`` empty; a test fails until
both en and ru are filled in.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
KEYWORDS = ["_", "gettext:1", "ngettext:1,2", "t:1", "plural:1,2", "__:1"]
LANGUAGES = ("en", "ru")


def pybabel(*args: str) -> None:
    """Run one pybabel sub-command in-process."""
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output: Path = POT) -> None:
    """Write every marked string of the project into ``output`` (a .pot template)."""
    keyword_args = [arg for kw in KEYWORDS for arg in ("-k", kw)]
    os.chdir(ROOT)  # so that the "#:" source references are relative paths
    pybabel(
        "extract",
        "--no-default-keywords",
        *keyword_args,
        "-F",
        "babel.cfg",
        "--project",
        "botdesk",
        "--copyright-holder",
        "botdesk contributors",
        "--sort-by-file",
        "--no-wrap",
        "-o",
        str(output),
        ".",
    )


def fill_english(po: Path) -> None:
    """English is the source language: an empty English entry is its own msgid."""
    with po.open("rb") as fp:
        catalog = read_po(fp, locale="en")
    for message in catalog:
        if message.id and not message.string and not message.fuzzy:
            message.string = message.id
    with po.open("wb") as fp:
        write_po(fp, catalog, width=0, ignore_obsolete=True)


def main() -> int:
    """Extract the template, update (or create) each language, then compile them all."""
    extract()
    for lang in LANGUAGES:
        po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        if po.is_file():
            pybabel(
                "update",
                "--no-wrap",
                "--ignore-obsolete",
                "-i",
                str(POT),
                "-d",
                str(LOCALES),
                "-l",
                lang,
            )
        else:
            pybabel("init", "--no-wrap", "-i", str(POT), "-d", str(LOCALES), "-l", lang)
        if lang == "en":
            fill_english(po)
    pybabel("compile", "--statistics", "-d", str(LOCALES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
