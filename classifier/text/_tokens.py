"""Placeholder tokens that stand for contact data and emoji in normalised text."""

from __future__ import annotations

PHONE_TOKEN = "xphonex"
PHONE_OBF_TOKEN = "xphoneobfx"
EMAIL_TOKEN = "xemailx"
URL_TOKEN = "xurlx"
HANDLE_TOKEN = "xhandlex"
EMOJI_PREFIX = "emoji_"

# A span is (start, end, replacement, contact key or None).
_Span = tuple[int, int, str, "str | None"]
