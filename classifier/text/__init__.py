"""Text: fold obfuscated ad text to plain tokens, mask and extract contacts, group reposts.

The normaliser is an ordered list of named steps (:data:`STEPS`), each in its own module:
``fold`` (Unicode look-alikes, emoji; :mod:`._fold`), ``contacts`` (phones, e-mails, URLs,
handles masked; :mod:`._contacts`) and the word rules (:mod:`._words`).

Names load on first use (see :mod:`lazy_loader`), so importing one costs only its module."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_contacts": ["extract_contacts", "mask_contacts"],
        "_grouping": [
            "DUP_THRESHOLD",
            "DedupOptions",
            "dedup_file",
            "duplicate_stats",
            "group_ads",
        ],
        "_normalize": ["STEPS", "normalize_and_extract", "normalize_text", "normalize_texts"],
        "_transformer": ["TextNormalizer"],
        "_tokens": [
            "EMAIL_TOKEN",
            "EMOJI_PREFIX",
            "HANDLE_TOKEN",
            "PHONE_OBF_TOKEN",
            "PHONE_TOKEN",
            "URL_TOKEN",
        ],
    },
)
