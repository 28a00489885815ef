"""The review page in a real headless Chromium, opened from file:// (selenium).

Needs the Debian packages ``chromium`` and ``chromium-driver`` and ``selenium`` from PyPI;
skipped, with the reason, when they are missing.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import classifier
from classifier.cli import cli
from classifier.review import ReviewOptions, decisions_to_labels, write_review_page

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless Chromium not installed (apt-get install chromium chromium-driver)")

HOSTILE = (
    "New girls in town <script>window.PWNED = 1</script> call 587 555 0143",
    'Sweet y0ung g1rls <img src=x onerror="window.PWNED = 2"> ig @sweetie_x',
    "h0t n3w girls </script><script>window.PWNED = 3</script> 🌹🌹 five eight seven 555 "
    "zero one four three",
    "=HYPERLINK(\"http://x\") our girls are young, mail mia@example.com",
)


@pytest.fixture
def page(tmp_path, ads, saved_model_dir) -> Path:
    frame = ads[["ad_id", "text"]].copy()
    extra = pd.DataFrame({"ad_id": [f"x{i}" for i in range(len(HOSTILE))], "text": HOSTILE})
    frame = pd.concat([extra, frame], ignore_index=True)
    frame.to_csv(tmp_path / "ads.csv", index=False)
    out = tmp_path / "review.html"
    write_review_page(ReviewOptions(source=tmp_path / "ads.csv", output=out, id_col="ad_id",
                                    model_dir=saved_model_dir, include_all=True))
    return out


@pytest.fixture
def browser(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,1400"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()


def keys(driver, text: str) -> None:
    body = driver.find_element(By.TAG_NAME, "body")
    for key in text:
        body.send_keys(key)


def test_hostile_html_in_ads_runs_nothing_and_shows_as_text(page, browser):
    browser.get(page.as_uri())
    assert browser.execute_script("return document.body.dataset.ready") == "1"
    assert browser.execute_script("return window.PWNED") is None
    assert not browser.find_elements(By.CSS_SELECTOR, "#queue img, #queue script")
    texts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "[data-ad-id^=x] .text")]
    assert any("<script>window.PWNED = 1</script>" in t for t in texts)
    assert any('<img src=x onerror="window.PWNED = 2">' in t for t in texts)


def test_highlights_match_indicators_and_contacts_are_masked(page, browser, model):
    browser.get(page.as_uri())
    ads = browser.find_elements(By.CSS_SELECTOR, "[data-ad-id]")
    assert len(ads) > 10
    scored = classifier.score_frame(model, _frame(page), id_col="ad_id")
    fired = {str(i): set(filter(None, s.split(";")))
             for i, s in zip(scored["id"], scored["indicators"], strict=True)}
    checked = 0
    for ad in ads:
        marked = {m.get_attribute("data-indicator")
                  for m in ad.find_elements(By.CSS_SELECTOR, "mark[data-indicator]")}
        ad_id = ad.get_attribute("data-ad-id")
        assert marked <= fired[ad_id], ad_id
        checked += bool(marked)
        for mark in ad.find_elements(By.TAG_NAME, "mark"):
            assert "Source:" in mark.get_attribute("title")
    assert checked >= 10
    hostile = browser.find_element(By.CSS_SELECTOR, '[data-ad-id="x2"] .text')
    youth = hostile.find_elements(By.CSS_SELECTOR, 'mark[data-indicator="multi_provider"]')
    assert [m.text for m in youth] == ["girls"]
    body = browser.find_element(By.ID, "queue").text
    for contact in ("587 555 0143", "@sweetie_x", "mia@example.com", "five eight seven"):
        assert contact not in body
    assert "phone hidden" in body and "e-mail hidden" in body


def _frame(page: Path) -> pd.DataFrame:
    return pd.read_csv(page.parent / "ads.csv", dtype=str, keep_default_na=False)


def test_keyboard_decisions_survive_reload_and_export_trains(page, browser, ads, model,
                                                             tmp_path):
    browser.get(page.as_uri())
    keys(browser, "j1")           # first ad: suspicious, moves on to the second
    keys(browser, "2")            # second: not suspicious
    keys(browser, "3")            # third: unsure
    keys(browser, "k")            # back to the third
    keys(browser, "n")
    note = browser.switch_to.active_element
    note.send_keys("=SUM(A1) looks like a repost")
    note.send_keys("\t")          # change event stores the note
    first_ids = [e.get_attribute("data-ad-id")
                 for e in browser.find_elements(By.CSS_SELECTOR, "[data-ad-id]")[:3]]
    assert browser.find_element(By.ID, "progress").text.startswith("3 of ")
    browser.refresh()
    assert browser.find_element(By.ID, "progress").text.startswith("3 of ")
    pressed = browser.find_elements(By.CSS_SELECTOR, '[data-ad-id] button[aria-pressed="true"]')
    assert [b.get_attribute("data-decision") for b in pressed] == [
        "suspicious", "not suspicious", "unsure"]
    browser.find_element(By.CSS_SELECTOR, '[data-action="export"]').click()
    csv = _wait_for_file(browser.downloads)
    assert csv.read_text(encoding="utf-8").splitlines()[0] == (
        "id,text,decision,note,decided_at,score,model")
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert frame["id"].tolist() == first_ids
    assert frame["decision"].tolist() == ["suspicious", "not suspicious", "unsure"]
    assert frame["note"].tolist()[2] == "'=SUM(A1) looks like a repost"
    assert frame["text"].str.startswith(("=", "+", "-", "@")).sum() == 0
    assert not frame["text"].str.contains("0143").any()
    assert set(frame["model"]) == {model.model_id}

    # Decisions back in, as a team would: the public data and the export in one command.
    labeled, unsure = decisions_to_labels(frame)
    assert unsure == 1 and sorted(labeled["label"]) == [0, 1]
    public = tmp_path / "public.csv"
    ads[["text", "label"]].to_csv(public, index=False)
    out = tmp_path / "next"
    result = CliRunner().invoke(cli, ["train", "--data", str(public),
                                      "--data", f"{csv}?label=decision", "--folds", "3",
                                      "--bootstrap", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 marked unsure left out" in result.output
    retrained = classifier.load_model(out)
    assert retrained.manifest["training_data"]["n_used"] == len(ads) + 2
    card = (out / "MODEL_CARD.md").read_text()
    assert f"`{csv}`" in card and "2 used" in card


def _wait_for_file(folder: Path, seconds: float = 10) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = list(folder.glob("*.csv"))
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no CSV downloaded to {folder}")


def test_two_pages_keep_separate_decisions(page, browser, tmp_path, saved_model_dir):
    browser.get(page.as_uri())
    keys(browser, "j1")
    other = tmp_path / "other.csv"
    pd.DataFrame({"text": ["new girls in town tonight", "sweet young thing"]}).to_csv(
        other, index=False)
    second = tmp_path / "second.html"
    write_review_page(ReviewOptions(source=other, output=second, model_dir=saved_model_dir,
                                    include_all=True))
    browser.get(second.as_uri())
    assert browser.find_element(By.ID, "progress").text == "0 of 2 reviewed"
