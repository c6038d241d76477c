"""API keys, tenant tokens, index renames and experimental features through the official
Python client, unchanged: what a multi-tenant application on Meilisearch does with them."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta, timezone

import pytest

import meilisearch
from meilisearch.errors import MeilisearchApiError

from common import MEILI_MASTER_KEY, MEILI_URL, api_error, new_uid, wait

DEFAULT_NAMES = {
    "Default Search API Key": ["search"],
    "Default Admin API Key": ["*"],
    "Default Read-Only Admin API Key": ["*.get", "keys.get"],
    "Default Chat API Key": ["chatCompletions", "search"],
}


def default_key(client: meilisearch.Client, name: str):
    return next(k for k in client.get_keys({"limit": 1000}).results if k.name == name)


@pytest.fixture(scope="module")
def movies(client: meilisearch.Client) -> str:
    uid = new_uid("keys_movies")
    index = client.index(uid)
    wait(client, index.add_documents([
        {"id": 1, "title": "Alien", "genre": "scifi", "tenant": "a"},
        {"id": 2, "title": "Amadeus", "genre": "drama", "tenant": "b"},
        {"id": 3, "title": "Arrival", "genre": "scifi", "tenant": "b"},
    ]))
    wait(client, index.update_filterable_attributes(["tenant", "genre"]))
    return uid


def test_default_keys_and_their_powers(client: meilisearch.Client, movies: str) -> None:
    keys = {k.name: k for k in client.get_keys({"limit": 1000}).results}
    for name, actions in DEFAULT_NAMES.items():
        assert keys[name].actions == actions and keys[name].indexes == ["*"], name
        assert keys[name].expires_at is None
    search = meilisearch.Client(MEILI_URL, keys["Default Search API Key"].key)
    assert search.index(movies).search("alien")["hits"][0]["id"] == 1
    with pytest.raises(MeilisearchApiError) as e:
        search.index(movies).add_documents([{"id": 9}])
    assert api_error(e).code == "invalid_api_key" and api_error(e).status_code == 403
    read_only = meilisearch.Client(MEILI_URL, keys["Default Read-Only Admin API Key"].key)
    assert read_only.index(movies).get_document(2).title == "Amadeus"
    assert len(read_only.get_keys({"limit": 1000}).results) >= 4
    with pytest.raises(MeilisearchApiError) as e:
        read_only.create_key({"actions": ["search"], "indexes": ["*"], "expiresAt": None})
    assert api_error(e).code == "invalid_api_key"
    admin = meilisearch.Client(MEILI_URL, keys["Default Admin API Key"].key)
    wait(admin, admin.index(movies).update_documents([{"id": 3, "year": 2016}]))


def test_keys_are_created_read_updated_and_deleted(client: meilisearch.Client) -> None:
    uid = str(uuid.uuid4())
    key = client.create_key({
        "uid": uid, "name": "ci", "description": "made by a test",
        "actions": ["documents.get", "indexes.*"], "indexes": ["keys_*"],
        # With a fraction: the client's Key model cannot read a date without one (on
        # Meilisearch too, which echoes the date as given).
        "expiresAt": (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.250Z"),
    })
    # The value Meilisearch would give the same uid under the same master key.
    expected = hmac.new(MEILI_MASTER_KEY.encode(), uid.encode(), hashlib.sha256).hexdigest()
    assert (key.uid, key.key) == (uid, expected)
    assert key.actions == ["documents.get", "indexes.*"] and key.indexes == ["keys_*"]
    assert client.get_key(uid).name == "ci" and client.get_key(expected).uid == uid
    updated = client.update_key(uid, {"name": "renamed", "description": None})
    assert (updated.name, updated.description) == ("renamed", None)
    with pytest.raises(MeilisearchApiError) as e:
        client.update_key(uid, {"actions": ["*"]})
    assert api_error(e).code == "immutable_api_key_actions"
    with pytest.raises(MeilisearchApiError) as e:
        client.create_key({"actions": ["version"], "indexes": ["keys_*"], "expiresAt": None})
    assert api_error(e).code == "index_scoped_api_key_with_global_action"
    client.delete_key(uid)
    with pytest.raises(MeilisearchApiError) as e:
        client.get_key(uid)
    assert api_error(e).code == "api_key_not_found"


def test_a_scoped_key_sees_only_its_indexes(client: meilisearch.Client, movies: str) -> None:
    other = new_uid("elsewhere")
    wait(client, client.index(other).add_documents([{"id": 1}]))
    key = client.create_key({"actions": ["indexes.get", "tasks.get", "search"], "indexes": ["keys_*"], "expiresAt": None})
    scoped = meilisearch.Client(MEILI_URL, key.key)
    listed = [i.uid for i in scoped.get_indexes({"limit": 1000})["results"]]
    assert movies in listed and other not in listed
    assert all(t.index_uid.startswith("keys_") for t in scoped.get_tasks({"limit": 100}).results)
    with pytest.raises(MeilisearchApiError) as e:
        scoped.index(other).search("")
    assert "cannot acces the index" in api_error(e).message


def test_tenant_tokens_from_the_clients_helper_restrict_searches(client: meilisearch.Client, movies: str) -> None:
    parent = client.create_key({"actions": ["search"], "indexes": ["*"], "expiresAt": None})
    token = client.generate_tenant_token(
        parent.uid,
        {movies: {"filter": "tenant = b"}},
        api_key=parent.key,
        expires_at=datetime.now(timezone.utc) + timedelta(minutes=10),
    )
    tenant = meilisearch.Client(MEILI_URL, token)
    hits = tenant.index(movies).search("", {"filter": "genre = scifi"})["hits"]
    assert [h["id"] for h in hits] == [3]
    results = tenant.multi_search([{"indexUid": movies, "q": "a"}])["results"]
    assert sorted(h["id"] for h in results[0]["hits"]) == [2, 3]
    with pytest.raises(MeilisearchApiError) as e:
        tenant.index(movies).get_documents()
    assert api_error(e).code == "invalid_api_key"
    everything = meilisearch.Client(MEILI_URL, client.generate_tenant_token(parent.uid, ["*"], api_key=parent.key))
    assert len(everything.index(movies).search("")["hits"]) == 3
    client.delete_key(parent.uid)
    with pytest.raises(MeilisearchApiError) as e:
        tenant.index(movies).search("")
    assert api_error(e).code == "invalid_api_key"


def test_an_index_is_renamed(client: meilisearch.Client) -> None:
    old, new = new_uid("rename_old"), new_uid("rename_new")
    wait(client, client.index(old).add_documents([{"id": 1, "title": "Alien"}]))
    task = wait(client, client.index(old).update(new_uid=new))
    assert task.details == {"primaryKey": None, "oldIndexUid": old, "newIndexUid": new}
    assert client.index(new).search("alien")["hits"] == [{"id": 1, "title": "Alien"}]
    with pytest.raises(MeilisearchApiError) as e:
        client.get_index(old)
    assert api_error(e).code == "index_not_found"


def test_experimental_features_are_kept(client: meilisearch.Client) -> None:
    features = client.get_experimental_features()
    assert set(features) >= {"metrics", "containsFilter", "network", "chatCompletions"}
    updated = client.update_experimental_features({"network": True})
    assert updated["network"] is True and client.get_experimental_features()["network"] is True
    client.update_experimental_features({"network": False})
    with pytest.raises(MeilisearchApiError) as e:
        client.update_experimental_features({"noSuchFeature": True})
    assert api_error(e).code == "bad_request"
