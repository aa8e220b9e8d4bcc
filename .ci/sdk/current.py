"""HubSpot's new generated Python SDK (hubspot-sdk, date-versioned paths), unchanged, against
the fake HubSpot answering as HubSpot will on 2027-10-01: ordinary flows with the SDK's own
methods (OAuth refresh, introspection and revocation, deals one by one and in batches,
search, merge, pipelines, properties, owners), then the fake's request log, which must hold
no path HubSpot retires by then and no refusal as retired.

    python current.py BASE_URL TOKEN CLIENT_ID CLIENT_SECRET REFRESH_TOKEN
"""

import json
import sys
import urllib.request

from hubspot_sdk import HubSpot

base, token, client_id, client_secret, refresh = sys.argv[1:6]
RETIRED = ("/oauth/v1/", "/crm/v3/", "/crm/v4/", "/crm/associations/v4/")


def check(condition, what):
    if not condition:
        raise SystemExit(f"hubspot-sdk flow failed: {what}")


def oauth():
    anonymous = HubSpot(base_url=base, max_retries=0)
    tokens = anonymous.auth.oauth.create_token(
        grant_type="refresh_token",
        client_id=client_id,
        client_secret=client_secret,
        refresh_token=refresh,
    )
    access = getattr(tokens, "access_token", None) or tokens.to_dict()["access_token"]
    check(access, "a token from /oauth/2026-03/token")
    info = anonymous.auth.oauth.introspect_token(
        token=refresh, client_id=client_id, client_secret=client_secret
    )
    check(info.to_dict().get("active") is True, f"the refresh token is active: {info}")
    # The access token works for a call.
    HubSpot(access_token=access, base_url=base).crm.objects.deals.list(limit=1)
    return access


def deals(client):
    api = client.crm.objects.deals
    created = api.create(associations=[], properties={"dealname": "From hubspot-sdk", "amount": "10"})
    read = api.get(created.id, properties=["dealname", "amount"])
    check(read.properties["dealname"] == "From hubspot-sdk", f"read back: {read}")
    api.update(created.id, properties={"amount": "20"})
    check(api.get(created.id, properties=["amount"]).properties["amount"] == "20", "updated")
    batch = api.batch.create(
        inputs=[{"associations": [], "properties": {"dealname": f"Batch {i}"}} for i in range(3)]
    )
    ids = [deal.id for deal in batch.results]
    check(len(ids) == 3, f"a batch of three: {batch}")
    read = api.batch.get(
        inputs=[{"id": i} for i in ids], properties=["dealname"], properties_with_history=[]
    )
    check(sorted(d.id for d in read.results) == sorted(ids), "batch read")
    api.batch.update(inputs=[{"id": i, "properties": {"amount": "5"}} for i in ids])
    listed = [deal.id for deal in api.list(limit=2)]  # every page, through the cursors
    check(set(ids + [created.id]) <= set(listed), f"listed {listed}")
    found = api.search(
        filter_groups=[{"filters": [{"propertyName": "amount", "operator": "EQ", "value": "5"}]}],
        limit=10,
        after="0",
        properties=["amount"],
        sorts=[],
    )
    check(found.total == 3, f"search found {found.total}")
    merged = api.merge(primary_object_id=ids[0], object_id_to_merge=ids[1])
    check(merged.id not in ids[:2], f"a merge makes a new deal: {merged.id}")
    api.batch.delete(inputs=[{"id": ids[2]}])
    api.delete(created.id)


def around_deals(client):
    pipelines = client.crm.pipelines.list("deals")
    check(any(p.id == "default" for p in pipelines.results), "the default pipeline")
    properties = client.crm.properties.list("deals")
    check(any(p.name == "dealname" for p in properties.results), "dealname is a property")
    owners = list(client.crm.owners.list())
    check(len(owners) >= 1, "the account's owners")


def requests_log():
    with urllib.request.urlopen(base + "/__fake/stats") as answer:
        return json.load(answer)["requests"]


access = oauth()
client = HubSpot(access_token=token, base_url=base)
deals(client)
around_deals(client)
log = requests_log()
retired = [f'{r["method"]} {r["path"]} -> {r["status"]}' for r in log
           if r["path"].startswith(RETIRED) or r["status"] == 410]
check(not retired, f"calls to retired versions: {retired}")
check(len(log) >= 15, f"only {len(log)} requests")
failed = [f'{r["method"]} {r["path"]} -> {r["status"]}' for r in log if r["status"] >= 400]
check(not failed, f"refused calls: {failed}")
# OAuth revocation last: the refresh token no longer works.
HubSpot(base_url=base).auth.oauth.revoke_token(
    token=refresh, client_id=client_id, client_secret=client_secret
)
print(f"hubspot-sdk (date-versioned paths): {len(log)} requests on 2027-10-01's calendar, none retired")
