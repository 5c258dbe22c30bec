"""A customer's name made safe for a topic title: no flipped text, never blank.

A name is the customer's own text. Bidirectional controls in it (an RLO, say) would
make the rest of the title read backwards, and a name of zero-width characters would
make a topic that looks blank. :func:`safe_name` strips the controls, and
:func:`title_of` wraps what is left in a First Strong Isolate (U+2068 … U+2069) so a
right-to-left name stays inside its own box; when nothing visible is left the fallback
(the customer's id, in the operators' language) takes its place.
"""

from __future__ import annotations

import unicodedata

#: Characters that change the direction of the text around them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
FSI, PDI = "\u2068", "\u2069"
#: Telegram's cap for a forum topic's name.
TITLE_LIMIT = 128
#: Letters that render as nothing (Hangul fillers, a blank braille pattern …).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Categories that show nothing by themselves: formats, separators, controls, marks.
_UNSEEN = ("Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me")


def visible(char: str) -> bool:
    """Does ``char`` draw something on its own?"""
    return char not in _BLANK_LETTERS and unicodedata.category(char) not in _UNSEEN


def safe_name(name: str) -> str:
    """``name`` without bidi controls, its whitespace collapsed; empty if nothing shows.

    What shows nothing at the start is dropped too, so a cut name still begins with
    something visible.
    """
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in name
        if c not in BIDI_CONTROLS
    )
    clean = " ".join(kept.split())
    first = next((i for i, c in enumerate(clean) if visible(c)), None)
    return "" if first is None else clean[first:]


def title_of(head: str, name: str, suffix: str, *, fallback: str) -> str:
    """``head`` + the isolated name (or ``fallback``) + ``suffix``, at most 128 characters.

    ``head`` and ``suffix`` are the desk's own short text (status icon, number, channel).
    """
    shown = safe_name(name) or safe_name(fallback) or "?"
    room = max(TITLE_LIMIT - len(head) - len(suffix) - len(FSI + PDI), 1)
    return head + FSI + shown[:room].rstrip() + PDI + suffix
