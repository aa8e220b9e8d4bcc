"""Airbyte's source-hubspot against the fake: a full sync of deals returns every deal once;
an incremental sync from its state returns every deal changed since, with its new values.

Run by .ci/airbyte: python airbyte.py BASE_URL TOKEN WORK_DIR (the connector importable)."""

import json
import subprocess
import sys
import urllib.request

base, token, work = sys.argv[1:4]
DEALS = 250  # three list pages and two search pages, so paging is exercised


def call(method, path, body=None):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"null")


def sync(mode, state=None):
    """Runs the connector's read; returns the deals (id -> name) and the last state."""
    stream = {
        "name": "deals",
        "json_schema": {"type": "object", "properties": {}},
        "supported_sync_modes": ["full_refresh", "incremental"],
        "source_defined_cursor": True,
        "default_cursor_field": ["updatedAt"],
        "source_defined_primary_key": [["id"]],
    }
    configured = {"stream": stream, "sync_mode": mode, "destination_sync_mode": "append"}
    if mode == "incremental":
        configured["cursor_field"] = ["updatedAt"]
    files = {
        "config": {"start_date": "2020-01-01T00:00:00Z",
                   "credentials": {"credentials_title": "Private App Credentials",
                                   "access_token": token}},
        "catalog": {"streams": [configured]},
    }
    if state is not None:
        files["state"] = [state]
    args = [sys.executable, "-c", "from source_hubspot.run import run; run()", "read"]
    for name, content in files.items():
        path = f"{work}/{name}.json"
        with open(path, "w") as f:
            json.dump(content, f)
        args += [f"--{name}", path]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    deals, last_state, errors = {}, None, []
    for line in done.stdout.splitlines():
        message = json.loads(line)
        kind = message.get("type")
        if kind == "RECORD":
            data = message["record"]["data"]
            assert data["id"] not in deals, f"deal {data['id']} read twice"
            deals[data["id"]] = data["properties"].get("dealname")
        elif kind == "STATE":
            last_state = message["state"]
            last_state.pop("sourceStats", None)
        elif kind == "TRACE" and message["trace"]["type"] == "ERROR":
            errors.append(message["trace"]["error"].get("internal_message", ""))
    if done.returncode != 0 or errors:
        sys.exit(f"the {mode} sync failed ({done.returncode}): {errors or done.stderr[-2000:]}")
    return deals, last_state


inputs = [{"properties": {"dealname": f"Deal {i}", "amount": str(i)}} for i in range(DEALS)]
created = {}
for start in range(0, DEALS, 100):
    answer = call("POST", "/crm/v3/objects/deals/batch/create", {"inputs": inputs[start:start + 100]})
    created.update({d["id"]: d["properties"]["dealname"] for d in answer["results"]})

full, _ = sync("full_refresh")
assert full == created, f"full refresh: {len(full)} deals read of {len(created)}"
first, state = sync("incremental")
assert first == created, f"first incremental: {len(first)} deals read of {len(created)}"

changed = {}
for deal_id in sorted(created, key=int)[::25]:
    name = f"Renamed {deal_id}"
    call("PATCH", f"/crm/v3/objects/deals/{deal_id}", {"properties": {"dealname": name}})
    changed[deal_id] = name
new = call("POST", "/crm/v3/objects/deals", {"properties": {"dealname": "Deal new"}})
changed[new["id"]] = "Deal new"

since, _ = sync("incremental", state)
missing = {i: n for i, n in changed.items() if since.get(i) != n}
assert not missing, f"incremental sync missed or misread {missing}"
stale = set(since) - set(changed)
# The connector's lower bound is inclusive: deals modified at the cursor's instant come again.
assert len(stale) < DEALS, f"incremental sync re-read {len(stale)} unchanged deals"
print(f"airbyte source-hubspot: full refresh {len(full)} of {len(created)} deals; "
      f"incremental {len(since)} deals, {len(changed)} changed all read with their new names "
      f"({len(stale)} unchanged at the cursor's instant)")
