// The official JavaScript client's ordinary calls, unchanged: indexes, documents, settings,
// search, tasks, batches and stats, as an application's back end makes them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Meilisearch } from "meilisearch";

const host = process.env.MEILI_URL ?? "http://127.0.0.1:7700";
const client = new Meilisearch({ host, apiKey: process.env.MEILI_MASTER_KEY });
const wait = { interval: 10, timeout: 10_000 };

test("indexes, documents, settings and search", async () => {
  const uid = `js_books_${randomUUID().slice(0, 8)}`;
  let task = await client.createIndex(uid, { primaryKey: "id" }).waitTask(wait);
  assert.equal(task.status, "succeeded");
  const index = client.index(uid);
  assert.equal((await index.getRawInfo()).primaryKey, "id");
  assert.ok((await client.getIndexes({ limit: 1000 })).results.some((i) => i.uid === uid));
  const books = [
    { id: 1, title: "Dune", genre: "scifi", year: 1965 },
    { id: 2, title: "Emma", genre: "romance", year: 1815 },
    { id: 3, title: "Neuromancer", genre: "scifi", year: 1984 },
  ];
  task = await index.addDocuments(books).waitTask(wait);
  assert.deepEqual([task.status, task.details.receivedDocuments], ["succeeded", 3]);
  task = await index
    .updateSettings({ filterableAttributes: ["genre", "year"], sortableAttributes: ["year"] })
    .waitTask(wait);
  assert.equal(task.status, "succeeded");
  assert.deepEqual((await index.getSettings()).sortableAttributes, ["year"]);
  assert.deepEqual(await index.getFilterableAttributes(), ["genre", "year"]);

  assert.equal((await index.getDocument(2)).title, "Emma");
  const docs = await index.getDocuments({ filter: "genre = scifi", fields: ["id"] });
  assert.deepEqual(docs.results.map((d) => d.id).sort(), [1, 3]);
  const found = await index.search("", { filter: "year > 1900", sort: ["year:desc"], facets: ["genre"] });
  assert.deepEqual(found.hits.map((h) => h.id), [3, 1]);
  assert.deepEqual(found.facetDistribution, { genre: { scifi: 2 } });
  const typo = await index.search("neuromancr", { attributesToHighlight: ["title"] });
  // Meilisearch 1.50 highlights a typo match this way too: as long as the query word.
  assert.equal(typo.hits[0]._formatted.title, "<em>Neuromance</em>r");
  const multi = await client.multiSearch({ queries: [{ indexUid: uid, q: "emma" }] });
  assert.equal(multi.results[0].hits[0].id, 2);

  task = await index.deleteDocument(2).waitTask(wait);
  assert.equal(task.details.deletedDocuments, 1);
  assert.equal((await index.getStats()).numberOfDocuments, 2);
  const stats = await client.getStats();
  assert.equal(stats.indexes[uid].numberOfDocuments, 2);
  task = await client.deleteIndex(uid).waitTask(wait);
  assert.equal(task.status, "succeeded");
});

test("tasks, batches, version and health", async () => {
  const tasks = await client.tasks.getTasks({ limit: 5, statuses: ["succeeded"] });
  assert.ok(tasks.results.length > 0 && tasks.results.every((t) => t.status === "succeeded"));
  const one = await client.tasks.getTask(tasks.results[0].uid);
  assert.equal(one.uid, tasks.results[0].uid);
  const batches = await client.batches.getBatches({ limit: 2 });
  assert.ok(batches.results.length > 0);
  assert.equal((await client.batches.getBatch(batches.results[0].uid)).uid, batches.results[0].uid);
  assert.ok((await client.getVersion()).pkgVersion);
  assert.deepEqual(await client.health(), { status: "available" });
});
