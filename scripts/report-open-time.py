#!/usr/bin/env python3
"""Opens a `vmstrace report` page in headless Chromium and prints how long it took to load
(the browser's load event), to have every call decompressed and indexed (the page's
``data-ready``), and to filter the whole call list by a text (docs/performance.md).

    .venv/bin/python scripts/report-open-time.py build/report-1m.html [TEXT]
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def main() -> None:
    page = Path(sys.argv[1]).resolve()
    text = sys.argv[2] if len(sys.argv) > 2 else "/tmp/out"
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        t0 = time.monotonic()
        driver.get(page.as_uri())
        loaded = time.monotonic() - t0
        while not driver.execute_script("return document.body.dataset.ready"):
            time.sleep(0.02)
        ready = time.monotonic() - t0
        info = driver.find_element("id", "listinfo")
        calls = info.text
        t1 = time.monotonic()
        driver.find_element("id", "textf").send_keys(text)
        filtered = time.monotonic() - t1
        print(f"{page.name}: load event {loaded:.2f} s, calls ready {ready:.2f} s ({calls}); "
              f"text filter {text!r}: {filtered:.2f} s ({info.text})")  # fmt: skip
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
