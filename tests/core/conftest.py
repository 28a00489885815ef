"""The compiled core against the Python reference: fixtures shared by the tests of tests/core.

Every test here calls the Python path (``_core.CORE`` set to ``None``) and the compiled path on
the same texts and asserts identical results. Without the extension these tests are skipped,
except under CI (``CI`` set), where the extension must have been built.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from obfuscate import ALL_KINDS, NEW_KINDS, obfuscate

from classifier import _core

FUZZ_CORPUS = Path(__file__).parent.parent / "fuzz_corpus"

# Hand-picked texts that exercise the edge cases of every step.
TRICKY = (
    "", " ", "\n", "a", "\x00", "\ufeff", "\ud7ff", "🌹", "🌹🌹🌹", "Ⓜ️", "5️⃣", "👍🏽",
    "EXØTiC ƒяєαк 🌹🌹 s e x y, h0t & nineteen yo! 587-555-0143",
    "Ã°ÂŸÂŒÂ¹ new in town Ã©tÃ©", "caf\xe9 \xa0 it\u2019s",
    "call five 8 seven 5 five 5 zero one 4 three", "+44 20 7946 0958 or 020 7946 0958",
    "mia@example.com mia (at) gmail dot com www.example.com/x snap: mia_22",
    "s.e.x.y b_b_j 2 4 7 w h o's", "$exy h0tt!!!!! ....... yesss", "twenty one yo, 19yrs",
    "𝓗𝓸𝓽 𝕘𝕚𝕣𝕝 ＦＵＬＬ ｗｉｄｔｈ 🅂🅴🆇🆈", "3347910 334 7910 1-800-555-0199 (587) 555 0143",
)


@pytest.fixture(scope="session")
def core():
    """The compiled extension; skips (fails under CI) where it was not built."""
    if _core.CORE is None:
        if os.environ.get("CI") and not os.environ.get(_core.PURE_PYTHON_ENV):
            pytest.fail("the compiled core (classifier_core) is not installed: run `make core`")
        pytest.skip("the compiled core is not installed")
    return _core.CORE


@pytest.fixture
def python_path(monkeypatch):
    """A context in which the Python reference runs: ``with python_path(): ...``."""
    import contextlib

    @contextlib.contextmanager
    def switch():
        with monkeypatch.context() as m:
            m.setattr(_core, "CORE", None)
            yield

    return switch


def _chainbreaker() -> list[str]:
    try:
        import classifier

        return classifier.load_dataset("chainbreaker").text.fillna("").tolist()
    except Exception:  # no local copy (CLASSIFIER_DATA_DIR unset): the other texts remain
        return []


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    """Every ChainBreaker ad, obfuscated variants of the first 300, the fuzz corpus, TRICKY."""
    ads = _chainbreaker()
    texts = list(TRICKY) + ads
    for i, ad in enumerate(ads[:300]):
        texts.append(obfuscate(ad, seed=i, kinds=ALL_KINDS))
        texts.append(obfuscate(ad, seed=i, kinds=NEW_KINDS))
    for path in sorted(FUZZ_CORPUS.iterdir()):
        texts += path.read_bytes().decode("utf-8", "replace").splitlines()
    return texts
