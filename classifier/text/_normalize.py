"""Text normalisation: fold obfuscated ad text to plain tokens and mask contact data.

Ads are written to slip past keyword filters and phone scrapers: fancy Unicode letters
("EXØTiC ƒяєαк", math-bold, full-width, small capitals), spaced letters ("s e x y"), leetspeak
("s3xy"), digits written as words ("five 8 seven ..."), emoji as code, repeated letters,
invisible and combining marks, enclosed letters ("🅂🅴🆇🆈"), punctuation padding, mojibake
("Ã°ÂŸÂŒÂ¹", repaired with ftfy's encoding fixes, for non-ASCII text only). This
module undoes these so that the same ad written plainly and obfuscated gives nearly the same
tokens, and replaces contact data with placeholder tokens so that no model vocabulary holds a
phone number.

Public interface (other modules code against it):

- :func:`normalize_text`: lower-cased, folded text with contact data masked.
- :func:`mask_contacts`: masks contact data only, keeps everything else (to show ads).
- :func:`extract_contacts`: canonical contact keys (``"phone:5875550143"``) to link ads.
- :func:`normalize_and_extract`: both of the above from one analysis of the text.
- :func:`normalize_texts`: either of the two for a batch, in one call to the compiled core
  (``core/``, Rust) where it is installed; this module stays the reference it must equal.
- :class:`~classifier.features._transformers.TextNormalizer`: the scikit-learn transformer
  around :func:`normalize_text` (kept apart: scoring imports no scikit-learn).

Contact data is found on a *skeleton* of the text: a lower-case ASCII string of the same length
in which every character is replaced by the one it imitates (``"𝟓"`` by ``"5"``, ``"Ｏ"`` by
``"o"``), by ``"\\x00"`` for invisible marks, ``"\\x01"`` for symbols and emoji and ``"\\x02"``
for other letters. Spans found on the skeleton index the original text, so that
:func:`mask_contacts` keeps everything else.

Speed matters (batch scoring needs tens of thousands of ads a second): every rule that needs a
regular-expression scan of the whole ad first checks a cheap trigger (a substring test on a
``bytes.translate`` view, or the set of words), and non-ASCII characters are folded through
tables filled once per distinct character. Where a rule would loop over characters in Python,
C-level operations stand in: a codec error handler visits each run of non-ASCII characters,
``bytes.find`` locates separators, and big-integer arithmetic compares neighbours.
"""

from __future__ import annotations

from collections.abc import Iterable

from classifier import _core
from classifier.text._contacts import (
    _analyse,
    _Analysis,
    _contact_keys,
    _replace_spans,
    mask_contacts,
)
from classifier.text._fold import _fold
from classifier.text._tokens import _Span
from classifier.text._words import WORD_STEPS, _apply_edits, _normalize_words

#: The normaliser's steps, in order. The first is one analysis of the text: look-alike and fancy
#: characters are folded on a skeleton, on which contact data is found and masked (see
#: :mod:`._fold` and :mod:`._contacts`); the word rules follow (:data:`._words.WORD_STEPS`).
STEPS: tuple[str, ...] = ("fold_and_mask_contacts", *(name for name, _ in WORD_STEPS))


def normalize_text(text: str) -> str:
    """Fold an ad to plain lower-case tokens, with contact data masked.

    Fancy Unicode letters and digits are folded to ASCII, emoji become ``emoji_<name>`` tokens,
    spaced letters are rejoined, leetspeak is decoded, letter repetitions are undone, number
    words from ten up become digits, contact data become placeholder tokens, repeated
    punctuation and white space are squeezed.

    Parameters
    ----------
    text : str
        Ad text.

    Returns
    -------
    str
        Normalised text; every token matches scikit-learn's default ``token_pattern``.

    Examples
    --------
    >>> normalize_text("EXØTiC ƒяєαк 🌹🌹 s e x y, h0t & nineteen yo! 587-555-0143")
    'exotic freak emoji_rose emoji_rose sexy, hot & 19 yo! xphonex'
    """
    if not text:
        return ""
    return _normalized(_analyse(text))


def normalize_and_extract(text: str) -> tuple[str, list[str]]:
    """:func:`normalize_text` and :func:`extract_contacts` of one text, analysed once.

    Grouping ads needs both; each alone analyses the whole text.

    Examples
    --------
    >>> normalize_and_extract("H0T girl, call 587 555 0143")
    ('hot girl, call xphonex', ['phone:5875550143'])
    """
    if not text:
        return "", []
    found = _analyse(text)
    return _normalized(found), _contact_keys(found)


def normalize_texts(texts: Iterable[str], contacts: bool = False) -> list:
    """``[normalize_text(t) for t in texts]`` (with ``contacts``: ``[normalize_and_extract(t)
    ...]``), by the compiled core for the whole batch where it is installed: it analyses and
    folds each text in one call, with no Python objects in between. The texts it declines
    (lone surrogates) take the Python path."""
    texts = texts if isinstance(texts, list) else list(texts)
    one = normalize_and_extract if contacts else normalize_text
    if _core.CORE is None:
        return [one(text) for text in texts]
    done, declined = _core.CORE.normalize_texts(texts, contacts)
    for i in declined:
        done[i] = one(texts[i])
    return done


def _normalized(found: _Analysis) -> str:
    if _core.CORE is not None:  # the compiled port; None where it declines
        result = _core.CORE.normalized(*found)
        if result is not None:
            return result
    if not found.runs:
        folded = _replace_spans(found.skeleton, found.spans)
    else:
        edits = [(start, end, f" {token} ") for start, end, token, _ in found.spans]
        edits += _fold_edits(found.text, found.runs, found.spans)
        folded = _apply_edits(found.text, edits).lower()
    return _normalize_words(folded, found.words)


def _fold_edits(
    text: str, runs: list[tuple[int, int, str]], spans: list[_Span]
) -> list[tuple[int, int, str]]:
    """Fold the non-ASCII runs, or the parts of them that no contact span covers."""
    if not spans:
        return runs
    edits = []
    k = 0  # runs and spans are sorted: skip the spans that end before the run
    for start, end, folded in runs:
        while k < len(spans) and spans[k][1] <= start:
            k += 1
        if k == len(spans) or spans[k][0] >= end:
            edits.append((start, end, folded))
            continue
        inside = [(s, e) for s, e, _, _ in spans[k:] if s < end]
        pos = start
        for s, e in inside:  # a run straddling a contact ("3️⃣ 🌹" after a phone)
            if s > pos:
                edits.append((pos, s, _fold(text[pos:s])))
            pos = max(pos, e)
        if pos < end:
            edits.append((pos, end, _fold(text[pos:end])))
    return edits


def mask_and_lower(texts: Iterable[str]) -> list[str]:
    """Contact data masked and text lower-cased: the only normalisation of the ``words``
    baseline feature set (see :class:`~classifier.features.ContactMasker`)."""
    return [mask_contacts(text).lower() for text in texts]
