"""Is a customer's message only a thank-you or an "ok"?

After a ticket is resolved, customers often write "спасибо!", "ok 👍" or send a heart.
Such a message must not reopen the ticket (operators would have to resolve it again and
the metrics would count a reopen); it is kept, shown to operators and acknowledged with a
reaction. Anything with more words than that is a real message: better to reopen once
too often than to leave a question unanswered, so the vocabulary is deliberately small.
"""

from __future__ import annotations

import re
import unicodedata

from core.entities import Content
from core.enums import MessageKind

#: Words that make a message a thank-you or an acknowledgement (en, ru, lower case).
GRATITUDE = frozenset(
    {
        "thanks", "thank", "thx", "ty", "tnx", "ok", "okay", "okey", "k", "kk", "oki",
        "cheers", "great", "perfect", "cool", "nice", "awesome", "fine", "alright",
        "спасибо", "спасибки", "спасибочки", "спс", "пасиб", "пасибо", "благодарю", "мерси",
        "ок", "окей", "оке", "хорошо", "ясно", "понятно", "понял", "поняла", "отлично",
        "супер", "класс", "ладно", "договорились",
    }
)  # fmt: skip
#: Words that may come with them ("thank you so much", "большое спасибо вам").
FILLER = frozenset(
    {
        "you", "so", "much", "very", "a", "lot", "all", "guys", "again", "for", "the", "help",
        "it", "got", "большое", "огромное", "вам", "тебе", "все", "за", "помощь", "и", "еще",
        "раз", "очень", "вы", "лучшие",
    }
)  # fmt: skip
#: Emoji that say thanks or ok on their own (compared without skin tones or variations).
THANKS_EMOJI = frozenset("👍👌🙏❤♥💙💚💛🧡💜🤝😊🙂☺😀😃😄😁🥰😍🤗👏✅💯🔥⭐🌟💪")

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_MAX_LENGTH = 60  # a longer text is a message, whatever its words


def _emoji_only(text: str) -> str:
    """``text`` without letters, digits, spaces, punctuation, skin tones and joiners."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] in "LNZP" or char in "\ufe0f\u200d" or 0x1F3FB <= ord(char) <= 0x1F3FF:
            continue
        kept.append(char)
    return "".join(kept)


def is_thanks(content: Content) -> bool:
    """True if ``content`` is only a thank-you, an ok, or a thankful emoji or sticker."""
    if content.kind is MessageKind.STICKER:
        emoji = content.attachments[0].details.get("emoji", "") if content.attachments else ""
        return bool(emoji) and all(c in THANKS_EMOJI for c in _emoji_only(emoji))
    if content.kind is not MessageKind.TEXT or content.attachments or not content.text:
        return False
    text = content.text.strip().lower().replace("ё", "е")
    if not text or len(text) > _MAX_LENGTH:
        return False
    emoji = _emoji_only(text)
    if any(char not in THANKS_EMOJI for char in emoji):
        return False
    words = _WORD.findall(text)
    if any(word not in GRATITUDE and word not in FILLER for word in words):
        return False
    return bool(emoji) or any(word in GRATITUDE for word in words)
