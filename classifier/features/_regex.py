"""Regex helpers for the indicator scanner: expanding patterns into literal prefixes and a trie."""

from __future__ import annotations

import functools
import re

# --------------------------------------------------------------------------- compiling
#
# One plain alternation of the lexicon's ~600 patterns costs ~450 us per ad: at every word
# start the regex engine tries them all. Instead:
# - patterns are rewritten as alternatives with long literal prefixes (_expand), and these
#   prefixes are merged into a trie ("g(?:irls|uys)|s(?:he|pa)"); the engine rejects a branch
#   in one step when its first character does not match;
# - the scanner starts by consuming one separator from an explicit character class, which the
#   engine skips to with a bitmap test (3x faster than \W or a look-behind); the text gets a
#   leading space so that the first word is a candidate too. (So a pattern starting with a
#   separator, like "/hr", is missed right after a match ending with one, like "160 $": a
#   count, never a whole indicator, in 3 of the 2,677 ChainBreaker ads);
# - the scanner has no capture groups (each match would cost time in proportion to their
#   number); matched strings are named once by small per-character regexes, then from a cache;
# - ads are joined into batches, one findall per batch, with the bookkeeping done in numpy.
# What is left is about 100 attempts per 500-character ad, each a class test and ~20 root
# branch tests, plus the branches below for words that start like a pattern.

_QUANTIFIER_START = "?*+{"
# Escapes that stand for one literal character; other escapes (\w, \b, \1 ...) do not.
_LITERAL_ESCAPE = re.compile(r"\\[^A-Za-z0-9]")
_MAX_EXPANSION = 256
# Common first letters of English words get a branch each at the root of the trie; the other
# first characters share one (see _trie_regex). Each root branch costs a test per word.
_ROOT_ATOMS = frozenset("abcdefghilmnoprstwy")
_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")
# A greedy "?" (not "??" or "?+"), and one optional literal character.
_GREEDY_OPTIONAL = re.compile(r"\?(?![?+])")
_OPTIONAL_ATOM = re.compile(r"(\\[^A-Za-z0-9]|[^\\.^$\[(){|?*+])\?(?![?+])")


def _group_end(pattern: str, start: int) -> int:
    """Index just past the group opening at ``pattern[start]``."""
    depth = 0
    i = start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced parenthesis in {pattern!r}")


def _class_end(pattern: str, start: int) -> int:
    """Index just past the character class opening at ``pattern[start]``."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":  # a leading "]" is literal
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i + 1
        i += 1
    raise ValueError(f"unbalanced bracket in {pattern!r}")


def _split_alternatives(pattern: str) -> list[str]:
    """Split ``pattern`` at its top-level ``|``."""
    parts = []
    depth = 0
    last = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[last:i])
            last = i + 1
        i += 1
    parts.append(pattern[last:])
    return parts


def _prefix_atoms(pattern: str) -> tuple[list[str], str]:
    r"""Split ``pattern`` into leading single-character atoms and the rest.

    The atoms (escaped literal characters, or ``\d``) become trie keys. A greedy ``x+`` gives
    the atom ``x`` and leaves ``x*``, so that the branch can still be rejected in one step.
    """
    atoms: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith(r"\d", i):
            atom, end = r"\d", i + 2
        elif _LITERAL_ESCAPE.match(pattern, i):
            atom, end = re.escape(pattern[i + 1]), i + 2
        elif pattern[i] in "\\.^$[(){|":
            break
        else:
            atom, end = re.escape(pattern[i]), i + 1
        quantifier = pattern[end : end + 1]
        if quantifier == "+" and pattern[end + 1 : end + 2] not in ("?", "+"):
            atoms.append(atom)
            return atoms, f"{atom}*{pattern[end + 1 :]}"
        if quantifier and quantifier in _QUANTIFIER_START:
            break
        atoms.append(atom)
        i = end
    return atoms, pattern[i:]


def _expand(pattern: str) -> list[tuple[list[str], str]]:
    """Rewrite ``pattern`` as alternatives with long literal prefixes, as ``(atoms, rest)``.

    Top-level ``|`` are split; a group, an optional character or a small character class after
    the literal prefix is distributed (``no (?:bb|cim)`` -> ``no bb``, ``no cim``; ``snap ?chat``
    -> ``snap chat``, ``snapchat``); a leading look-behind moves after the literal prefix
    (``(?<!no )bb`` -> ``bb(?<!no bb)``), where it is tested only once the prefix matched. Each
    rewrite keeps the order in which the engine tries alternatives, so matches are unchanged.
    An alternative that would expand to more than _MAX_EXPANSION pieces is kept whole.
    """
    expanded = []
    for alternative in _split_alternatives(pattern):
        budget = [_MAX_EXPANSION]
        try:
            expanded += _expand_alternative([], alternative, budget)
        except _TooMany:
            expanded.append(_prefix_atoms(alternative))
    return expanded


class _TooMany(Exception):
    pass


def _expand_alternative(
    atoms: list[str], pattern: str, budget: list[int]
) -> list[tuple[list[str], str]]:
    # ``pattern`` follows the literal ``atoms`` and has no top-level "|".
    if not atoms and pattern.startswith(("(?<!", "(?<=")):
        end = _group_end(pattern, 0)
        head, body, rest = pattern[:4], pattern[4 : end - 1], pattern[end:]
        if rest[:1] and rest[0] in _QUANTIFIER_START:
            return [([], pattern)]
        moved = []
        for more, remainder in _expand_alternative([], rest, budget):
            prefix = "".join(more)
            look = f"{head}(?:{body}){prefix})" if more else pattern[:end]
            moved.append((more, look + remainder))
        return moved
    more, rest = _prefix_atoms(pattern)
    atoms = atoms + more
    if rest.startswith("(?:"):
        end = _group_end(rest, 0)
        inner, after = _split_alternatives(rest[3 : end - 1]), rest[end:]
        if not (after[:1] and after[0] in _QUANTIFIER_START):
            variants = [x + after for x in inner]
        elif _GREEDY_OPTIONAL.match(after):
            variants = [x + after[1:] for x in inner] + [after[1:]]
        else:
            variants = None
    elif optional := _OPTIONAL_ATOM.match(rest):
        after = rest[optional.end() :]
        variants = [optional.group(1) + after, after]
    elif rest.startswith("[") and (chars := _class_chars(rest)) is not None:
        after = rest[_class_end(rest, 0) :]
        if not (after[:1] and after[0] in _QUANTIFIER_START):
            variants = [re.escape(c) + after for c in chars]
        elif _GREEDY_OPTIONAL.match(after):
            variants = [re.escape(c) + after[1:] for c in chars] + [after[1:]]
        else:
            variants = None
    else:
        variants = None
    if variants is None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooMany
        return [(atoms, rest)]
    return [x for variant in variants for x in _expand_alternative(atoms, variant, budget)]


def _class_chars(pattern: str) -> list[str] | None:
    """The characters of a small class of literals at the start of ``pattern`` ("[ao]",
    "[:=-]"), or None for anything else (ranges, negation, \\d, ...)."""
    body = pattern[1 : _class_end(pattern, 0) - 1]
    chars: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            if i + 1 >= len(body) or body[i + 1].isalnum():
                return None
            chars.append(body[i + 1])
            i += 2
        elif body[i] == "^" and i == 0 or body[i] == "-" and 0 < i < len(body) - 1:
            return None
        else:
            chars.append(body[i])
            i += 1
    return list(dict.fromkeys(chars)) if 0 < len(chars) <= 6 else None


def _capped(pattern: str, expanded: list[str]) -> list[str]:
    return expanded if len(expanded) <= _MAX_EXPANSION else [pattern]


def _strip_lookarounds(pattern: str) -> str:
    """Drop every look-ahead and look-behind: the rest matches a superset of the spans."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith(_LOOKAROUNDS, i):
            i = _group_end(pattern, i)
            continue
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern[i] == "[":
            end = _class_end(pattern, i)
            out.append(pattern[i:end])
            i = end
            continue
        out.append(pattern[i])
        i += 1
    return "".join(out)


def _trie_regex(
    entries: list[tuple[list[str], str, str | None]], root_atoms: frozenset[str] | None = None
) -> tuple[str, list[int]]:
    """Alternation of ``(prefix atoms, rest, group name or None)`` with shared prefixes merged.

    Returns the regex and the order in which it tries the entries (indices into ``entries``).
    Entries that share a first atom are tried together, at the place of the first of them.
    With ``root_atoms``, entries whose first atom is not in it share one branch that starts with
    a character class (the rest of the trie is merged, and each entry checks its own first atom
    with a look-behind): a word start then costs one test for all of them.
    """
    branches: dict[str, list[int]] = {}
    for index, (atoms, _, _) in enumerate(entries):
        if not atoms:
            key = f"\0{index}"  # a terminal is a branch of its own; "\0" starts no atom
        elif root_atoms is None or atoms[0] in root_atoms:
            key = atoms[0]
        else:
            key = "\1"
        branches.setdefault(key, []).append(index)
    parts = []
    order = []
    for key, indices in branches.items():
        if key.startswith("\0"):
            _, rest, group = entries[indices[0]]
            marker = f"(?P<{group}>)" if group else ""
            parts.append(f"(?:{rest}){marker}" if rest else marker)
            order += indices
            continue
        if key == "\1":
            heads = dict.fromkeys(entries[i][0][0] for i in indices)
            head = "[" + "".join(heads) + "]"
            children = [
                (atoms[1:], f"(?<={''.join(atoms)}){rest}", group)
                for atoms, rest, group in (entries[i] for i in indices)
            ]
        else:
            head = key
            children = [(entries[i][0][1:], entries[i][1], entries[i][2]) for i in indices]
        inner, inner_order = _trie_regex(children)
        parts.append(head + (f"(?:{inner})" if len(children) > 1 else inner))
        order += [indices[i] for i in inner_order]
    return "|".join(parts), order


_ASCII_NON_WORD = r"[\x00-/:-@\[-^`{-\x7f]"


@functools.cache
def _non_word_class() -> str:
    r"""A character class equal to ``\W`` on the BMP, plus every astral-plane character.

    Astral word characters (fancy mathematical letters) count as separators: normalize_text
    folds them to ASCII, and an exact astral class would slow every test down.
    """
    ranges = []
    start = None
    for code in range(0x10001):
        non_word = code < 0x10000 and not (chr(code).isalnum() or code == 0x5F)
        if non_word and start is None:
            start = code
        elif not non_word and start is not None:
            end = code - 1
            ranges.append(f"\\U{start:08x}-\\U{end:08x}" if end > start else f"\\U{start:08x}")
            start = None
    return "[" + "".join(ranges) + "\\U00010000-\\U0010ffff]"


