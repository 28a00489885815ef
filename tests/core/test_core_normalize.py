"""The whole normaliser on a batch (``normalize_texts``): compiled core against the Python path."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.text._normalize import normalize_and_extract, normalize_text, normalize_texts


def test_batch_equals_the_python_normaliser_on_the_corpus(core, corpus, python_path):
    with python_path():
        expected = [normalize_text(t) for t in corpus]
        expected_contacts = [normalize_and_extract(t) for t in corpus]
    assert normalize_texts(corpus) == expected
    assert normalize_texts(corpus, contacts=True) == expected_contacts
    # Texts are done in Rust (mojibake too, repaired by ftfy): only lone surrogates are
    # declined, and ChainBreaker has none.
    done, declined = core.normalize_texts(corpus)
    assert [i for i, d in enumerate(done) if d is None] == declined
    assert len(declined) < len(corpus) * 0.01


def test_declined_and_odd_items_take_the_python_path(core):
    texts = ["caf\xc3\xa9 new in town", "lone \ud800 surrogate 587-555-0143", "", "ok"]
    done, declined = core.normalize_texts(texts)
    assert declined == [1] and done[1] is None  # the lone surrogate; the mojibake is repaired
    assert normalize_texts(texts) == [normalize_text(t) for t in texts]
    assert normalize_texts(iter(["A b"])) == ["a b"]


# python_path is a context manager entered per example, so sharing the fixture is safe.
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(
    list("ab e0158 .-@()+") + ["five", "nine", "dot", "com", "🌹", "𝓗", "Ø", "\xa0"]),
    max_size=40).map("".join), max_size=8))
def test_batch_equals_python_on_generated_texts(core, python_path, texts):
    with python_path():
        expected = [normalize_and_extract(t) for t in texts]
    assert normalize_texts(texts, contacts=True) == expected
