"""The `client` fixture every suite here uses: the official client on the server under test."""

from __future__ import annotations

import pytest

import meilisearch
from common import MEILI_MASTER_KEY, MEILI_URL


@pytest.fixture(scope="session")
def client() -> meilisearch.Client:
    if not MEILI_MASTER_KEY:
        pytest.fail("MEILI_MASTER_KEY must be set (the key the server under test was started with)")
    return meilisearch.Client(MEILI_URL, MEILI_MASTER_KEY)
