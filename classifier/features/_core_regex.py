"""Python ``re`` patterns translated for the compiled core (``classifier_core.indicators``).

The compiled core runs on ASCII text only (other texts take the Python path), so every
character class becomes a set of ASCII bytes. Translation works on Python's own parse tree
(``re._parser``), so that what is translated is what Python compiles. Two targets:

- a *program*: nested tuples that the core's small backtracking matcher runs with the exact
  semantics of Python's engine (alternatives in order, greedy and lazy repeats, look-arounds);
  it checks, at one position, the few indicator entries whose look-arounds the scanner drops;
- *regex-crate syntax* (byte mode, ASCII classes) without look-arounds: a superset of the
  pattern's matches, for the scanner, or, for rule files (where only whether a rule matches
  counts), the exact pattern with ``(?<!\\w)`` and ``(?!\\w)`` written as half word boundaries.

Anything else (anchors, back-references, flags, possessive repeats, repeats of something that
can match the empty string) raises :class:`Untranslatable`, and the caller keeps the Python
path for that whole lexicon or rule file.
"""

from __future__ import annotations

import functools
import re
from re import _constants as C  # noqa: N812
from re import _parser

__all__ = ["Untranslatable", "program", "rule_regex", "superset_regex"]


class Untranslatable(ValueError):
    """A pattern the compiled core cannot reproduce exactly."""


_ASCII = frozenset(range(128))
_DIGIT = frozenset(range(48, 58))
_WORD = _DIGIT | frozenset(range(65, 91)) | frozenset(range(97, 123)) | {95}
# \s of re.ASCII; Python's Unicode \s adds \x1c-\x1f (str.isspace).
_SPACE_ASCII = frozenset((9, 10, 11, 12, 13, 32))
_SPACE_UNICODE = _SPACE_ASCII | frozenset(range(28, 32))


def _category(code, unicode_space: bool) -> frozenset[int]:
    space = _SPACE_UNICODE if unicode_space else _SPACE_ASCII
    table = {
        C.CATEGORY_DIGIT: _DIGIT,
        C.CATEGORY_NOT_DIGIT: _ASCII - _DIGIT,
        C.CATEGORY_SPACE: space,
        C.CATEGORY_NOT_SPACE: _ASCII - space,
        C.CATEGORY_WORD: _WORD,
        C.CATEGORY_NOT_WORD: _ASCII - _WORD,
    }
    if code not in table:
        raise Untranslatable(f"character category {code}")
    return table[code]


def _class(items, unicode_space: bool) -> frozenset[int]:
    chars: set[int] = set()
    negate = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            chars.add(av)
        elif op is C.RANGE:
            chars.update(range(av[0], min(av[1], 127) + 1))
        elif op is C.CATEGORY:
            chars |= _category(av, unicode_space)
        else:
            raise Untranslatable(f"class item {op}")
    chars &= _ASCII
    return frozenset(_ASCII - chars if negate else chars)


def _parse(pattern: str):
    try:
        tree = _parser.parse(pattern, 0)
    except re.error as exc:
        raise Untranslatable(str(exc)) from exc
    if tree.state.flags & ~re.UNICODE:
        raise Untranslatable("inline flags")
    return tree


# Program nodes: ("set", bytes of 16: a 128-bit set), ("seq", [nodes]), ("alt", [nodes]),
# ("rep", min, max or -1, greedy, node), ("look", behind, negative, width, node).
def _set(chars: frozenset[int]) -> tuple:
    bits = 0
    for c in chars:
        bits |= 1 << c
    return ("set", bits.to_bytes(16, "little"))


def _program(items, unicode_space: bool) -> tuple:
    nodes = []
    for op, av in items:
        if op is C.LITERAL:
            nodes.append(_set(frozenset((av,)) & _ASCII))
        elif op is C.NOT_LITERAL:
            nodes.append(_set(_ASCII - {av}))
        elif op is C.ANY:
            nodes.append(_set(_ASCII - {10}))
        elif op is C.IN:
            nodes.append(_set(_class(av, unicode_space)))
        elif op is C.SUBPATTERN:
            group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                raise Untranslatable("scoped flags")
            nodes.append(_program(sub, unicode_space))
        elif op is C.BRANCH:
            nodes.append(("alt", [_program(sub, unicode_space) for sub in av[1]]))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, sub = av
            # Python stops repeating a body at an empty iteration; the core's engines differ
            # there, so such repeats are not translated.
            if sub.getwidth()[0] == 0:
                raise Untranslatable("a repeat of something that can be empty")
            top = -1 if high is C.MAXREPEAT else int(high)
            nodes.append(("rep", int(low), top, op is C.MAX_REPEAT,
                          _program(sub, unicode_space)))
        elif op in (C.ASSERT, C.ASSERT_NOT):
            direction, sub = av
            low, high = sub.getwidth()
            if direction < 0 and low != high:
                raise Untranslatable("variable-width look-behind")
            nodes.append(("look", direction < 0, op is C.ASSERT_NOT, int(low),
                          _program(sub, unicode_space)))
        else:
            raise Untranslatable(f"{op}")
    return ("seq", nodes)


def program(pattern: str) -> tuple:
    """The matcher program of an indicator pattern, with the classes of ``re.ASCII`` (those of
    the Python scanner for ASCII text)."""
    return _program(_parse(pattern), unicode_space=False)


@functools.lru_cache(maxsize=4096)  # lexicons repeat a few classes thousands of times
def _class_regex(data: bytes) -> str:
    bits = int.from_bytes(data, "little")
    chars = [c for c in range(128) if bits >> c & 1]
    if len(chars) == 1:
        return f"\\x{chars[0]:02x}"
    if not chars:
        return r"[^\x00-\xff]"  # matches nothing
    ranges = []
    start = prev = chars[0]
    for c in chars[1:] + [None]:
        if c is not None and c == prev + 1:
            prev = c
            continue
        ranges.append(f"\\x{start:02x}" if start == prev else f"\\x{start:02x}-\\x{prev:02x}")
        if c is not None:
            start = prev = c
    return "[" + "".join(ranges) + "]"


def _regex(node: tuple, look) -> str:
    kind = node[0]
    if kind == "set":
        return _class_regex(node[1])
    if kind == "seq":
        return "(?:" + "".join(_regex(n, look) for n in node[1]) + ")"
    if kind == "alt":
        return "(?:" + "|".join(_regex(n, look) for n in node[1]) + ")"
    if kind == "rep":
        _, low, high, greedy, body = node
        bound = f"{{{low},}}" if high < 0 else f"{{{low},{high}}}"
        return _regex(body, look) + bound + ("" if greedy else "?")
    if kind == "look":
        return look(node)
    raise AssertionError(kind)


def superset_regex(prog: tuple) -> str:
    """Regex-crate syntax of ``prog`` with every look-around dropped: a superset of its
    matches."""
    return _regex(prog, lambda node: "")


_WORD_SET = _set(_WORD)


def rule_regex(pattern: str) -> str:
    """Regex-crate syntax of a rule pattern (Python's Unicode classes, restricted to ASCII),
    exact for whether it matches ASCII text: ``(?<!\\w)`` and ``(?!\\w)`` become half word
    boundaries; other look-arounds are not translated."""

    def look(node: tuple) -> str:
        _, behind, negative, _, body = node
        if negative and body == ("seq", [_WORD_SET]):
            return r"\b{start-half}" if behind else r"\b{end-half}"
        raise Untranslatable("a look-around other than (?<!\\w) or (?!\\w)")

    return _regex(_program(_parse(pattern), unicode_space=True), look)
