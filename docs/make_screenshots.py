"""Make the README's pictures of the interactive map: the offline map in headless Chromium, on a desktop and a phone.

Run from the checkout, with the project's environment and Debian's ``chromium`` and ``chromium-driver``:

    python docs/make_screenshots.py                  # docs/map_desktop.png (1280x900), docs/map_phone.png (390x844)
    python docs/make_screenshots.py --out-dir /tmp   # the same two files elsewhere
    python docs/make_screenshots.py --chromium PATH --chromedriver PATH   # another browser

The map is the real offline map (``geo.maps.build_map(load_corridor(), offline=True)``), opened
with the browser's network switched off, on each screen as DevTools' device metrics set it (the
phone as a mobile device). Each PNG is written whole or not at all. A missing browser or output
folder is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
from pathlib import Path

from geo import load_corridor
from geo._io import write_bytes_atomic
from geo.maps import build_map, save_map

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: The pictures: file name, then width and height (CSS pixels) and whether the screen is a phone's.
SHOTS = {"map_desktop.png": (1280, 900, False), "map_phone.png": (390, 844, True)}
#: Upper bound of the wait for the page (a guard against hanging), seconds.
WAIT_S = 30


def _browser(chromium: Path, chromedriver: Path):  # type: ignore[no-untyped-def]
    """Headless Chromium driven by Selenium, with nothing downloaded (Selenium Manager kept offline)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,900"):
        options.add_argument(flag)
    os.environ["SE_OFFLINE"] = "true"
    return webdriver.Chrome(options=options, service=Service(str(chromedriver)))


def shoot(page: Path, out_dir: Path, chromium: Path = CHROMIUM, chromedriver: Path = CHROMEDRIVER) -> list[Path]:
    """Write a PNG of ``page`` (an offline map's HTML file) for each screen of :data:`SHOTS` into ``out_dir``.

    Parameters
    ----------
    page
        The map's HTML file.
    out_dir
        Existing folder for the PNGs.
    chromium, chromedriver
        The browser and its driver.

    Returns
    -------
    list of pathlib.Path
        The PNGs written.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _browser(chromium, chromedriver)
    written = []
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        for name, (width, height, phone) in SHOTS.items():
            metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": phone}
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            driver.get(page.as_uri())
            WebDriverWait(driver, WAIT_S).until(
                lambda d: d.execute_script(
                    "return document.readyState === 'complete' && !!document.querySelector('.idlib-timeline')"
                )
            )
            png = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"]
            written.append(write_bytes_atomic(out_dir / name, base64.b64decode(png)))
    finally:
        driver.quit()
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: build the offline map and write its pictures; 2 with one line on stderr on a usage error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent, help="folder for the PNGs")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM, help="the browser")
    parser.add_argument("--chromedriver", type=Path, default=CHROMEDRIVER, help="its Selenium driver")
    args = parser.parse_args(argv)
    for tool in (args.chromium, args.chromedriver):
        if not tool.is_file():
            print(f"make_screenshots: {tool} not found: install Debian's chromium and chromium-driver", file=sys.stderr)
            return 2
    if not args.out_dir.is_dir():
        print(f"make_screenshots: --out-dir {args.out_dir}: expected an existing folder", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        page = save_map(build_map(load_corridor(), offline=True), Path(tmp) / "map.html")
        for path in shoot(page, args.out_dir, args.chromium, args.chromedriver):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
