"""Review page without a browser: highlight offsets, masking, page safety, CLI errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import classifier
from classifier.cli import main
from classifier.review import ReviewOptions, build_review, decisions_to_labels, locate_indicators
from classifier.review._display import shown_text
from classifier.review._page import data_json, render_page


def spans_of(text: str) -> list[tuple[str, str]]:
    spans, _ = locate_indicators(text)
    return [(text[a:b], name) for a, b, name in spans]


@pytest.mark.parametrize(("text", "expected"), [
    ("Sweet h0t y0ung thing", ("y0ung", "youth")),                 # leetspeak
    ("N E W  G I R L S here tonight", ("G I R L S", "multi_provider")),  # spaced letters
    ("ʏᴏᴜɴɢ and ready", ("ʏᴏᴜɴɢ", "youth")),                       # look-alike letters
    ("roses 🌹🌹 for you", ("🌹🌹", "emoji_price")),
    ("our girls, ladies", ("girls", "multi_provider")),            # trailing comma trimmed
    ("sweet, nineteen yo", ("nineteen yo", "age_min_le_21")),      # number words
])
def test_spans_point_at_the_original_spelling(text, expected):
    assert expected in spans_of(text)


def test_every_fired_indicator_is_located_or_reported_missing():
    text = "New in town!! h0t y0ung g1rls, call 587 555 0143, 19yo, no cops"
    fired = classifier.find_indicators(classifier.normalize_text(text))
    spans, missing = locate_indicators(text)
    assert {name for _, _, name in spans} | set(missing) == set(fired)
    for start, end, name in spans:  # each span alone fires its indicator
        assert name in classifier.find_indicators(classifier.normalize_text(text[start:end]))


def test_nothing_to_locate_in_a_plain_ad():
    assert locate_indicators("Roommate wanted for a tidy two bedroom flat.") == ([], [])


def test_masked_text_keeps_highlights_on_the_contact_and_around_it():
    text = "young girls, call587 555 0143 or five eight seven 555 zero one four three now"
    spans, _ = locate_indicators(text)
    shown = shown_text(text, spans, show_contacts=False)
    assert "0143" not in shown.text and "five eight" not in shown.text
    marked = {(shown.text[a:b], name) for a, b, name in shown.marks}
    assert ("young", "youth") in marked
    # A plain number is no indicator (only an obscured one is); both are masked contacts.
    assert ("xphoneobfx", "phone_obfuscated") in marked
    assert not any(name == "phone" for _, name in marked)
    assert [kind for *_, kind in shown.contacts] == ["phone", "phone"]
    assert shown_text(text, spans, show_contacts=True).text == text


def test_offsets_count_utf16_units_after_emoji():
    text = "🌹🌹 young"
    spans, _ = locate_indicators(text)
    shown = shown_text(text, spans, show_contacts=False)
    units = text.encode("utf-16-le")
    found = {units[2 * a:2 * b].decode("utf-16-le"): name for a, b, name in shown.marks}
    assert found == {"🌹🌹": "emoji_price", "young": "youth"}


def test_embedded_json_cannot_close_its_script_element():
    data = {"text": "</script><script>alert(1)</script> <!-- & \u2028"}
    blob = data_json(data)
    assert "<" not in blob and ">" not in blob and "&" not in blob and "\u2028" not in blob
    assert json.loads(blob) == data


def test_page_is_self_contained(tmp_path, small_csv, saved_model_dir):
    data = build_review(ReviewOptions(source=small_csv, output=tmp_path / "r.html",
                                      model_dir=saved_model_dir, id_col="ad_id", include_all=True))
    page = render_page(data)
    assert "http://" not in page and "https://" not in page
    assert "src=" not in page.lower() and "<link" not in page.lower()
    assert "default-src 'none'" in page


def test_queue_order_and_limit(tmp_path, small_csv, saved_model_dir):
    base = {"source": small_csv, "output": tmp_path / "r.html", "model_dir": saved_model_dir,
            "id_col": "ad_id", "include_all": True}
    groups = build_review(ReviewOptions(**base))["groups"]
    tops = [max(a["score"] for a in g["ads"]) for g in groups]
    assert tops == sorted(tops, reverse=True) and sum(g["size"] for g in groups) == 48
    data = build_review(ReviewOptions(**base, order="uncertainty", limit=5))
    threshold = data["meta"]["threshold"]
    ads = [a for g in data["groups"] for a in g["ads"]]
    assert len(ads) == 5
    all_scores = [a["score"] for g in groups for a in g["ads"]]
    nearest = min(abs(s - threshold) for s in all_scores)
    assert abs(ads[0]["score"] - threshold) == pytest.approx(nearest, abs=1e-3)


def test_default_queue_is_flagged_and_near_threshold(tmp_path, small_csv, saved_model_dir):
    data = build_review(ReviewOptions(source=small_csv, output=tmp_path / "r.html",
                                      model_dir=saved_model_dir))
    ads = [a for g in data["groups"] for a in g["ads"]]
    assert {a["id"] for a in ads if a["flagged"]} and all(
        a["flagged"] or a["score"] < data["meta"]["threshold"] for a in ads)
    assert len(ads) < 48 and data["meta"]["flagged"] <= len(ads)


def test_decisions_to_labels_maps_and_counts_unsure():
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": ["t1", "t2", "t3", "t4"],
                          "decision": ["suspicious", "not suspicious", "unsure", "Suspicious"]})
    labeled, unsure = decisions_to_labels(frame)
    assert labeled["label"].tolist() == [1, 0, 1] and labeled["id"].tolist() == ["a", "b", "d"]
    assert unsure == 1
    with pytest.raises(classifier.DataError, match="'maybe' is not one of"):
        decisions_to_labels(frame.assign(decision=["maybe", "unsure", "unsure", "unsure"]))


@pytest.mark.parametrize(("make", "args", "message"), [
    (lambda d: d / "none.csv", [], "no such file"),
    (lambda d: d / "ads.csv", ["--text-col", "body_text"], "missing column(s) body_text"),
    (lambda d: d / "ads.csv", ["--time-col", "when"], "missing column(s) when"),
    (lambda d: d / "ads.xlsx", [], "unknown file type"),
])
def test_bad_input_gives_one_line_and_writes_nothing(tmp_path, capsys, saved_model_dir, make,
                                                     args, message):
    (tmp_path / "ads.csv").write_text("text\nnew girls in town\n")
    (tmp_path / "ads.xlsx").write_text("x")
    out = tmp_path / "review.html"
    with pytest.raises(SystemExit) as exit_info:
        main(["review", str(make(tmp_path)), "--model", str(saved_model_dir), *args,
              "-o", str(out)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ads.csv", "ads.xlsx"]


def test_malformed_lines_are_skipped_like_score(tmp_path, capsys, saved_model_dir):
    src = tmp_path / "ads.csv"
    src.write_text('id,text\n1,"new girls in town"\n2,"a","b","c"\n3,"sweet young"\n')
    out = tmp_path / "review.html"
    with pytest.raises(SystemExit) as exit_info:
        main(["review", str(src), "--model", str(saved_model_dir), "--all", "-o", str(out)])
    assert exit_info.value.code == 3
    assert "line 3:" in capsys.readouterr().err
    assert out.is_file()
    with pytest.raises(SystemExit) as exit_info:
        main(["review", str(src), "--model", str(saved_model_dir), "--on-error", "fail",
              "-o", str(tmp_path / "other.html")])
    assert exit_info.value.code == 1 and not (tmp_path / "other.html").exists()
