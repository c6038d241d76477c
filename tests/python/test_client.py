"""End-to-end tests for meili-lite driven by the official, unmodified Meilisearch Python client.

The server is NOT started here: the Rust harness (or a developer) starts meili-lite and passes
    MEILI_URL          e.g. http://127.0.0.1:7700
    MEILI_MASTER_KEY   the master key the server was started with
Every test uses its own index uids (uuid suffix), so tests are independent and can run in any order
against a server that already holds data.

Run: pytest -q -p no:cacheprovider tests/python/test_client.py   (pip install -r tests/python/requirements.txt)
"""

from __future__ import annotations

import json
import os
from datetime import datetime

import pytest

import meilisearch
from meilisearch.errors import MeilisearchApiError
from meilisearch.models.document import Document, DocumentsResults
from meilisearch.models.task import Batch, BatchResults, Task, TaskInfo, TaskResults
from meilisearch.index import Index

from common import MEILI_URL, POLL_MS, TIMEOUT_MS, api_error, new_uid, wait


# --------------------------------------------------------------------------------------------
# helpers / fixtures
# --------------------------------------------------------------------------------------------


def assert_task_info(info: TaskInfo, type_: str, index_uid: str | None) -> None:
    assert isinstance(info, TaskInfo)
    assert isinstance(info.task_uid, int)
    assert info.status == "enqueued"
    assert info.type == type_
    assert info.index_uid == index_uid
    assert isinstance(info.enqueued_at, datetime)


def create_index(client: meilisearch.Client, uid: str, primary_key: str | None = "id") -> Index:
    options = {"primaryKey": primary_key} if primary_key is not None else None
    info = client.create_index(uid, options)
    assert_task_info(info, "indexCreation", uid)
    task = wait(client, info)
    assert task.details == {"primaryKey": primary_key}
    return client.index(uid)


def n_docs(index: Index) -> int:
    return index.get_stats().number_of_documents


def raw_task(client: meilisearch.Client, uid: int) -> dict:
    """The raw task JSON (the client's Task model drops `batchUid`)."""
    return client.http.get(f"tasks/{uid}")


MOVIES = [
    {"id": 1, "title": "Carol", "genre": "romance", "year": 2015},
    {"id": 2, "title": "Wonder Woman", "genre": "action", "year": 2017},
    {"id": 3, "title": "Life of Pi", "genre": "adventure", "year": 2012},
    {"id": 4, "title": "Mad Max", "genre": "action", "year": 2015},
    {"id": 5, "title": "Moana", "genre": "animation", "year": 2016},
]


# --------------------------------------------------------------------------------------------
# health / version / stats
# --------------------------------------------------------------------------------------------


def test_health_version(client: meilisearch.Client) -> None:
    assert client.health() == {"status": "available"}
    assert client.is_healthy() is True

    version = client.get_version()
    assert isinstance(version, dict)
    for key in ("commitSha", "commitDate", "pkgVersion"):
        assert isinstance(version.get(key), str), (key, version)
    assert client.version() == version


def test_global_stats(client: meilisearch.Client) -> None:
    uid = new_uid("stats")
    index = create_index(client, uid)
    wait(client, index.add_documents(MOVIES[:3]))

    stats = client.get_all_stats()
    assert isinstance(stats["databaseSize"], int)
    assert isinstance(stats["lastUpdate"], str)
    assert isinstance(stats["indexes"], dict)
    mine = stats["indexes"][uid]
    assert mine["numberOfDocuments"] == 3
    assert mine["isIndexing"] is False
    assert mine["fieldDistribution"] == {"genre": 3, "id": 3, "title": 3, "year": 3}

    istats = index.get_stats()
    assert istats.number_of_documents == 3
    assert istats.is_indexing is False
    for field in ("genre", "id", "title", "year"):
        assert getattr(istats.field_distribution, field) == 3


# --------------------------------------------------------------------------------------------
# indexes
# --------------------------------------------------------------------------------------------


def test_index_lifecycle(client: meilisearch.Client) -> None:
    with_pk = new_uid("idx_pk")
    without_pk = new_uid("idx_nopk")

    create_index(client, with_pk, "id")
    create_index(client, without_pk, None)

    idx = client.get_index(with_pk)
    assert isinstance(idx, Index)
    assert idx.uid == with_pk
    assert idx.primary_key == "id"
    assert isinstance(idx.created_at, datetime)
    assert isinstance(idx.updated_at, datetime)
    assert idx.get_primary_key() == "id"

    raw = client.get_raw_index(without_pk)
    assert raw["uid"] == without_pk
    assert "primaryKey" in raw and raw["primaryKey"] is None
    assert isinstance(raw["createdAt"], str) and isinstance(raw["updatedAt"], str)
    assert client.get_index(without_pk).primary_key is None

    listing = client.get_indexes({"limit": 1000})
    assert listing["limit"] == 1000
    assert listing["offset"] == 0
    assert isinstance(listing["total"], int) and listing["total"] >= 2
    by_uid = {i.uid: i for i in listing["results"]}
    assert all(isinstance(i, Index) for i in listing["results"])
    assert by_uid[with_pk].primary_key == "id"
    assert by_uid[without_pk].primary_key is None
    assert isinstance(by_uid[with_pk].created_at, datetime)
    uids = [i.uid for i in listing["results"]]
    assert uids == sorted(uids), "GET /indexes must be sorted by uid"

    page = client.get_indexes({"limit": 1, "offset": 1})
    assert page["limit"] == 1 and page["offset"] == 1
    assert len(page["results"]) == 1
    assert page["total"] == listing["total"]
    assert page["results"][0].uid == uids[1]

    # update the primary key of an empty index
    info = client.index(without_pk).update(primary_key="sku")
    assert_task_info(info, "indexUpdate", without_pk)
    task = wait(client, info)
    assert task.details["primaryKey"] == "sku"
    updated = client.get_index(without_pk)
    assert updated.primary_key == "sku"
    assert updated.updated_at >= updated.created_at

    # creating it again fails asynchronously
    task = wait(client, client.create_index(with_pk), status="failed")
    assert task.error["code"] == "index_already_exists"
    assert task.error["type"] == "invalid_request"

    # delete
    info = client.delete_index(with_pk)
    assert_task_info(info, "indexDeletion", with_pk)
    task = wait(client, info)
    assert task.details == {"deletedDocuments": 0}
    with pytest.raises(MeilisearchApiError) as exc:
        client.get_index(with_pk)
    err = api_error(exc)
    assert err.code == "index_not_found"
    assert err.status_code == 404

    wait(client, client.index(without_pk).delete())


def test_update_primary_key_of_non_empty_index_fails(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("pkfail"), "id")
    wait(client, index.add_documents(MOVIES[:1]))
    task = wait(client, index.update(primary_key="title"), status="failed")
    assert task.error["code"] == "index_primary_key_already_exists"
    assert client.get_index(index.uid).primary_key == "id"


# --------------------------------------------------------------------------------------------
# documents
# --------------------------------------------------------------------------------------------


def test_add_documents_json_and_fetch(client: meilisearch.Client) -> None:
    uid = new_uid("docs")
    index = client.index(uid)
    # the index does not exist yet: document addition creates it, with the given primary key
    info = index.add_documents(MOVIES, primary_key="id")
    assert_task_info(info, "documentAdditionOrUpdate", uid)
    task = wait(client, info)
    assert task.details == {"receivedDocuments": 5, "indexedDocuments": 5}
    assert n_docs(index) == 5
    assert client.get_index(uid).primary_key == "id"

    doc = index.get_document(3)
    assert isinstance(doc, Document)
    assert doc.title == "Life of Pi"
    assert doc.id == 3
    assert dict(doc) == MOVIES[2]

    partial = index.get_document("2", {"fields": ["title", "year"]})
    assert dict(partial) == {"title": "Wonder Woman", "year": 2017}

    everything = index.get_documents()
    assert isinstance(everything, DocumentsResults)
    assert everything.total == 5
    assert everything.offset == 0
    assert everything.limit == 20
    assert sorted(d.id for d in everything.results) == [1, 2, 3, 4, 5]

    page = index.get_documents({"limit": 2, "offset": 1, "fields": ["id", "title"]})
    assert page.limit == 2 and page.offset == 1 and page.total == 5
    assert len(page.results) == 2
    for d in page.results:
        assert set(dict(d)) == {"id", "title"}
        with pytest.raises(AttributeError):
            d.genre
    all_ids = [d.id for d in everything.results]
    assert [d.id for d in page.results] == all_ids[1:3]

    beyond = index.get_documents({"offset": 10})
    assert beyond.results == [] and beyond.total == 5


def test_primary_key_inference(client: meilisearch.Client) -> None:
    index = client.index(new_uid("infer"))
    wait(client, index.add_documents([{"movie_id": "a1", "title": "x"}]))
    assert client.get_index(index.uid).primary_key == "movie_id"
    assert index.get_document("a1").title == "x"


def test_add_documents_ndjson(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("ndjson"), None)
    payload = b'{"id": "a", "n": 1}\n{"id": "b", "n": 2, "tags": ["x", "y"]}\n\n{"id": "c", "n": 3}\n'
    info = index.add_documents_ndjson(payload, primary_key="id")
    assert_task_info(info, "documentAdditionOrUpdate", index.uid)
    task = wait(client, info)
    assert task.details == {"receivedDocuments": 3, "indexedDocuments": 3}
    assert n_docs(index) == 3
    assert index.get_document("b").tags == ["x", "y"]
    assert client.get_index(index.uid).primary_key == "id"


def test_add_documents_csv(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("csv"), None)
    payload = (
        b"id,title,price:number,in_stock:boolean\n"
        b'1,"Hello, world",9.5,true\n'
        b"2,Plain,3,false\n"
    )
    info = index.add_documents_csv(payload, primary_key="id")
    assert_task_info(info, "documentAdditionOrUpdate", index.uid)
    task = wait(client, info)
    assert task.details == {"receivedDocuments": 2, "indexedDocuments": 2}
    assert n_docs(index) == 2

    one = index.get_document("1")
    # untyped CSV columns are strings, `:number` is a JSON number, `:boolean` a JSON bool
    assert dict(one) == {"id": "1", "title": "Hello, world", "price": 9.5, "in_stock": True}
    two = index.get_document("2")
    assert two.price == 3 and isinstance(two.price, (int, float)) and not isinstance(two.price, bool)
    assert two.in_stock is False

    # custom delimiter
    semi = b"id;title;price:number\n3;Semi, colon;1.25\n4;Other;7\n"
    task = wait(client, index.add_documents_csv(semi, csv_delimiter=";"))
    assert task.details == {"receivedDocuments": 2, "indexedDocuments": 2}
    assert n_docs(index) == 4
    assert dict(index.get_document("3")) == {"id": "3", "title": "Semi, colon", "price": 1.25}


def test_update_documents_merges_and_add_replaces(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("upd"), "id")
    wait(client, index.add_documents([{"id": 1, "title": "a", "genre": "x"}, {"id": 2, "title": "b"}]))

    info = index.update_documents([{"id": 1, "title": "A2"}, {"id": 3, "title": "new"}])
    assert_task_info(info, "documentAdditionOrUpdate", index.uid)
    task = wait(client, info)
    assert task.details == {"receivedDocuments": 2, "indexedDocuments": 2}
    assert dict(index.get_document(1)) == {"id": 1, "title": "A2", "genre": "x"}
    assert dict(index.get_document(3)) == {"id": 3, "title": "new"}
    assert n_docs(index) == 3

    # add_documents replaces the whole document
    wait(client, index.add_documents([{"id": 1, "title": "A3"}]))
    assert dict(index.get_document(1)) == {"id": 1, "title": "A3"}
    assert n_docs(index) == 3

    # `1` and `"1"` are the same document id
    wait(client, index.update_documents([{"id": "1", "extra": True}]))
    assert n_docs(index) == 3
    assert index.get_document(1).extra is True


def test_delete_documents(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("del"), "id")
    wait(client, index.add_documents(MOVIES))
    assert n_docs(index) == 5

    info = index.delete_document(1)
    assert_task_info(info, "documentDeletion", index.uid)
    task = wait(client, info)
    assert task.details["providedIds"] == 1
    assert task.details["deletedDocuments"] == 1
    assert n_docs(index) == 4

    with pytest.warns(DeprecationWarning):
        info = index.delete_documents(ids=[2, 3, 999])
    assert_task_info(info, "documentDeletion", index.uid)
    task = wait(client, info)
    assert task.details["providedIds"] == 3
    assert task.details["deletedDocuments"] == 2
    assert n_docs(index) == 2
    assert sorted(d.id for d in index.get_documents().results) == [4, 5]

    with pytest.raises(MeilisearchApiError) as exc:
        index.get_document(2)
    err = api_error(exc)
    assert err.code == "document_not_found"
    assert err.status_code == 404

    info = index.delete_all_documents()
    assert_task_info(info, "documentDeletion", index.uid)
    task = wait(client, info)
    assert task.details == {"deletedDocuments": 2}
    assert n_docs(index) == 0
    empty = index.get_documents()
    assert empty.results == [] and empty.total == 0


# --------------------------------------------------------------------------------------------
# autobatching & batches
# --------------------------------------------------------------------------------------------


def test_autobatching(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("autobatch"), "id")
    # a somewhat larger first payload keeps the scheduler busy while the next ones are enqueued
    big = [{"id": i, "text": f"document number {i}"} for i in range(10_000, 18_000)]
    infos = [index.add_documents(big)]
    infos += [index.add_documents([{"id": i, "v": i}]) for i in range(10)]
    tasks = [wait(client, info) for info in infos]
    assert n_docs(index) == 8010

    batch_uids = [raw_task(client, t.uid)["batchUid"] for t in tasks]
    assert all(isinstance(b, int) for b in batch_uids), batch_uids
    assert batch_uids == sorted(batch_uids), "tasks are batched in uid order"
    distinct = sorted(set(batch_uids))
    assert len(distinct) < len(tasks), f"no autobatching happened: {batch_uids}"

    # tasks of one batch share startedAt/finishedAt
    for b in distinct:
        members = [t for t, bu in zip(tasks, batch_uids) if bu == b]
        assert len({(t.started_at, t.finished_at) for t in members}) == 1

    biggest = max(distinct, key=batch_uids.count)
    count = batch_uids.count(biggest)
    assert count >= 2
    batch = client.get_batch(biggest)
    assert isinstance(batch, Batch)
    assert batch.uid == biggest
    assert batch.stats["totalNbTasks"] == count
    assert batch.stats["status"] == {"succeeded": count}
    assert batch.stats["types"] == {"documentAdditionOrUpdate": count}
    assert batch.stats["indexUids"] == {index.uid: count}
    members = [t for t, bu in zip(tasks, batch_uids) if bu == biggest]
    received = sum(t.details["receivedDocuments"] for t in members)
    assert batch.details == {"receivedDocuments": received, "indexedDocuments": received}
    assert batch.progress is None
    assert isinstance(batch.started_at, datetime) and isinstance(batch.finished_at, datetime)
    assert batch.started_at == members[0].started_at
    assert batch.finished_at == members[0].finished_at
    assert isinstance(batch.duration, str) and batch.duration.startswith("PT")

    # the batch's tasks can be listed through the tasks route
    listed = client.get_tasks({"batchUids": [str(biggest)]})
    assert sorted(t.uid for t in listed.results) == sorted(t.uid for t in members)


def test_batches_listing(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("batches"), "id")
    t1 = wait(client, index.add_documents(MOVIES[:2]))
    b1 = raw_task(client, t1.uid)["batchUid"]

    # creation task's batch: an index creation is never batched with anything else
    creation = client.get_tasks({"indexUids": [index.uid], "types": ["indexCreation"]}).results[0]
    cb = client.get_batch(raw_task(client, creation.uid)["batchUid"])
    assert cb.stats["totalNbTasks"] == 1
    assert cb.stats["types"] == {"indexCreation": 1}
    assert cb.details == {"primaryKey": "id"}

    page = client.get_batches({"limit": 2})
    assert isinstance(page, BatchResults)
    assert page.limit == 2
    assert len(page.results) == 2
    assert page.total >= 2
    uids = [b.uid for b in page.results]
    assert uids == sorted(uids, reverse=True), "batches are listed newest first"
    assert page.from_ == uids[0]
    assert isinstance(page.next_, int) and page.next_ < uids[1]

    nxt = client.get_batches({"limit": 1, "from": b1})
    assert nxt.results[0].uid == b1
    assert nxt.from_ == b1
    assert nxt.next_ is not None and nxt.next_ < b1

    # on /batches, `batchUids` filters by batch uid while `uids` selects the batches of those TASKS
    only = client.get_batches({"batchUids": [str(b1)]})
    assert only.total == 1 and [b.uid for b in only.results] == [b1]
    assert only.next_ is None
    by_task = client.get_batches({"uids": [str(t1.uid)]})
    assert by_task.total == 1 and [b.uid for b in by_task.results] == [b1]

    by_index = client.get_batches({"indexUids": [index.uid]})
    assert by_index.total == 2
    assert {b.uid for b in by_index.results} == {b1, cb.uid}

    with pytest.raises(MeilisearchApiError) as exc:
        client.get_batch(10**9)
    err = api_error(exc)
    assert err.code == "batch_not_found"
    assert err.status_code == 404


# --------------------------------------------------------------------------------------------
# tasks
# --------------------------------------------------------------------------------------------


def test_get_tasks_filters(client: meilisearch.Client) -> None:
    a = create_index(client, new_uid("tasks_a"), "id")
    b = create_index(client, new_uid("tasks_b"), "id")
    ta1 = wait(client, a.add_documents(MOVIES[:2]))
    ta2 = wait(client, a.add_documents([{"title": "no id"}]), status="failed")
    tb1 = wait(client, b.add_documents(MOVIES[2:]))

    res = client.get_tasks({"indexUids": [a.uid]})
    assert isinstance(res, TaskResults)
    assert res.total == 3
    assert res.limit == 20
    assert all(t.index_uid == a.uid for t in res.results)
    assert [t.type for t in res.results] == ["documentAdditionOrUpdate", "documentAdditionOrUpdate", "indexCreation"]
    uids = [t.uid for t in res.results]
    assert uids == sorted(uids, reverse=True)
    assert res.from_ == uids[0]
    assert res.next_ is None

    # index.get_tasks adds the indexUids filter itself
    res_idx = a.get_tasks()
    assert [t.uid for t in res_idx.results] == uids

    res = client.get_tasks({"indexUids": [a.uid, b.uid], "types": ["indexCreation"]})
    assert res.total == 2
    assert {t.index_uid for t in res.results} == {a.uid, b.uid}

    res = client.get_tasks({"indexUids": [a.uid], "statuses": ["failed"]})
    assert [t.uid for t in res.results] == [ta2.uid]
    assert res.results[0].error["code"] == "missing_document_id"

    res = client.get_tasks({"uids": [str(ta1.uid), str(tb1.uid)]})
    assert res.total == 2
    assert [t.uid for t in res.results] == [tb1.uid, ta1.uid]

    res = client.get_tasks({"uids": [str(ta1.uid), str(tb1.uid)], "statuses": ["succeeded", "failed"], "types": ["documentAdditionOrUpdate"]})
    assert res.total == 2

    # pagination: limit + from + next
    first = client.get_tasks({"indexUids": [a.uid], "limit": 1})
    assert first.limit == 1
    assert first.total == 3
    assert [t.uid for t in first.results] == [ta2.uid]
    assert first.from_ == ta2.uid
    assert first.next_ == ta1.uid
    second = client.get_tasks({"indexUids": [a.uid], "limit": 1, "from": first.next_})
    assert [t.uid for t in second.results] == [ta1.uid]
    assert second.from_ == ta1.uid
    assert second.total == 3

    # reverse
    rev = client.get_tasks({"indexUids": [a.uid], "reverse": "true"})
    assert [t.uid for t in rev.results] == sorted(uids)

    # no match
    none = client.get_tasks({"indexUids": [new_uid("nothing")]})
    assert none.results == [] and none.total == 0 and none.from_ is None and none.next_ is None

    # bad filter value
    with pytest.raises(MeilisearchApiError) as exc:
        client.get_tasks({"statuses": ["doggo"]})
    err = api_error(exc)
    assert err.code == "invalid_task_statuses"
    assert err.status_code == 400


def test_get_tasks_filter_on_every_meilisearch_type(client: meilisearch.Client) -> None:
    """Every Meilisearch task type is a valid `types` value, even kinds meili-lite never
    creates: Meilisearch answers 200 with no results, not 400 invalid_task_types."""
    index = create_index(client, new_uid("types"), "id")
    all_types = [
        "documentAdditionOrUpdate", "documentEdition", "documentDeletion", "settingsUpdate",
        "indexCreation", "indexDeletion", "indexUpdate", "indexSwap", "taskCancelation",
        "taskDeletion", "dumpCreation", "snapshotCreation", "export", "upgradeDatabase",
        "indexCompaction",
    ]
    res = client.get_tasks({"indexUids": [index.uid], "types": all_types})
    assert [t.type for t in res.results] == ["indexCreation"]
    res = client.get_tasks({"indexUids": [index.uid], "types": ["documentEdition", "dumpCreation"]})
    assert res.results == [] and res.total == 0


def test_task_object_shape(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("shape"), "id")
    info = index.add_documents(MOVIES[:1])
    task = wait(client, info)
    raw = raw_task(client, task.uid)
    for key in ("uid", "batchUid", "indexUid", "status", "type", "canceledBy", "details", "error",
                "duration", "enqueuedAt", "startedAt", "finishedAt"):
        assert key in raw, f"task JSON lacks `{key}`: {raw}"
    assert raw["canceledBy"] is None and raw["error"] is None
    got = client.get_task(task.uid)
    assert got.uid == task.uid and got.status == "succeeded"
    assert index.get_task(task.uid).uid == task.uid

    with pytest.raises(MeilisearchApiError) as exc:
        client.get_task(10**9)
    err = api_error(exc)
    assert err.code == "task_not_found"
    assert err.status_code == 404


def test_cancel_finished_task(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("cancel1"), "id")
    done = wait(client, index.add_documents(MOVIES[:1]))

    info = client.cancel_tasks({"uids": [str(done.uid)]})
    assert_task_info(info, "taskCancelation", None)
    task = wait(client, info)
    assert task.index_uid is None
    assert task.details["matchedTasks"] == 1
    assert task.details["canceledTasks"] == 0
    assert task.details["originalFilter"] == f"?uids={done.uid}"
    # the finished task is untouched
    assert client.get_task(done.uid).status == "succeeded"
    assert client.get_task(done.uid).canceled_by is None


def test_cancel_enqueued_tasks(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("cancel2"), "id")
    # The big first payload keeps the scheduler busy while the small ones (and the cancelation)
    # are enqueued, so usually the small ones are still enqueued when the cancelation is
    # registered. Timing is not guaranteed, so the assertions hold for any interleaving:
    # a task that had not started when the cancelation was registered must end up canceled.
    # (Meilisearch would also abort a *processing* matched batch; that is best effort there
    # and is not asserted here.)
    big = [{"id": i, "text": f"document number {i}"} for i in range(8000)]
    infos = [index.add_documents(big)] + [index.add_documents([{"id": i}]) for i in range(5)]
    cancel = client.cancel_tasks({"indexUids": [index.uid], "statuses": ["enqueued", "processing"]})
    assert_task_info(cancel, "taskCancelation", None)
    ctask = wait(client, cancel)
    assert ctask.details["originalFilter"] == f"?indexUids={index.uid}&statuses=enqueued%2Cprocessing"

    final = [client.wait_for_task(i.task_uid, TIMEOUT_MS, POLL_MS) for i in infos]
    assert all(t.status in ("succeeded", "canceled") for t in final), [t.status for t in final]
    canceled = [t for t in final if t.status == "canceled"]
    for t in final:
        if t.status == "succeeded":
            assert t.started_at <= ctask.enqueued_at, (
                f"task {t.uid} was still enqueued when cancelation {ctask.uid} was registered "
                f"({t.started_at} > {ctask.enqueued_at}) but it was not canceled"
            )
    assert ctask.details["canceledTasks"] == len(canceled)
    assert ctask.details["matchedTasks"] >= len(canceled)

    # canceled tasks carry canceledBy, zeroed counters, and join the cancelation's batch
    cbatch = raw_task(client, ctask.uid)["batchUid"]
    for t in canceled:
        assert t.canceled_by == ctask.uid
        assert t.details == {"receivedDocuments": t.details["receivedDocuments"], "indexedDocuments": 0}
        assert raw_task(client, t.uid)["batchUid"] == cbatch
        assert (t.started_at, t.finished_at) == (ctask.started_at, ctask.finished_at)
    batch = client.get_batch(cbatch)
    assert batch.stats["totalNbTasks"] == 1 + len(canceled)
    expected_status = {"succeeded": 1, "canceled": len(canceled)} if canceled else {"succeeded": 1}
    assert batch.stats["status"] == expected_status

    res = client.get_tasks({"canceledBy": [str(ctask.uid)]})
    assert sorted(t.uid for t in res.results) == sorted(t.uid for t in canceled)


def test_delete_tasks(client: meilisearch.Client) -> None:
    index = create_index(client, new_uid("deltasks"), "id")
    t1 = wait(client, index.add_documents(MOVIES[:1]))
    t2 = wait(client, index.add_documents(MOVIES[1:2]))

    info = client.delete_tasks({"uids": [str(t1.uid), str(t2.uid)]})
    assert_task_info(info, "taskDeletion", None)
    task = wait(client, info)
    assert task.details["matchedTasks"] == 2
    assert task.details["deletedTasks"] == 2
    assert task.details["originalFilter"] == f"?uids={t1.uid}%2C{t2.uid}"

    for uid in (t1.uid, t2.uid):
        with pytest.raises(MeilisearchApiError) as exc:
            client.get_task(uid)
        err = api_error(exc)
        assert err.code == "task_not_found"
        assert err.status_code == 404

    # the documents are still there, only the task history is gone
    assert n_docs(index) == 2
    assert client.get_tasks({"indexUids": [index.uid]}).total == 1  # the index creation

    # missing filters is a synchronous error
    with pytest.raises(MeilisearchApiError) as exc:
        client.delete_tasks({})
    assert api_error(exc).code == "missing_task_filters"


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


def test_errors(client: meilisearch.Client) -> None:
    missing = new_uid("missing")

    with pytest.raises(MeilisearchApiError) as exc:
        client.get_index(missing)
    err = api_error(exc)
    assert (err.code, err.status_code, err.type) == ("index_not_found", 404, "invalid_request")
    assert err.message == f"Index `{missing}` not found."

    with pytest.raises(MeilisearchApiError) as exc:
        client.create_index("not a valid uid!")
    err = api_error(exc)
    assert (err.code, err.status_code) == ("invalid_index_uid", 400)

    with pytest.raises(MeilisearchApiError) as exc:
        client.get_index("bad uid!")
    assert api_error(exc).code == "invalid_index_uid"

    bad = meilisearch.Client(MEILI_URL, "definitely-not-the-master-key")
    assert bad.is_healthy() is True  # /health needs no key
    with pytest.raises(MeilisearchApiError) as exc:
        bad.get_indexes()
    err = api_error(exc)
    assert (err.code, err.status_code, err.type) == ("invalid_api_key", 403, "auth")

    # deleting a missing index: accepted, then the task fails
    info = client.delete_index(missing)
    assert_task_info(info, "indexDeletion", missing)
    task = wait(client, info, status="failed")
    assert task.error["code"] == "index_not_found"
    assert task.error["type"] == "invalid_request"
    assert task.error["message"] == f"Index `{missing}` not found."
    assert task.error["link"] == "https://docs.meilisearch.com/errors#index_not_found"
    assert task.details == {"deletedDocuments": 0}

    # a document without the primary key
    index = create_index(client, new_uid("errdocs"), "id")
    task = wait(client, index.add_documents([{"title": "no id here"}]), status="failed")
    assert task.error["code"] == "missing_document_id"
    assert task.details == {"receivedDocuments": 1, "indexedDocuments": 0}
    # a document with an invalid id
    task = wait(client, index.add_documents([{"id": "no spaces allowed"}]), status="failed")
    assert task.error["code"] == "invalid_document_id"
    assert n_docs(index) == 0

    with pytest.raises(MeilisearchApiError) as exc:
        index.get_document("nope")
    err = api_error(exc)
    assert (err.code, err.status_code) == ("document_not_found", 404)

    # documents of a missing index
    with pytest.raises(MeilisearchApiError) as exc:
        client.index(missing).get_documents()
    assert api_error(exc).code == "index_not_found"


# --------------------------------------------------------------------------------------------
# swap
# --------------------------------------------------------------------------------------------


def test_swap_indexes(client: meilisearch.Client) -> None:
    a = create_index(client, new_uid("swap_a"), "id")
    b = create_index(client, new_uid("swap_b"), "id")
    wait(client, a.add_documents([{"id": 1, "name": "from a"}]))
    wait(client, b.add_documents([{"id": 1, "name": "from b"}, {"id": 2, "name": "also b"}]))

    info = client.swap_indexes([{"indexes": [a.uid, b.uid]}])
    assert_task_info(info, "indexSwap", None)
    task = wait(client, info)
    assert task.details["swaps"][0]["indexes"] == [a.uid, b.uid]

    assert a.get_document(1).name == "from b"
    assert n_docs(a) == 2
    assert b.get_document(1).name == "from a"
    assert n_docs(b) == 1

    # swapping with a missing index fails in the task
    missing = new_uid("swap_missing")
    task = wait(client, client.swap_indexes([{"indexes": [a.uid, missing]}]), status="failed")
    assert task.error["code"] == "index_not_found"


def test_swap_indexes_swaps_task_history(client: meilisearch.Client) -> None:
    """Meilisearch rewrites the indexUid of every earlier task of the two swapped indexes
    (index-scheduler `apply_index_swap`), so the task history follows the data."""
    a = create_index(client, new_uid("swaph_a"), "id")
    b = create_index(client, new_uid("swaph_b"), "id")
    ta = wait(client, a.add_documents([{"id": 1}]))
    tb = wait(client, b.add_documents([{"id": 2}]))
    wait(client, client.swap_indexes([{"indexes": [a.uid, b.uid]}]))

    assert client.get_task(ta.uid).index_uid == b.uid
    assert client.get_task(tb.uid).index_uid == a.uid
    assert tb.uid in [t.uid for t in client.get_tasks({"indexUids": [a.uid]}).results]
    assert ta.uid in [t.uid for t in client.get_tasks({"indexUids": [b.uid]}).results]


def test_swap_task_details(client: meilisearch.Client) -> None:
    """Meilisearch (>= 1.18, the servers this client targets) reports each swap with its
    `rename` flag: {"swaps": [{"indexes": [a, b], "rename": false}]}."""
    a = create_index(client, new_uid("swapd_a"), "id")
    b = create_index(client, new_uid("swapd_b"), "id")
    task = wait(client, client.swap_indexes([{"indexes": [a.uid, b.uid]}]))
    assert task.details == {"swaps": [{"indexes": [a.uid, b.uid], "rename": False}]}


# --------------------------------------------------------------------------------------------
# webhooks (Meilisearch 1.17+ runtime API)
# --------------------------------------------------------------------------------------------


def test_webhooks_crud_with_the_client(client: meilisearch.Client) -> None:
    created = client.create_webhook(
        {"url": "http://127.0.0.1:9/hook?source=python", "headers": {"Authorization": "Bearer python-secret-token-0123", "X-Tag": "py"}}
    )
    assert created.uuid
    assert created.isEditable is True  # the client model keeps the camelCase name
    assert created.url == "http://127.0.0.1:9/hook?source=python"
    assert created.headers["X-Tag"] == "py"
    assert "python-secret-token" not in created.headers["Authorization"], "Authorization is redacted"

    listed = client.get_webhooks()
    assert created.uuid in [w.uuid for w in listed.results]
    assert client.get_webhook(created.uuid).url == created.url

    updated = client.update_webhook(created.uuid, {"url": "http://127.0.0.1:9/other", "headers": {"X-Tag": None}})
    assert updated.url == "http://127.0.0.1:9/other"
    assert "X-Tag" not in (updated.headers or {})

    assert client.delete_webhook(created.uuid) == 204
    with pytest.raises(MeilisearchApiError) as err:
        client.get_webhook(created.uuid)
    assert err.value.code == "webhook_not_found"


# --------------------------------------------------------------------------------------------
# signatures: verified by the Standard Webhooks reference library
# --------------------------------------------------------------------------------------------


def test_signed_deliveries_verify_with_standardwebhooks(client: meilisearch.Client) -> None:
    import base64
    import gzip
    import http.server
    import queue
    import threading

    from standardwebhooks.webhooks import Webhook as Verifier, WebhookVerificationError

    got: "queue.Queue[tuple[bytes, dict[str, str]]]" = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.put((gzip.decompress(body), {k.lower(): v for k, v in self.headers.items()}))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    hook = client.create_webhook({"url": f"http://127.0.0.1:{server.server_port}/signed", "signingSecret": secret})
    try:
        index = client.index(new_uid("signed"))
        task = index.add_documents([{"id": 1, "title": "signed"}])
        wait(client, task)
        verifier = Verifier(secret)
        while True:
            body, headers = got.get(timeout=10)
            lines = [json.loads(line) for line in body.decode().splitlines()]
            if any(line["uid"] == task.task_uid for line in lines):
                break
        assert headers["webhook-id"] and headers["webhook-timestamp"]
        assert headers["webhook-signature"].startswith("v1,")
        verifier.verify(body, headers)  # raises if the signature is wrong
        tampered = body.replace(b'"succeeded"', b'"failed"')
        assert tampered != body
        with pytest.raises(WebhookVerificationError):
            verifier.verify(tampered, headers)
        with pytest.raises(WebhookVerificationError):
            Verifier("whsec_" + base64.b64encode(os.urandom(32)).decode()).verify(body, headers)
    finally:
        client.delete_webhook(hook.uuid)
        server.shutdown()


# --------------------------------------------------------------------------------------------
# customMetadata: through the client's task objects and the webhook payload
# --------------------------------------------------------------------------------------------


def test_custom_metadata_round_trips_through_tasks_and_the_webhook(client: meilisearch.Client) -> None:
    import gzip
    import http.server
    import queue
    import threading

    got: "queue.Queue[list[dict]]" = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.put([json.loads(line) for line in gzip.decompress(body).decode().splitlines()])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Targeted-only: it hears of nothing but the task below, which names it.
    hook = client.create_webhook(
        {"url": f"http://127.0.0.1:{server.server_port}/jobs", "filter": {"targetedOnly": True}}
    )
    try:
        index = client.index(new_uid("meta"))
        info = index.add_documents([{"id": 1}], metadata="job-7")
        task = wait(client, info)
        assert task.custom_metadata == "job-7"
        assert client.get_task(info.task_uid).custom_metadata == "job-7"
        listed = client.get_tasks({"uids": [str(info.task_uid)]}).results
        assert [t.custom_metadata for t in listed] == ["job-7"]
        plain = wait(client, index.add_documents([{"id": 2}]))
        assert plain.custom_metadata is None

        # The client has no `webhooks` argument: name the webhook in the query string.
        raw = client.http.post(
            f"indexes/{index.uid}/documents?customMetadata=job-8&webhooks={hook.uuid}", [{"id": 3}]
        )
        wait(client, raw["taskUid"])
        lines = got.get(timeout=10)
        assert [(line["uid"], line["customMetadata"]) for line in lines] == [(raw["taskUid"], "job-8")]
        assert got.empty(), "a targeted-only webhook hears of nothing else"
    finally:
        client.delete_webhook(hook.uuid)
        server.shutdown()
