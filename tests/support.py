"""Shared test support: the map's expected layers and a headless-browser page loader.

Imported by the tests as ``support`` (pytest puts ``tests/`` on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

#: Set by ``bash run.sh test``: the outside tools the tests ask (Chromium, node, GDAL) must be there.
REQUIRE_TOOLS = os.environ.get("IDLIB_TEST_TOOLS") == "required"


def require_tool(command: str, package: str) -> str:
    """Return the path of ``command``; without it, skip the test, or fail it under ``bash run.sh test``.

    A reader such as ``ogrinfo`` is the independent check of an output: where the test
    command installs it, a missing one must not pass by skipping.
    """
    found = shutil.which(command)
    if found is None:
        message = f"{command} is not installed (Debian package {package}; bash run.sh test installs it)"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    return found


#: Upper bound of any wait for the page (a guard against hanging, not a timing test), seconds.
WAIT_S = 20

OVERLAYS = [
    "Turkey-Syria border",
    "Governorate boundaries",
    "Coastline",
    "Security corridor, north half (Turkey patrols)",
    "Security corridor, south half (Russia patrols)",
    "M4 highway",
    "Joint-patrol segment (Trumba - Ain al-Havr)",
    "Kilometre ticks (every 10 km from Trumba)",
    "Places",
    "Observation posts, remained (4)",
    "Observation posts, evacuated 2020-21 (8)",
    "Observation posts on the slider's day",
    "Events up to the slider's day",
]
#: The layers of the posts' final status, and the time slider's layers that take their place.
FINAL_POSTS = ["Observation posts, remained (4)", "Observation posts, evacuated 2020-21 (8)"]
TIME_LAYERS = ["Observation posts on the slider's day", "Events up to the slider's day"]


def requests_beyond(page_uri: str, events: list[dict]) -> list[str]:
    """The URLs a page at ``page_uri`` asked for, of any scheme (``http:``, ``file:``...), but its own.

    ``events`` are DevTools network events. Left out: the page's own URL (``page_uri``),
    ``data:`` URIs (bytes inline in the page, nothing is fetched) and what the browser's own
    new-tab page (``chrome://new-tab-page...``, opening at start-up) asks for. A ``file:`` URL other
    than the page's is counted: a relative URL such as ``x.png`` in an offline file is one.
    """
    return [
        e["params"]["request"]["url"]
        for e in events
        if e["method"] == "Network.requestWillBeSent"
        and not e["params"].get("documentURL", "").startswith("chrome://new-tab-page")
        and e["params"]["request"]["url"] != page_uri
        and not e["params"]["request"]["url"].startswith("data:")
    ]


@dataclass
class Page:
    """A page as loaded: its file, the DevTools network events and the console messages."""

    path: Path
    network: list[dict]
    console: list[dict]

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.network if e["method"] == "Network.requestWillBeSent"]

    def requests_beyond_the_page(self) -> list[str]:
        """Every URL the page asked for but its own and ``data:`` URIs (:func:`requests_beyond`)."""
        return requests_beyond(self.path.as_uri(), self.network)

    def failed_requests(self) -> list[str]:
        failed = {e["params"]["requestId"] for e in self.network if e["method"] == "Network.loadingFailed"}
        return [
            e["params"]["request"]["url"]
            for e in self.network
            if e["method"] == "Network.requestWillBeSent" and e["params"]["requestId"] in failed
        ]

    def errors(self) -> list[str]:
        return [e["message"] for e in self.console if e["level"] == "SEVERE"]


def wait(driver) -> WebDriverWait:
    """A wait for a condition on the page, polled every 50 ms, for at most WAIT_S."""
    return WebDriverWait(driver, WAIT_S, poll_frequency=0.05)


def open_offline(driver, path: Path) -> Page:
    """Load ``path`` with the network off and return what it requested and logged."""
    driver.get_log("performance")  # drop what earlier pages logged
    driver.get_log("browser")
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    driver.get(path.as_uri())
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
    events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    return Page(path, [e for e in events if e["method"].startswith("Network.")], driver.get_log("browser"))
