"""Generate ACLED-layout event files for tests: the 31 columns of an ACLED export, awkward Idlib rows, no real data.

ACLED's terms forbid redistributing their data, so every row here is made up,
deterministically from a seed: notes with commas, double quotes, line breaks and
Arabic text, ids like ``SYR12345``, ISO dates, whole fatalities, points around Idlib.

>>> import tempfile, csv
>>> path = write_acled_csv(Path(tempfile.mkdtemp()) / "e.csv", rows=3, seed=1)
>>> with path.open(encoding="utf-8", newline="") as f:
...     rows = list(csv.DictReader(f))
>>> len(rows), list(rows[0]) == list(COLUMNS), rows[0]["event_id_cnty"].startswith("SYR")
(3, True, True)
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip

_EVENTS = (
    ("Political violence", "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    ("Political violence", "Battles", "Armed clash"),
    ("Political violence", "Violence against civilians", "Attack"),
    ("Demonstrations", "Protests", "Peaceful protest"),
    ("Strategic developments", "Strategic developments", "Non-violent transfer of territory"),
)
_ACTORS = (
    "Military Forces of Syria (2000-2024)", "Hayat Tahrir al Sham", "Military Forces of Turkey (2016-)",
    "Military Forces of Russia (2000-)", "Civilians (Syria)", "Protesters (Syria)", "National Liberation Front",
)  # fmt: skip
_PLACES = (
    ("Saraqeb", "Idleb", "Idleb", "Saraqab"), ("Ariha", "Idleb", "Ariha", "Ariha"),
    ("Jisr al-Shughur", "Idleb", "Jisr-Ash-Shugur", "Jisr-Ash-Shugur"),
    ("Maarrat an Numan", "Idleb", "Al Ma'ra", "Maaret Tamsrin"),
    ("Kafr Nabl", "Idleb", "Al Ma'ra", "Kafr Nobol"), ("Sarmin", "Idleb", "Idleb", "Sarmin"),
)  # fmt: skip
_NOTES = (
    "On {d}, regime forces shelled the outskirts of {p}, Idleb. No casualties reported.",
    'On {d}, a drone struck a car near "{p}" junction on the M4, killing {f}.',
    'On {d}, clashes erupted near {p}; HTS said it "repelled" an advance.\nSources disagree on the toll ({f}).',
    "قصفت قوات النظام بلدة {p} في ريف إدلب، {d}.\nلا توجد إصابات.",
    'On {d}, protesters in {p} demanded the reopening of the M4 road, saying: "open, safe, now".',
    "On {d}, Turkish and Russian forces held a joint patrol, M4 (Tronba–Ain al-Hour), {p}.\r\nNo incident.",
)
_SOURCES = ("SOHR", "Syria Direct; SOHR", "Step News Agency", "Enab Baladi, Smart News Agency", "وكالة سمارت")


def acled_rows(rows: int, seed: int = 0) -> Iterator[dict[str, str]]:
    """Yield ``rows`` made-up events in ACLED's layout, the same ones for the same seed."""
    rng = random.Random(seed)
    for i in range(rows):
        disorder, event, sub = rng.choice(_EVENTS)
        place, admin1, admin2, admin3 = rng.choice(_PLACES)
        year = rng.randint(2019, 2024)
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        fatalities = rng.choice((0, 0, 0, 1, 2, 3, 7, 12))
        notes = rng.choice(_NOTES).format(d=date, p=place, f=fatalities)
        yield {
            "event_id_cnty": f"SYR{10000 + i}", "event_date": date, "year": str(year),
            "time_precision": str(rng.choice((1, 1, 2, 3))), "disorder_type": disorder, "event_type": event,
            "sub_event_type": sub, "actor1": rng.choice(_ACTORS),
            "assoc_actor_1": rng.choice(("", "", "Civilians (Syria)")),
            "inter1": str(rng.randint(1, 8)), "actor2": rng.choice(("", *_ACTORS)), "assoc_actor_2": "",
            "inter2": str(rng.randint(0, 8)), "interaction": str(rng.randint(10, 88)),
            "civilian_targeting": rng.choice(("", "Civilian targeting")), "iso": "760", "region": "Middle East",
            "country": "Syria", "admin1": admin1, "admin2": admin2, "admin3": admin3, "location": place,
            "latitude": f"{rng.uniform(35.5, 36.2):.4f}", "longitude": f"{rng.uniform(36.0, 37.0):.4f}",
            "geo_precision": str(rng.choice((1, 2, 3))), "source": rng.choice(_SOURCES),
            "source_scale": rng.choice(("Local partner-Other", "National", "Other-New media")), "notes": notes,
            "fatalities": str(fatalities), "tags": rng.choice(("", "crowd size=no report", "women targeted: girls")),
            "timestamp": str(1_600_000_000 + rng.randint(0, 100_000_000)),
        }  # fmt: skip


def write_acled_csv(
    path: Path, rows: int, *, seed: int = 0, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False,
    crlf: bool = False,
) -> Path:  # fmt: skip
    """Write ``rows`` made-up events to ``path`` as an ACLED-layout CSV (RFC 4180 quoting) and return the path.

    ``bom`` writes a byte-order mark (``utf-8-sig``, as Excel does), ``crlf`` ends records with
    CRLF; line breaks inside notes stay as generated. For an encoding that cannot hold some text
    (Arabic in Latin-1) the character is written as ``?``.
    """
    with open(path, "w", encoding="utf-8-sig" if bom else encoding, errors="replace", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
        writer.writeheader()
        writer.writerows(acled_rows(rows, seed))
    return path
