"""Phone numbers of several countries, national and international, masked and linked.

Numbers are from ranges reserved for fiction or documentation where the country has one (UK
020 7946 0xxx, AU 02 5550 xxxx / 0491 570 xxx, North America 555-01xx); the others are the
standard examples of the numbering plans.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import classifier
from classifier.text._contacts import extract_contacts, mask_contacts
from classifier.text._normalize import normalize_and_extract, normalize_text
from classifier.text._tokens import PHONE_OBF_TOKEN, PHONE_TOKEN

# (country, national spelling, international spelling, key)
NUMBERS = [
    ("UK", "020 7946 0958", "+44 20 7946 0958", "phone:+442079460958"),
    ("UK mobile", "07911 123456", "+44 7911 123456", "phone:+447911123456"),
    ("AU", "02 5550 4321", "+61 2 5550 4321", "phone:+61255504321"),
    ("AU mobile", "0491 570 156", "+61 491 570 156", "phone:+61491570156"),
    ("FR", "01 23 45 67 89", "+33 1 23 45 67 89", "phone:+33123456789"),
    ("DE", "030 123456", "+49 30 123456", "phone:+4930123456"),
    ("MX", "55 1234 5678", "+52 55 1234 5678", "phone:+525512345678"),
]
DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def digits_of(number: str) -> str:
    return re.sub(r"\D", "", number)


@pytest.mark.parametrize(("country", "national", "international", "key"), NUMBERS)
def test_usual_spellings_give_one_key_per_number(country, national, international, key):
    for number in (national, international, "00" + international[1:]):
        ad = f"New in town, call {number} for incall"
        assert extract_contacts(ad) == [key], number
        assert normalize_text(ad) == f"new in town, call {PHONE_TOKEN} for incall", number
        assert mask_contacts(ad) == f"New in town, call {PHONE_TOKEN} for incall", number


@pytest.mark.parametrize(("country", "national", "international", "key"), NUMBERS)
def test_national_and_international_numbers_in_one_ad(country, national, international, key):
    ad = f"{national} / {international}, text only"
    assert normalize_and_extract(ad) == (f"{PHONE_TOKEN} / {PHONE_TOKEN}, text only", [key])


@pytest.mark.parametrize(("country", "national", "international", "key"), NUMBERS)
def test_obscured_spellings_are_masked(country, national, international, key):
    digits = digits_of(national)
    spellings = [
        " ".join(digits),  # spaced digits
        ".".join(digits),
        " ".join(DIGIT_NAMES[int(d)] for d in digits),  # digit words
        " ".join(DIGIT_NAMES[int(d)] if k % 2 else d for k, d in enumerate(digits)),  # mixed
        national.replace("0", "O").replace("1", "l"),  # letters for digits
    ]
    for spelling in spellings:
        text, keys = normalize_and_extract(f"call me {spelling} tonight")
        assert text in (f"call me {PHONE_OBF_TOKEN} tonight", f"call me {PHONE_TOKEN} tonight"), (
            spelling
        )
        assert not re.search(r"\d{3}", text), spelling
        # Without its grouping a number's country is a guess (FR and AU numbers both have
        # ten digits after a trunk "0"; Mexican ones read as North American): the key holds
        # its digits all the same.
        assert len(keys) == 1 and keys[0].endswith(digits.lstrip("0")), spelling


def test_north_american_keys_are_unchanged():
    for number in ("587-555-0143", "+1 587 555 0143", "(587) 555.0143", "1-587-555-0143"):
        assert extract_contacts(f"call {number}") == ["phone:5875550143"], number


@pytest.mark.parametrize(
    "text",
    [
        "no text apps 250-555-01431 on 1 rates",  # an 11-digit typo of a North American number
        "call 555 0143 2",
        "text 55501 43210",
    ],
)
def test_malformed_numbers_are_masked_without_a_key(text):
    out, keys = normalize_and_extract(text)
    assert not re.search(r"\d(?: ?\d){6,}", out)
    assert keys == []


@pytest.mark.parametrize(
    "text",
    ["$100 150 200 250", "150/30 200/60 300/hr", "36 24 36 5'6 130 lbs", "dates 12/25/2019"],
)
def test_prices_and_measurements_are_no_phones(text):
    assert normalize_text(text) == text.lower()


def test_mojibake_is_repaired_before_folding():
    assert normalize_text("Ã°ÂŸÂŒÂ¹ roses only") == "emoji_rose roses only"
    assert normalize_text("ðŸŒ¹ cafÃ© 587-555-0143") == f"emoji_rose cafe {PHONE_TOKEN}"
    assert mask_contacts("ðŸŒ¹ call 587-555-0143") == f"🌹 call {PHONE_TOKEN}"
    # Accented text that is no mojibake is left as it is.
    assert normalize_text("señorita ¡Hola! Ça va") == "senorita !hola! ca va"


def test_group_ads_links_two_spellings_of_one_number():
    filler = " ".join(f"word{k}" for k in range(40))
    texts = [
        f"sweet girl {filler} call 020 7946 0958",
        f"massage {' '.join(f'other{k}' for k in range(40))} call +44 20 7946 0958",
        f"another ad {' '.join(f'third{k}' for k in range(40))} call 02 5550 4321",
    ]
    groups = classifier.group_ads(texts)
    assert groups[0] == groups[1] != groups[2]
    assert np.unique(groups).size == 2
