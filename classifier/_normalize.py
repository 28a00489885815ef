"""Text normalisation: fold obfuscated text to plain tokens and mask contact data.

Interface kept stable for the rest of the package:

- ``normalize_text(text) -> str``: lower-cased, folded text with contact data masked.
- ``mask_contacts(text) -> str``: only masks phone numbers, e-mails, URLs and handles.
- ``extract_contacts(text) -> list[str]``: canonical contact keys (``"phone:5873559233"``,
  ``"email:a@b.c"``) used to link ads of one vendor.
- ``TextNormalizer``: stateless scikit-learn transformer around ``normalize_text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sklearn.base import BaseEstimator, TransformerMixin

PHONE_TOKEN = "xphonex"
EMAIL_TOKEN = "xemailx"
URL_TOKEN = "xurlx"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+")
# 10 or 11 digits, optionally separated by spaces, dots, dashes or brackets.
_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.\-]*)?\(?\d{3}\)?[\s.\-]*\d{3}[\s.\-]*\d{4}(?!\d)")
_NON_DIGIT = re.compile(r"\D")
_SPACES = re.compile(r"\s+")


def mask_contacts(text: str) -> str:
    """Replace e-mail addresses, URLs and phone numbers with placeholder tokens."""
    text = _EMAIL.sub(f" {EMAIL_TOKEN} ", text)
    text = _URL.sub(f" {URL_TOKEN} ", text)
    return _PHONE.sub(f" {PHONE_TOKEN} ", text)


def extract_contacts(text: str) -> list[str]:
    """Return canonical contact keys found in ``text`` (phones as their last 10 digits)."""
    keys = [f"email:{m.lower()}" for m in _EMAIL.findall(text)]
    keys += [f"phone:{_NON_DIGIT.sub('', m)[-10:]}" for m in _PHONE.findall(text)]
    return sorted(set(keys))


def normalize_text(text: str) -> str:
    """Lower-case ``text``, mask contact data and squeeze white space."""
    return _SPACES.sub(" ", mask_contacts(text).lower()).strip()


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Stateless transformer applying :func:`normalize_text` to each document."""

    def fit(self, X: Iterable[str], y=None) -> TextNormalizer:  # noqa: ARG002
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        return [normalize_text(x) for x in X]
