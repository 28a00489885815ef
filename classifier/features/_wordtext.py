"""What the word n-gram block reads of a normalised text (no scikit-learn).

The word block of the default feature set does not read the normalised text as it is:

- emoji tokens (``emoji_rose``) are left out. Emoji are evidence of their own, weighed by the
  indicator block (``emoji_price``, ``emoji_youth``, ...); in the word block an emoji put
  between two words, a trick of evaders, would break their 2-gram ("new emoji_star girls" holds
  no "new girls") and move the score;
- an obscured phone number (``xphoneobfx``) reads as a plain one (``xphonex``): how a number
  is written is weighed once, by the ``phone_obfuscated`` indicator, not again by every word
  n-gram around it.

With both, emoji padding and an obscured number move held-out scores by a third less
(``benchmarks/bench_robustness.py``). A saved model names the preparation its word block was
fitted with (block parameter ``text``); models without it read the normalised text as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from classifier.text._tokens import EMOJI_PREFIX, PHONE_OBF_TOKEN, PHONE_TOKEN

#: Names of the preparations (a model's word block parameter ``text``).
WORD_TEXTS = ("words",)
# Emoji tokens are written " emoji_<name> " by the normaliser (name: a-z, 0-9, "_").
_EMOJI = re.compile(rf"(?<!\w){EMOJI_PREFIX}\w*", re.ASCII)


def word_text(text: str) -> str:
    """The text the word block reads: emoji tokens left out, an obscured phone as a plain one.

    Examples
    --------
    >>> word_text("new emoji_star girls, text xphoneobfx")
    'new   girls, text xphonex'
    """
    if EMOJI_PREFIX in text:
        text = _EMOJI.sub(" ", text)
    if PHONE_OBF_TOKEN in text:
        text = text.replace(PHONE_OBF_TOKEN, PHONE_TOKEN)
    return text


def word_texts(texts: Iterable[str], name: str | None) -> list[str]:
    """``texts`` prepared as ``name`` says (``None``: as they are)."""
    if name is None:
        return texts if isinstance(texts, list) else list(texts)
    if name not in WORD_TEXTS:
        raise ValueError(f"unknown word-block text {name!r}; known: {', '.join(WORD_TEXTS)}")
    return [word_text(text) for text in texts]


class WordText:
    """:func:`word_text` as the ``preprocessor`` of a
    :class:`~classifier.features.WordTfidfVectorizer` (picklable, compared by value, so that
    cloned and rebuilt vectorizers are equal)."""

    #: The name a saved model gives it (block parameter ``text``).
    name = "words"

    def __call__(self, doc: str) -> str:
        return word_text(doc)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __repr__(self) -> str:
        return "WordText()"
