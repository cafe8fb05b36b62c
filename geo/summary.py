"""Headline figures of the corridor model."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from ._html import table_html
from .geodesy import geodesic_area_km2, geodesic_length_m

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["CorridorSummary", "summarize"]


@dataclass(frozen=True)
class CorridorSummary:
    """Headline figures of a :class:`~geo.corridor.Corridor`.

    Lengths are geodesic on the WGS84 ellipsoid, in kilometres; the area is the
    geodesic area of the corridor polygon, in square kilometres.
    """

    m4_length_km: float
    patrol_length_km: float
    width_km: float
    corridor_area_km2: float
    posts: int
    posts_remaining: int
    places: int
    m4_source: str

    def as_dict(self) -> dict[str, float | int | str]:
        """Return the figures as a plain dict (for JSON)."""
        return asdict(self)

    def _rows(self) -> list[tuple[str, str]]:
        return [
            ("M4 highway (Latakia - Saraqib)", f"{self.m4_length_km:.1f} km"),
            ("Patrol segment (Trumba - Ain al-Havr)", f"{self.patrol_length_km:.1f} km"),
            ("Security corridor", f"{self.corridor_area_km2:.0f} km² ({self.width_km:g} km each side)"),
            ("Observation posts", f"{self.posts} ({self.posts_remaining} remained after 2020)"),
            ("Places", str(self.places)),
            ("M4 geometry", self.m4_source),
        ]

    def _repr_html_(self) -> str:
        """Return the figures as an HTML table, for notebooks."""
        return table_html("Idlib security corridor", self._rows())

    def __str__(self) -> str:
        """Return the figures as an aligned table of text."""
        return "\n".join(
            [
                f"M4 highway (Latakia - Saraqib)      {self.m4_length_km:8.1f} km",
                f"Patrol segment (Trumba - Ain al-Havr){self.patrol_length_km:8.1f} km",
                f"Security corridor                   {self.corridor_area_km2:8.0f} km²"
                f"  ({self.width_km:g} km each side of the patrol segment)",
                f"Observation posts                   {self.posts:8d}  ({self.posts_remaining} remained after 2020)",
                f"Places                              {self.places:8d}",
                f"M4 geometry: {self.m4_source}",
            ]
        )


def summarize(corridor: Corridor) -> CorridorSummary:
    """Compute the :class:`CorridorSummary` of a corridor."""
    return CorridorSummary(
        m4_length_km=round(geodesic_length_m(corridor.m4) / 1000, 3),
        patrol_length_km=round(geodesic_length_m(corridor.patrol_segment) / 1000, 3),
        width_km=corridor.width_km,
        corridor_area_km2=round(geodesic_area_km2(corridor.security_corridor), 2),
        posts=len(corridor.posts),
        posts_remaining=int((corridor.posts["fate"] == "remained").sum()),
        places=len(corridor.places),
        m4_source=corridor.m4_source,
    )
