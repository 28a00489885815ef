"""Where each indicator fired, as character offsets into the ORIGINAL ad text.

The indicator patterns run on the normalised text, which folds look-alike letters, rejoins
spaced letters, decodes leetspeak and masks contacts, so its offsets say nothing about the
original. Rather than reach into the normaliser, this module asks the public functions
(:func:`classifier.normalize_text` and :func:`classifier.find_indicators`) about stretches of
the original text:

1. the original is cut into whitespace-separated tokens, with their offsets;
2. for every start token, windows of 1, 2, ... tokens (up to :data:`MAX_WINDOW`) are
   normalised and scanned; the first (shortest) window that fires an indicator is that start
   token's candidate for it. A window of the maximum size is scanned first: when it fires
   none of the ad's indicators, the start token is skipped (one call instead of many);
3. a candidate is kept only when it is minimal: the window starting one token later does
   not fire the indicator within the same end (otherwise that later window is the evidence);
4. the kept window is trimmed, at the boundaries between letters and other characters inside
   its first and last token, for as long as the trimmed text still fires the indicator
   ("girls," -> "girls", "sweet/young" -> "young").

So "n3w g!rls", "N E W  G I R L S" and "ʏᴏᴜɴɢ" are found where they stand, because each
window is normalised as a whole. Every span is checked by the same code that scores the ad;
an indicator that no window of up to :data:`MAX_WINDOW` tokens fires is reported without a
span. Normalising a short window costs a few microseconds, and windows repeat across reposts,
so their results are cached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import classifier

#: Longest window, in whitespace tokens: spaced letters ("s e x y") take one token a letter.
MAX_WINDOW = 12
_TOKEN = re.compile(r"\S+")


@lru_cache(maxsize=200_000)
def _fired(window: str) -> frozenset[str]:
    """Indicators that fire on a stretch of original text (normalised as a whole)."""
    return frozenset(classifier.find_indicators(classifier.normalize_text(window)))


def _class_changes(text: str, start: int, end: int) -> list[int]:
    """Positions in ``text[start:end]`` where a run of letters/digits begins or ends."""
    return [i for i in range(start + 1, end) if text[i].isalnum() != text[i - 1].isalnum()]


def _trim(text: str, start: int, end: int, first_end: int, last_start: int,
          name: str) -> tuple[int, int]:
    """Shrink ``[start, end)`` inside its first and last token while ``name`` still fires."""
    for cut in _class_changes(text, start, first_end):
        if name not in _fired(text[cut:end]):
            break
        start = cut
    for cut in reversed(_class_changes(text, max(start, last_start), end)):
        if name not in _fired(text[start:cut]):
            break
        end = cut
    return start, end


def locate_indicators(text: str, names: Iterable[str] | None = None
                      ) -> tuple[list[tuple[int, int, str]], list[str]]:
    """Spans of ``text`` that fire each indicator, and the indicators no span was found for.

    Parameters
    ----------
    text : str
        An ad's original text.
    names : iterable of str, optional
        The indicators to look for (default: those that fire on the whole ad).

    Returns
    -------
    spans : list of (start, end, name)
        Character offsets into ``text`` (Python string indices), sorted by start.
    missing : list of str
        Indicators of ``names`` that no window of up to :data:`MAX_WINDOW` tokens fires.

    Examples
    --------
    >>> locate_indicators("Sweet n3w g!rls, ʏᴏᴜɴɢ")[0]  # doctest: +SKIP
    [(6, 15, 'movement'), (17, 22, 'youth')]
    """
    wanted = set(_fired(text) if names is None else names)
    if not wanted:
        return [], []
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    n = len(tokens)
    # first_end[i][name]: index of the last token of the shortest window from token i firing it
    first_end: list[dict[str, int]] = []
    for i in range(n):
        found: dict[str, int] = {}
        last = min(n, i + MAX_WINDOW) - 1
        todo = wanted & _fired(text[tokens[i][0]:tokens[last][1]])
        for j in range(i, last + 1):
            if not todo:
                break
            hits = todo & _fired(text[tokens[i][0]:tokens[j][1]])
            for name in hits:
                found[name] = j
            todo -= hits
        first_end.append(found)
    spans: set[tuple[int, int, str]] = set()
    for i, found in enumerate(first_end):
        later = first_end[i + 1] if i + 1 < n else {}
        for name, j in found.items():
            if later.get(name, n) <= j:
                continue  # the window from the next token holds it: not minimal
            start, end = _trim(text, tokens[i][0], tokens[j][1], tokens[i][1], tokens[j][0],
                               name)
            spans.add((start, end, name))
    located = {name for _, _, name in spans}
    return _merge(sorted(spans)), sorted(wanted - located)


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Join overlapping spans of one indicator (the windows of a long obfuscated phone)."""
    last: dict[str, int] = {}  # name -> index in ``merged`` of its latest span
    merged: list[tuple[int, int, str]] = []
    for start, end, name in spans:
        k = last.get(name)
        if k is not None and start < merged[k][1]:
            merged[k] = (merged[k][0], max(end, merged[k][1]), name)
        else:
            last[name] = len(merged)
            merged.append((start, end, name))
    return sorted(merged)
