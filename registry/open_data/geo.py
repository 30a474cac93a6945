"""GeoJSON layers of the snapshot: none yet.

The registry stores a code's optional point (latitude, longitude: in ``area_codes``) but no
boundaries. When boundaries exist, a layer is added to ``layers()``: the snapshot then writes
``data/<name>.geojson`` (a FeatureCollection, streamed feature by feature) and lists it in the
datapackage.json as a GeoJSON resource with its hash, with nothing else to change.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    name: str  # file data/<name>.geojson and the resource's name
    title: str
    #: GeoJSON Feature dicts, read in the snapshot's transaction (stream: use iterator())
    features: Callable[[], Iterator[dict]]


def layers() -> list[Layer]:
    """The layers to publish: a boundaries layer goes here when boundaries exist."""
    return []
