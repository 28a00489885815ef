"""The text a reviewer sees: contacts masked, highlights moved onto it, offsets for JavaScript.

:func:`classifier.mask_contacts` replaces each contact by a placeholder token and keeps every
other character (adding a blank where a token would touch a word). The original text is
aligned to the masked one piece by piece, so that highlight offsets found in the original can
be carried over: a highlight touching a contact covers the whole placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import classifier

# The placeholder tokens of mask_contacts, longest first (xphoneobfx before xphonex).
_TOKENS = re.compile(r"xphoneobfx|xphonex|xemailx|xurlx|xhandlex")
#: What each placeholder hides, in words (shown in place of the token).
CONTACT_KINDS = {"xphonex": "phone", "xphoneobfx": "phone", "xemailx": "e-mail",
                 "xurlx": "link", "xhandlex": "handle"}


@dataclass(frozen=True)
class Shown:
    """An ad's text as shown, with highlight and contact spans in UTF-16 code units."""

    text: str
    marks: list[tuple[int, int, str]]
    contacts: list[tuple[int, int, str]]


def _pieces(original: str, masked: str) -> list[tuple[int, int, int, int, bool]] | None:
    """Align ``original`` with ``masked``: (orig start, orig end, masked start, masked end,
    is contact) pieces covering both texts, or None when they do not align."""
    pieces = []
    pos = mpos = 0  # next unaligned position in original and masked
    tokens = list(_TOKENS.finditer(masked))
    for k, token in enumerate([*tokens, None]):
        seg_end = token.start() if token else len(masked)
        seg = masked[mpos:seg_end]
        if k > 0 and seg.startswith(" ") and not original.startswith(" ", pos):
            seg, mpos = seg[1:], mpos + 1  # a blank mask_contacts added after a token
        if token is None:
            start = len(original) - len(seg)  # the last piece ends the text
            if start < pos or original[start:] != seg:
                return None
        else:
            if seg.endswith(" ") and not original.startswith(seg, pos):
                seg = seg[:-1]  # a blank added before the token
            start = original.find(seg, pos) if k > 0 else 0
            if start < 0 or original[start:start + len(seg)] != seg:
                return None
        if k > 0:  # the contact between the previous token and this piece
            prev = tokens[k - 1]
            pieces.append((pos, start, prev.start(), prev.end(), True))
        pieces.append((start, start + len(seg), mpos, mpos + len(seg), False))
        pos = start + len(seg)
        if token is not None:
            mpos = token.end()
    return pieces


def _mapper(pieces: list[tuple[int, int, int, int, bool]]):
    def move(x: int, is_end: bool) -> int:
        for o_start, o_end, m_start, m_end, contact in pieces:
            inside = o_start < x <= o_end if is_end else o_start <= x < o_end
            if inside or (x == o_end == o_start):
                if contact:
                    return m_end if is_end else m_start
                return m_start + (x - o_start)
        return pieces[-1][3]

    return move


def _utf16(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Python string offsets -> JavaScript (UTF-16) offsets: astral characters count two."""
    if text.isascii() or all(ord(c) < 0x10000 for c in text):
        return spans
    units = [0]
    for c in text:
        units.append(units[-1] + (2 if ord(c) >= 0x10000 else 1))
    return [(units[a], units[b], name) for a, b, name in spans]


def shown_text(original: str, marks: list[tuple[int, int, str]], show_contacts: bool) -> Shown:
    """The text to show and its highlight spans, contacts masked unless ``show_contacts``."""
    if show_contacts:
        return Shown(original, _utf16(original, marks), [])
    masked = classifier.mask_contacts(original)
    if masked == original:
        return Shown(original, _utf16(original, marks), [])
    pieces = _pieces(original, masked)
    if pieces is None:  # cannot place the highlights: show the masked text without them
        moved: list[tuple[int, int, str]] = []
        contacts = [(m.start(), m.end(), CONTACT_KINDS[m.group()])
                    for m in _TOKENS.finditer(masked)]
    else:
        move = _mapper(pieces)
        moved = [(move(a, False), move(b, True), name) for a, b, name in marks]
        moved = [(a, b, name) for a, b, name in moved if a < b]
        contacts = [(m_start, m_end, CONTACT_KINDS[masked[m_start:m_end]])
                    for _, _, m_start, m_end, contact in pieces if contact]
    return Shown(masked, _utf16(masked, sorted(moved)), _utf16(masked, contacts))
