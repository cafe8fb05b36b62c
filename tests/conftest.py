"""Shared fixtures: the shipped corridor, and a writable copy of the shipped data."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from support import require_tool

import geo
from geo.data import data_dir

#: Run by Debian's Python with QGIS (tests/test_export_qgis.py), not collected from the project's.
collect_ignore = ["qgis_view.py"]

# A test run started in the background of a non-interactive shell (``cmd &``, as a CI runner may
# start it) inherits SIGINT ignored, and so would every program the tests start, which then keep
# it ignored as the program must (``nohup``-like). The tests that press Ctrl-C need SIGINT as a
# terminal gives it: Python's own handler here, the default action in each child.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def corridor() -> geo.Corridor:
    """The corridor built from the shipped data (built once per test run)."""
    return geo.load_corridor()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data folder, for tests that corrupt a file."""
    dest = tmp_path / "data"
    dest.mkdir()
    src = data_dir()
    for item in src.iterdir():
        if item.name.endswith(".geojson"):
            (dest / item.name).write_bytes(item.read_bytes())
    return dest


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root folder."""
    return Path(__file__).resolve().parent.parent


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,900",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Headless Debian Chromium driven by Selenium, one session per test module.

    Both the browser and the driver are given by path, and Selenium Manager is told
    to stay offline, so nothing is ever downloaded. The browser and performance
    (DevTools network) logs are recorded. Skipped when Chromium is not installed
    (``bash run.sh test`` installs it).
    """
    for path in (CHROMIUM, CHROMEDRIVER):
        require_tool(str(path), "chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
        driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def artifacts_dir(repo_root: Path) -> Path:
    """Folder for test artifacts such as screenshots (``test-artifacts/``, ignored by git)."""
    path = repo_root / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
