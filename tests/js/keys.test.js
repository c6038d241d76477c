// API keys, tenant tokens, index renames and experimental features through the official
// JavaScript client (npm `meilisearch`), unchanged. The Rust harness (tests/tests/js_client.rs)
// starts meili-lite and passes MEILI_URL and MEILI_MASTER_KEY.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { Meilisearch, MeilisearchApiError } from "meilisearch";
import { generateTenantToken } from "meilisearch/token";

const host = process.env.MEILI_URL ?? "http://127.0.0.1:7700";
const masterKey = process.env.MEILI_MASTER_KEY;
assert.ok(masterKey, "MEILI_MASTER_KEY must be set");
const client = new Meilisearch({ host, apiKey: masterKey });
const wait = { interval: 10, timeout: 10_000 };

const uid = (prefix) => `${prefix}_${randomUUID().slice(0, 8)}`;

async function apiError(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof MeilisearchApiError, `not an API error: ${e}`);
    assert.equal(e.cause.code, code, e.message);
    return true;
  });
}

async function movies() {
  const index = uid("js_movies");
  const docs = [
    { id: 1, title: "Alien", tenant: "a" },
    { id: 2, title: "Amadeus", tenant: "b" },
    { id: 3, title: "Arrival", tenant: "b" },
  ];
  let task = await client.index(index).addDocuments(docs).waitTask(wait);
  assert.equal(task.status, "succeeded");
  task = await client.index(index).updateFilterableAttributes(["tenant"]).waitTask(wait);
  assert.equal(task.status, "succeeded");
  return index;
}

test("default keys do what their names say", async () => {
  const index = await movies();
  const { results } = await client.getKeys({ limit: 1000 });
  const byName = Object.fromEntries(results.map((k) => [k.name, k]));
  assert.deepEqual(byName["Default Search API Key"].actions, ["search"]);
  assert.deepEqual(byName["Default Admin API Key"].actions, ["*"]);
  const search = new Meilisearch({ host, apiKey: byName["Default Search API Key"].key });
  const found = await search.index(index).search("alien");
  assert.equal(found.hits[0].id, 1);
  await apiError(search.index(index).addDocuments([{ id: 9 }]), "invalid_api_key");
  const admin = new Meilisearch({ host, apiKey: byName["Default Admin API Key"].key });
  const task = await admin.index(index).updateDocuments([{ id: 1, year: 1979 }]).waitTask(wait);
  assert.equal(task.status, "succeeded");
});

test("keys are created, read, updated and deleted", async () => {
  const keyUid = randomUUID();
  const key = await client.createKey({
    uid: keyUid,
    name: "js",
    actions: ["documents.get"],
    indexes: ["js_*"],
    expiresAt: null,
  });
  const expected = createHmac("sha256", masterKey).update(keyUid).digest("hex");
  assert.equal(key.key, expected);
  assert.equal((await client.getKey(expected)).uid, keyUid);
  const updated = await client.updateKey(keyUid, { description: "made by the JS client" });
  assert.equal(updated.description, "made by the JS client");
  await client.deleteKey(keyUid);
  await apiError(client.getKey(keyUid), "api_key_not_found");
});

test("a tenant token from the client's helper restricts searches", async () => {
  const index = await movies();
  const parent = await client.createKey({ actions: ["search"], indexes: ["*"], expiresAt: null });
  const token = await generateTenantToken({
    apiKey: parent.key,
    apiKeyUid: parent.uid,
    searchRules: { [index]: { filter: "tenant = b" } },
    expiresAt: new Date(Date.now() + 600_000),
  });
  const tenant = new Meilisearch({ host, apiKey: token });
  const { hits } = await tenant.index(index).search("");
  assert.deepEqual(hits.map((h) => h.id).sort(), [2, 3]);
  await apiError(tenant.index(index).getDocuments(), "invalid_api_key");
  for (const algorithm of ["HS384", "HS512"]) {
    const other = await generateTenantToken({ apiKey: parent.key, apiKeyUid: parent.uid, algorithm });
    const all = await new Meilisearch({ host, apiKey: other }).index(index).search("");
    assert.equal(all.hits.length, 3, algorithm);
  }
  await client.deleteKey(parent.uid);
  await apiError(tenant.index(index).search(""), "invalid_api_key");
});

test("an index is renamed and experimental features are kept", async () => {
  const index = await movies();
  const renamed = uid("js_renamed");
  const task = await client.updateIndex(index, { uid: renamed }).waitTask(wait);
  assert.equal(task.status, "succeeded");
  assert.equal((await client.index(renamed).search("arrival")).hits[0].id, 3);
  await apiError(client.getIndex(index), "index_not_found");

  const features = await client.updateExperimentalFeatures({ network: true });
  assert.equal(features.network, true);
  assert.equal((await client.getExperimentalFeatures()).network, true);
  await client.updateExperimentalFeatures({ network: false });
});
