"""Review page at scale: file size and time-to-interactive of 10,000 ads in headless Chromium.

Usage: python benchmarks/bench_review.py [--ads 10000] [--model DIR] [--input ads.csv]

Invented ads (templates with reposts, obfuscated spellings and fictional 555 numbers), or the
first ``--ads`` rows of ``--input`` (e.g. from ``make_ads.py``: resampled real ads, whose
groups look like a real stream's), are written to a temporary CSV, turned into a page with
``classifier review --all``, and opened from file:// in headless Chromium (Debian
``chromium`` and ``chromium-driver``, ``selenium``).
Prints JSON: ads, build seconds, file MB, time-to-interactive (ms after navigation start,
when the first page is rendered and keys are handled) and the time of the first j keystroke.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from classifier.review import ReviewOptions, write_review_page

OPENINGS = ("New girls in town", "N E W  in town", "Sweet y0ung thing", "Independent lady",
            "ʏᴏᴜɴɢ and fresh", "Mature companion", "Our girls are waiting", "h0t n3w arrival")
MIDDLES = ("just arrived, here for a few days only", "relaxing massage in a quiet studio",
           "no rush, discreet, screening required", "petite and sweet, ask about specials",
           "cash only, no questions", "upscale experience for gentlemen", "🌹🌹 150 roses",
           "read my reviews before you book", "19yo, new to this", "my driver will bring me")


def invented(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` invented ads: about one template in three reposted several times."""
    rng = random.Random(seed)
    rows = []
    words = ["amber", "brooke", "cleo", "dana", "elle", "faye", "gina", "hana", "iris", "jade",
             "kira", "lena", "mona", "nina"]
    for template in range(n):
        if len(rows) >= n:
            break
        # Own words and an own fictional number per template, so that only reposts group.
        own = " ".join(rng.choice(words) + str(rng.randrange(100)) for _ in range(6))
        body = (f"{rng.choice(OPENINGS)}, {rng.choice(MIDDLES)}. {own}. {rng.choice(MIDDLES)}"
                f". Call ({200 + template % 700}) 555-01{template % 100:02d}")
        for _ in range(rng.choice((1, 1, 1, 2, 5))):
            rows.append({"id": f"ad{len(rows):05d}", "text": body,
                         "posted": f"2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)} 12:00"})
    return pd.DataFrame(rows[:n])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=10_000)
    parser.add_argument("--model", help="model directory (default: the default model)")
    parser.add_argument("--input", help="a CSV with a text column (default: invented ads)")
    args = parser.parse_args()
    from selenium import webdriver
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as tmp:
        source, page = Path(tmp) / "ads.csv", Path(tmp) / "review.html"
        if args.input:
            ads = pd.read_csv(args.input, nrows=args.ads, dtype=str, keep_default_na=False)
            ads = ads.assign(id=[f"ad{i:05d}" for i in range(len(ads))], posted="")
        else:
            ads = invented(args.ads)
        ads[["id", "text", "posted"]].to_csv(source, index=False)
        started = time.perf_counter()
        summary = write_review_page(ReviewOptions(source=source, output=page, id_col="id",
                                                  time_col="posted", model_dir=args.model,
                                                  include_all=True))
        build = time.perf_counter() - started
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or ""
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
            options.add_argument(arg)
        driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(
            executable_path=shutil.which("chromedriver")))
        try:
            runs = []
            for _ in range(3):
                driver.get(page.as_uri())
                ready = driver.execute_script("return window.reviewReadyMs")
                started = time.perf_counter()
                driver.find_element(By.TAG_NAME, "body").send_keys("j")
                driver.find_element(By.CSS_SELECTOR, ".ad.current")
                runs.append((ready, (time.perf_counter() - started) * 1000))
        finally:
            driver.quit()
    print(json.dumps({
        "ads": summary["queued"], "groups": summary["groups"], "build_seconds": round(build, 1),
        "file_mb": round(summary["bytes"] / 1e6, 2),
        "time_to_interactive_ms": [round(r) for r, _ in runs],
        "first_keystroke_ms": [round(k) for _, k in runs],
    }))


if __name__ == "__main__":
    main()
