// HubSpot's official Node SDK (@hubspot/api-client) against the fake HubSpot, unchanged:
// ordinary flows written with the SDK's own methods, each asserting results, not only
// statuses. Where one fails, the fake is wrong (unless the flow misuses the SDK).
//
//   node flows.mjs BASE_URL TOKEN READ_ONLY_TOKEN CLIENT_ID CLIENT_SECRET REFRESH_TOKEN

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const hubspot = require("@hubspot/api-client");

const [base, token, readOnly, clientId, clientSecret, refreshToken] = process.argv.slice(2);
const client = new hubspot.Client({ accessToken: token, basePath: base, numberOfApiCallRetries: 0 });
const deals = client.crm.deals;
const passed = [];

function check(condition, what) {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

async function errorOf(call) {
  try {
    await call();
  } catch (error) {
    const body = typeof error.body === "string" ? JSON.parse(error.body) : error.body;
    return [error.code, body];
  }
  check(false, "expected an error");
}

async function flow(name, steps) {
  await steps();
  passed.push(name);
}

await flow("create_read_update_archive", async () => {
  const created = await deals.basicApi.create({ properties: { dealname: "Node one", amount: "100" }, associations: [] });
  check(created.properties.dealname === "Node one", "create returns the deal");
  const read = await deals.basicApi.getById(created.id, ["dealname", "amount"]);
  check(read.properties.amount === "100", "read with properties");
  const updated = await deals.basicApi.update(created.id, { properties: { amount: "250" } });
  check(updated.properties.amount === "250", "update returns the new value");
  await deals.basicApi.archive(created.id);
  const archived = await deals.basicApi.getById(created.id, undefined, undefined, undefined, true);
  check(archived.archived === true && archived.archivedAt instanceof Date, "archived=true finds it");
  const [status] = await errorOf(() => deals.basicApi.getById(created.id));
  check(status === 404, "an archived deal is gone from normal reads");
});

await flow("batches", async () => {
  const created = await deals.batchApi.create({
    inputs: [0, 1, 2].map((i) => ({ properties: { dealname: `Node batch ${i}`, external_id: `NODE-${i}` }, associations: [] })),
  });
  const ids = created.results.map((d) => d.id).sort();
  check(ids.length === 3, "batch create makes three");
  const read = await deals.batchApi.read({ inputs: ids.map((id) => ({ id })), properties: ["dealname"], propertiesWithHistory: [] });
  check(read.results.map((d) => d.properties.dealname).sort().join() === "Node batch 0,Node batch 1,Node batch 2", "batch read");
  const updated = await deals.batchApi.update({ inputs: ids.map((id) => ({ id, properties: { amount: "5" } })) });
  check(updated.results.every((d) => d.properties.amount === "5"), "batch update");
  const upserted = await deals.batchApi.upsert({
    inputs: [
      { id: "NODE-0", idProperty: "external_id", properties: { dealname: "Node upserted" } },
      { id: "NODE-9", idProperty: "external_id", properties: { dealname: "Node new" } },
    ],
  });
  const byName = Object.fromEntries(upserted.results.map((d) => [d.properties.dealname, d]));
  check(byName["Node upserted"]._new === false && byName["Node new"]._new === true, "upsert updates or creates");
  await deals.batchApi.archive({ inputs: ids.map((id) => ({ id })) });
  const [status, body] = await errorOf(() => deals.basicApi.getById(ids[0]));
  check(status === 404 && body.category === "OBJECT_NOT_FOUND", "batch archive");
});

await flow("paging_and_get_all", async () => {
  await deals.batchApi.create({
    inputs: Array.from({ length: 25 }, (_, i) => ({ properties: { dealname: `Node page ${i}` }, associations: [] })),
  });
  const seen = [];
  let after;
  for (;;) {
    const page = await deals.basicApi.getPage(10, after, ["dealname"]);
    seen.push(...page.results.map((d) => d.id));
    if (!page.paging?.next) break;
    after = page.paging.next.after;
  }
  check(new Set(seen).size === seen.length, "pages never repeat a deal");
  const everything = await deals.getAll(undefined, undefined, ["dealname"]);
  check(everything.map((d) => d.id).sort().join() === [...seen].sort().join(), "getAll sees what paging sees");
  check(everything.filter((d) => d.properties.dealname.startsWith("Node page")).length === 25, "all 25");
});

await flow("search", async () => {
  await deals.batchApi.create({
    inputs: Array.from({ length: 12 }, (_, i) => ({
      properties: { dealname: `Search ${i} for ana${i}@hubspot.com`, amount: String(100 * i) },
      associations: [],
    })),
  });
  const request = {
    filterGroups: [{ filters: [{ propertyName: "dealname", operator: "CONTAINS_TOKEN", value: "*@hubspot.com" }] }],
    sorts: ["-amount"],
    properties: ["dealname", "amount"],
    limit: 5,
  };
  const first = await deals.searchApi.doSearch(request);
  check(first.total === 12, `total counts every match (${first.total})`);
  const amounts = first.results.map((d) => Number(d.properties.amount));
  check(amounts.join() === "1100,1000,900,800,700", `sorted descending, a page of 5 (${amounts})`);
  const second = await deals.searchApi.doSearch({ ...request, after: first.paging.next.after });
  check(Number(second.results[0].properties.amount) === 600, "the next page follows on");
  const either = await deals.searchApi.doSearch({
    filterGroups: [
      { filters: [{ propertyName: "amount", operator: "EQ", value: "100" }] },
      { filters: [{ propertyName: "amount", operator: "IN", values: ["200", "300"] }] },
    ],
    limit: 100,
  });
  check(either.total === 3, `groups are ORed (${either.total})`);
});

await flow("merge", async () => {
  const a = await deals.basicApi.create({ properties: { dealname: "Node merge A" }, associations: [] });
  const b = await deals.basicApi.create({ properties: { dealname: "Node merge B" }, associations: [] });
  const merged = await deals.basicApi.merge({ primaryObjectId: a.id, objectIdToMerge: b.id });
  check(merged.properties.dealname === "Node merge A", "the primary's values win");
  check((await deals.basicApi.getById(b.id)).id === merged.id, "the merged-away id resolves to the result");
});

await flow("errors", async () => {
  let [status, body] = await errorOf(() => deals.basicApi.getById("999999999"));
  check(status === 404 && body.category === "OBJECT_NOT_FOUND" && body.correlationId, "missing deal");
  [status, body] = await errorOf(() => deals.basicApi.create({ properties: { no_such_property: "x" }, associations: [] }));
  check(status === 400 && body.category === "VALIDATION_ERROR" && body.message.includes("no_such_property"), "unknown property");
  const bad = new hubspot.Client({ accessToken: "pat-na1-not-a-real-token", basePath: base, numberOfApiCallRetries: 0 });
  [status, body] = await errorOf(() => bad.crm.deals.basicApi.getPage());
  check(status === 401 && body.category === "INVALID_AUTHENTICATION", "bad token");
  const reader = new hubspot.Client({ accessToken: readOnly, basePath: base, numberOfApiCallRetries: 0 });
  check(Array.isArray((await reader.crm.deals.basicApi.getPage(1)).results), "a read-only token reads");
  [status, body] = await errorOf(() => reader.crm.deals.basicApi.create({ properties: { dealname: "x" }, associations: [] }));
  check(status === 403 && body.category === "MISSING_SCOPES", "missing scope");
});

await flow("pipelines_and_stages", async () => {
  const api = client.crm.pipelines;
  const all = await api.pipelinesApi.getAll("deals");
  const standard = all.results.find((p) => p.id === "default");
  check(standard.label === "Sales Pipeline" && standard.stages.length === 7, "the default pipeline");
  const created = await api.pipelinesApi.create("deals", {
    label: "Node renewals",
    displayOrder: 4,
    stages: [
      { label: "Open", displayOrder: 0, metadata: { probability: "0.3" } },
      { label: "Won", displayOrder: 1, metadata: { probability: "1.0", isClosed: "true" } },
    ],
  });
  check(/^\d+$/.test(created.id) && created.stages.length === 2, "a pipeline is created");
  const stage = await api.pipelineStagesApi.getById("deals", created.id, created.stages[1].id);
  check(stage.label === "Won" && stage.metadata.isClosed === "true", "a stage reads back");
  const deal = await deals.basicApi.create({
    properties: { dealname: "Node renewal", pipeline: created.id, dealstage: stage.id },
    associations: [],
  });
  check(deal.properties.dealstage === stage.id, "a deal goes in it");
});

await flow("association_labels", async () => {
  const v4 = client.crm.associations.v4;
  const created = await v4.schema.definitionsApi.create("deals", "companies", { label: "Node reseller", name: "node_reseller" });
  const typeId = created.results[0].typeId;
  const labels = await v4.schema.definitionsApi.getAll("deals", "companies");
  check(labels.results.some((l) => l.typeId === typeId && l.label === "Node reseller"), "the label is listed");
  check(labels.results.some((l) => l.label === "Primary"), "HubSpot's Primary company");
  const deal = await deals.basicApi.create({ properties: { dealname: "Node labelled" }, associations: [] });
  const spec = { associationCategory: "USER_DEFINED", associationTypeId: typeId };
  const pair = await v4.basicApi.create("deals", deal.id, "companies", "6161", [spec]);
  check(pair.labels.length === 1 && pair.labels[0] === "Node reseller", "a labelled association");
  await v4.batchApi.createDefault("deals", "companies", { inputs: [{ _from: { id: deal.id }, to: { id: "6161" } }] });
  const read = await v4.batchApi.getPage("deals", "companies", { inputs: [{ id: deal.id }] });
  const types = read.results[0].to[0].associationTypes.map((t) => t.typeId).sort((a, b) => a - b);
  check(types.length === 2 && types.includes(5) && types.includes(typeId), "both types, batch read");
  await v4.batchApi.archive("deals", "companies", { inputs: [{ _from: { id: deal.id }, to: [{ id: "6161" }] }] });
  const page = await v4.basicApi.getPage("deals", deal.id, "companies");
  check(page.results.length === 0, "the pair is removed");
  await v4.schema.definitionsApi.remove("deals", "companies", typeId);
});

await flow("properties", async () => {
  const api = client.crm.properties;
  const all = await api.coreApi.getAll("deals");
  check(all.results.find((p) => p.name === "amount").type === "number", "types");
  const created = await api.coreApi.create("deals", {
    name: "node_seats",
    label: "Seats",
    type: "number",
    fieldType: "number",
    groupName: "dealinformation",
  });
  check(created.name === "node_seats" && created.createdAt instanceof Date, "a property is created");
  const read = await api.batchApi.read("deals", { archived: false, propertiesWithHistory: [], inputs: [{ name: "node_seats" }] });
  check(read.results.length === 1 && read.results[0].type === "number", "batch read");
  const [status, body] = await errorOf(() =>
    deals.basicApi.create({ properties: { node_seats: "many" }, associations: [] }),
  );
  check(status === 400 && JSON.stringify(body).includes("many"), "its type is enforced");
});

await flow("oauth_refresh", async () => {
  const anonymous = new hubspot.Client({ basePath: base, numberOfApiCallRetries: 0 });
  const tokens = await anonymous.oauth.tokensApi.create("refresh_token", undefined, undefined, clientId, clientSecret, refreshToken);
  check(tokens.accessToken && tokens.expiresIn === 1800, "a refresh gives an access token");
  const info = await anonymous.oauth.accessTokensApi.get(tokens.accessToken);
  check(info.scopes.includes("crm.objects.deals.read"), "token information lists its scopes");
  const refreshInfo = await anonymous.oauth.refreshTokensApi.get(refreshToken);
  check(refreshInfo.clientId === clientId, "refresh token information names the app");
  const user = new hubspot.Client({ accessToken: tokens.accessToken, basePath: base });
  check(Array.isArray((await user.crm.deals.basicApi.getPage(1)).results), "the access token works");
});

console.log(`node SDK flows passed: ${passed.join(", ")}`);
