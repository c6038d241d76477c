"""`_geojson` shapes under `_geoPolygon`, `_geoRadius` and `_geoBoundingBox`, through the official Python client.
Every expected answer was Meilisearch 1.50's for the same documents and filters; the file passes against the
binary too (MEILI_URL pointing at it).

The server is not started here: MEILI_URL and MEILI_MASTER_KEY name it (see test_client.py).
"""

from __future__ import annotations

from typing import Any

import pytest

import meilisearch
from meilisearch.index import Index
from common import new_uid, wait


def make_index(client: meilisearch.Client, filterable: list[str]) -> Index:
    uid = new_uid("geojson")
    wait(client, client.create_index(uid, {"primaryKey": "id"}))
    index = client.index(uid)
    wait(client, index.update_filterable_attributes(filterable))
    wait(client, index.add_documents(GEOJSON_DOCS))
    return index


GEOJSON_DOCS: list[dict[str, Any]] = [
    {"id": 1, "_geojson": {"type": "Point", "coordinates": [2.35, 48.85]}},
    {"id": 2, "_geojson": {"type": "Polygon", "coordinates": [[[2.0, 48.0], [3.0, 48.0], [3.0, 49.0], [2.0, 49.0], [2.0, 48.0]]]}},
    {"id": 3, "_geojson": {"type": "Point", "coordinates": [13.4, 52.5]}},
    {"id": 4, "_geo": {"lat": 48.85, "lng": 2.35}},
    {"id": 5, "_geojson": {"type": "LineString", "coordinates": [[2.0, 48.5], [10.0, 48.5]]}},
    {"id": 6, "_geojson": {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.36, 48.86]}, "properties": {}}},
    {"id": 7, "_geojson": {"type": "MultiPoint", "coordinates": [[2.36, 48.86], [100, 10]]}},
    {"id": 8, "_geojson": {"type": "Polygon", "coordinates": [[[0, 40], [20, 40], [20, 60], [0, 60], [0, 40]]]}},
    # Meilisearch matches inside the hole too.
    {"id": 9, "_geojson": {"type": "Polygon", "coordinates": [
        [[0, 40], [20, 40], [20, 60], [0, 60], [0, 40]], [[1, 47], [4, 47], [4, 50], [1, 50], [1, 47]]]}},
    {"id": 10, "_geojson": {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [2.35, 48.85]}]}},
    {"id": 11, "_geojson": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}, "properties": None}]}},
]


@pytest.mark.parametrize(
    ("filterable", "filter_", "expected"),
    [
        (["_geojson", "_geo"], "_geoPolygon([48.5, 2.2], [48.5, 2.5], [49.0, 2.5], [49.0, 2.2])", [1, 2, 5, 6, 7, 8, 9, 10, 11]),
        (["_geojson", "_geo"], "_geoPolygon([48.4, 5], [48.4, 6], [48.6, 6], [48.6, 5])", [5, 8, 9]),
        (["_geojson", "_geo"], "_geoPolygon([10, 10], [10, 20], [20, 20], [20, 10])", []),
        (["_geojson", "_geo"], "_geoRadius(48.85, 2.35, 1000)", [1, 2, 4, 8, 9, 10, 11]),
        (["_geojson", "_geo"], "_geoBoundingBox([49, 3], [48, 2])", [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]),
        (["_geojson"], "_geoRadius(48.85, 2.35, 1000)", [1, 2, 8, 9, 10, 11]),
        (["_geo"], "_geoRadius(48.85, 2.35, 1000)", [4]),
    ],
)
def test_geojson_shapes(client: meilisearch.Client, filterable: list[str], filter_: str, expected: list[int]) -> None:
    """`_geojson` shapes (each GeoJSON kind) meet `_geoPolygon`, `_geoRadius` and `_geoBoundingBox` when they
    intersect the area, and only when `_geojson` is filterable; `_geo` points are not shapes."""
    index = make_index(client, filterable)
    res = index.search("", {"filter": filter_, "attributesToRetrieve": ["id"], "limit": 100})
    assert sorted(hit["id"] for hit in res["hits"]) == expected


def test_geojson_has_no_facet_values(client: meilisearch.Client) -> None:
    index = make_index(client, ["_geojson"])
    res = index.search("", {"facets": ["*"], "filter": "_geojson EXISTS"})
    assert (res["hits"], res["facetDistribution"]) == ([], {"_geojson": {}})
