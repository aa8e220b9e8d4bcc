// HubSpot's Node SDK (@hubspot/api-client), unchanged, against the fake HubSpot answering
// as HubSpot will on 2027-10-01. Its typed clients call v3 and v1 paths, which HubSpot retires
// by then; its own generic request (`apiRequest`, with the SDK's auth, base path and JSON
// handling) calls the 2026-09 paths: deals one by one and in batches, search, pipelines,
// properties, owners, associations. Then the fake's request log must hold no retired path.
//
//   node current.mjs BASE_URL TOKEN
import { createRequire } from "node:module";

// The SDK is installed where NODE_PATH names, which `require` reads (an ES import does not).
const require = createRequire(import.meta.url);
const { Client } = require("@hubspot/api-client");

const [base, token] = process.argv.slice(2);
const hubspot = new Client({ accessToken: token, basePath: base, numberOfApiCallRetries: 0 });
const RETIRED = ["/oauth/v1/", "/crm/v3/", "/crm/v4/", "/crm/associations/v4/"];
const V = "2026-09";

function check(condition, what) {
  if (!condition) {
    console.error(`Node SDK flow failed: ${what}`);
    process.exit(1);
  }
}

async function call(method, path, body) {
  const response = await hubspot.apiRequest({ method, path, body });
  if (response.status >= 400) {
    check(false, `${method} ${path} answered ${response.status}: ${await response.text()}`);
  }
  return response.status === 204 ? null : response.json();
}

const created = await call("POST", `/crm/objects/${V}/deals`, { properties: { dealname: "From Node", amount: "7" } });
const read = await call("GET", `/crm/objects/${V}/deals/${created.id}?properties=dealname`);
check(read.properties.dealname === "From Node", "read back");
await call("PATCH", `/crm/objects/${V}/deals/${created.id}`, { properties: { amount: "8" } });
const batch = await call("POST", `/crm/objects/${V}/deals/batch/create`, {
  inputs: [0, 1, 2].map((i) => ({ properties: { dealname: `Node batch ${i}`, amount: "3" } })),
});
const ids = batch.results.map((d) => d.id);
check(ids.length === 3, "a batch of three");
const partial = await call("POST", `/crm/objects/${V}/deals/batch/read`, {
  inputs: [{ id: ids[0] }, { id: "999999999" }],
  properties: ["dealname"],
});
check(partial.numErrors === 1 && partial.results.length === 1, "2026-09 reports a partial failure beside its results");
const found = await call("POST", `/crm/objects/${V}/deals/search`, {
  filterGroups: [{ filters: [{ propertyName: "amount", operator: "EQ", value: "3" }] }],
  limit: 10,
});
check(found.total === 3, `search found ${found.total}`);
await call("PUT", `/crm/objects/${V}/deals/${ids[0]}/associations/default/contacts/4242`);
const associations = await call("POST", `/crm/associations/${V}/deals/contacts/batch/read`, { inputs: [{ id: ids[0] }] });
check(associations.results[0].to[0].toObjectId === 4242, "the association, by batch read");
const pipelines = await call("GET", `/crm/pipelines/${V}/deals`);
check(pipelines.results.some((p) => p.id === "default"), "the default pipeline");
const properties = await call("GET", `/crm/properties/${V}/deals`);
check(properties.results.some((p) => p.name === "dealname"), "dealname");
const owners = await call("GET", `/crm/owners/${V}`);
check(owners.results.length > 0, "owners");
await call("POST", `/crm/objects/${V}/deals/batch/archive`, { inputs: ids.map((id) => ({ id })) });
await call("DELETE", `/crm/objects/${V}/deals/${created.id}`);

const stats = await (await fetch(`${base}/__fake/stats`)).json();
const retired = stats.requests.filter((r) => RETIRED.some((p) => r.path.startsWith(p)) || r.status === 410);
check(retired.length === 0, `calls to retired versions: ${JSON.stringify(retired)}`);
console.log(`Node SDK (apiRequest, ${V} paths): ${stats.requests.length} requests on 2027-10-01's calendar, none retired`);
