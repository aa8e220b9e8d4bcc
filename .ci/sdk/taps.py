"""The two Singer taps most used on HubSpot against the fake, each unchanged but for its base
URL (base_url.py): singer-io's tap-hubspot (deals through v1's /deals/v1/deal/paged) and
MeltanoLabs' meltano-tap-hubspot (v3 listing, then search from its state). Each discovers
the deals stream, extracts every live deal with every value the fake holds (full), then,
after deals change, every deal changed since its state with the new values (incremental).
Each run ends by comparing what the tap emitted with the fake's own state, deal by deal and
value by value.

Run by .ci/taps: python taps.py BASE TOKEN SINGER_PYTHON MELTANO_PYTHON WORK_DIR"""

import datetime
import json
import os
import subprocess
import sys
import urllib.request

base, token, singer_python, meltano_python, work = sys.argv[1:6]
HERE = os.path.dirname(os.path.abspath(__file__))
DEALS = 230  # three pages for both taps (100 a page)
LONG = "長い値 " + "x" * (65536 - 5)  # the most a HubSpot value holds, in characters
STAGES = ["appointmentscheduled", "qualifiedtobuy", "contractsent", "closedwon", "closedlost"]


def call(method, path, body=None):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"null")


def fake_state():
    """The fake's live deals: id -> {property: value} for every property it lists (and the
    stage-derived ones), without empty values; and each property's type."""
    listed = call("GET", "/crm/properties/2026-09/deals")["results"]
    kinds = {p["name"]: p["type"] for p in listed}
    names = ",".join(kinds)
    deals, after = {}, ""
    while True:
        page = call("GET", f"/crm/objects/2026-09/deals?limit=100&properties={names}{after}")
        for deal in page["results"]:
            deals[deal["id"]] = {k: v for k, v in deal["properties"].items() if v is not None}
        if "paging" not in page:
            return deals, kinds
        after = "&after=" + page["paging"]["next"]["after"]


def seed():
    """DEALS deals with a name in several scripts (one of HubSpot's greatest length), an
    amount, a close date and a stage; some moved through stages, three archived."""
    inputs = []
    for i in range(DEALS):
        name = LONG if i == 7 else f"Deal {i} — ünïcødé ✓ عربى 中文 {'🚀' * (i % 3)}"
        properties = {"dealname": name, "amount": f"{i * 10}.5", "pipeline": "default",
                      "dealstage": STAGES[i % len(STAGES)],
                      "closedate": f"2027-0{1 + i % 9}-1{i % 10}T00:00:00.000Z"}
        if i % 4 == 0:
            properties["description"] = f"line one\nline two «{i}»"
        inputs.append({"properties": properties})
    ids = []
    for start in range(0, DEALS, 100):
        answer = call("POST", "/crm/objects/2026-09/deals/batch/create",
                      {"inputs": inputs[start:start + 100]})
        ids += [d["id"] for d in answer["results"]]
    for deal in ids[:20]:
        call("PATCH", f"/crm/objects/2026-09/deals/{deal}", {"properties": {"dealstage": "closedwon"}})
    for deal in ids[-3:]:
        call("DELETE", f"/crm/objects/2026-09/deals/{deal}")
    return ids


def change(ids, round):
    """Renames five deals, moves one to another stage and creates two: the deals an
    incremental extract must bring."""
    changed = []
    for deal in ids[30:35]:
        call("PATCH", f"/crm/objects/2026-09/deals/{deal}",
             {"properties": {"dealname": f"Renamed {deal} in {round} ✎", "amount": f"{round}9.25"}})
        changed.append(deal)
    stage = STAGES[round % len(STAGES)]
    call("PATCH", f"/crm/objects/2026-09/deals/{ids[40]}", {"properties": {"dealstage": stage}})
    changed.append(ids[40])
    for name in [f"New one ({round})", f"New two 🎉 ({round})"]:
        created = call("POST", "/crm/objects/2026-09/deals",
                       {"properties": {"dealname": name, "dealstage": "qualifiedtobuy"}})
        changed.append(created["id"])
    return changed


def run_tap(python, entry, args, name):
    """Runs a tap through base_url.py; its Singer messages."""
    command = [python, os.path.join(HERE, "base_url.py"), base, entry, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        sys.exit(f"{name} {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


def write(name, content):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        json.dump(content, f)
    return path


def messages(output):
    for line in output.splitlines():
        if line.startswith("{"):
            yield json.loads(line)


def select_deals(catalog):
    """The catalog with the deals stream and all its fields selected, nothing else."""
    streams = []
    for stream in catalog["streams"]:
        if stream["tap_stream_id"] != "deals":
            for entry in stream["metadata"]:
                if entry["breadcrumb"] == []:
                    entry["metadata"]["selected"] = False
            streams.append(stream)
            continue
        for entry in stream["metadata"]:
            entry["metadata"]["selected"] = True
        streams.append(stream)
    assert any(s["tap_stream_id"] == "deals" for s in streams), "no deals stream discovered"
    return {"streams": streams}


def same(kind, want, got):
    """Whether a tap's `got` is the fake's `want`, for a property of HubSpot type `kind`."""
    if got is None:
        return False
    if kind == "number":
        return float(got) == float(want)
    if kind == "bool":
        return str(got).lower() == want
    if kind in ("datetime", "date"):
        def instant(value):
            value = str(value)
            if value.isdigit():
                return int(value)
            at = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return round(at.timestamp() * 1000)
        return instant(got) == instant(want)
    return got == want


def compare(name, got, want, kinds, discovered):
    """Every deal in `want` (id -> values) came out of the tap with every value."""
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing and not extra, f"{name}: deals missing {missing[:5]}, not expected {extra[:5]}"
    checked = 0
    for deal, values in want.items():
        for prop, value in values.items():
            if prop not in discovered:
                continue
            record = got[deal].get(prop)
            assert same(kinds.get(prop, "string"), value, record), (
                f"{name}: deal {deal} {prop}: the fake holds {value[:80]!r}, the tap gave {str(record)[:80]!r}")
            checked += 1
        for prop in set(discovered) - set(values):
            assert got[deal].get(prop) in (None, ""), f"{name}: deal {deal} {prop} should be empty"
    return checked


def singer_extract(catalog_path, config_path, state=None):
    """singer-io's deals: id -> {property: value}, and its last state (this tap reads its
    catalog from `--properties`)."""
    args = ["--config", config_path, "--properties", catalog_path]
    if state is not None:
        args += ["--state", write("singer-state.json", state)]
    deals, last = {}, None
    for message in messages(run_tap(singer_python, "tap_hubspot:main", args, "tap-hubspot")):
        if message["type"] == "RECORD" and message["stream"] == "deals":
            record = message["record"]
            deal = str(record["dealId"])
            assert deal not in deals, f"tap-hubspot emitted deal {deal} twice"
            deals[deal] = {k: (v or {}).get("value") for k, v in record.get("properties", {}).items()}
        elif message["type"] == "STATE":
            last = message["value"]
    return deals, last


def meltano_extract(catalog_path, config_path, state=None):
    """Meltano's deals: id -> {property: value}, and its last state."""
    args = ["--config", config_path, "--catalog", catalog_path]
    if state is not None:
        args += ["--state", write("meltano-state.json", state)]
    deals, last = {}, None
    for message in messages(run_tap(meltano_python, "tap_hubspot.tap:TapHubspot.cli", args, "meltano-tap-hubspot")):
        if message["type"] == "RECORD" and message["stream"] == "deals":
            record = message["record"]
            assert record["id"] not in deals, f"meltano-tap-hubspot emitted deal {record['id']} twice"
            deals[record["id"]] = record.get("properties") or {}
        elif message["type"] == "STATE":
            last = message["value"]
    return deals, last


def millis(value):
    return round(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def expected_since(state_after, bookmark_ms, changed):
    """The deals an incremental extract from `bookmark_ms` brings: every deal changed since
    (and any modified at or after the bookmark), with the fake's values now."""
    expected = {d: v for d, v in state_after.items()
                if d in changed or millis(v["hs_lastmodifieddate"]) >= bookmark_ms}
    assert all(d in expected for d in changed)
    return expected


def singer(ids):
    config = write("singer-config.json", {"api_key": token, "start_date": "2020-01-01T00:00:00Z",
                                          "request_timeout": 60})
    discovered = json.loads(run_tap(singer_python, "tap_hubspot:main",
                                    ["--config", config, "--discover"], "tap-hubspot"))
    catalog = select_deals(discovered)
    deals_stream = next(s for s in catalog["streams"] if s["tap_stream_id"] == "deals")
    names = set(deals_stream["schema"]["properties"]["properties"]["properties"])
    catalog_path = write("singer-catalog.json", catalog)
    want, kinds = fake_state()
    got, state = singer_extract(catalog_path, config)
    checked = compare("tap-hubspot full", got, want, kinds, names)
    print(f"tap-hubspot: full extract of {len(got)} deals, {checked} values equal to the fake's")

    changed = change(ids, 1)
    after, _ = fake_state()
    bookmark = millis(state["bookmarks"]["deals"]["property_hs_lastmodifieddate"])
    got, _ = singer_extract(catalog_path, config, state)
    checked = compare("tap-hubspot incremental", got, expected_since(after, bookmark, changed), kinds, names)
    print(f"tap-hubspot: incremental extract of {len(got)} deals ({len(changed)} changed), "
          f"{checked} values equal to the fake's")
    return ids


def meltano(ids):
    config = write("meltano-config.json", {"access_token": token})
    discovered = json.loads(run_tap(meltano_python, "tap_hubspot.tap:TapHubspot.cli",
                                    ["--config", config, "--discover"], "meltano-tap-hubspot"))
    catalog = select_deals(discovered)
    deals_stream = next(s for s in catalog["streams"] if s["tap_stream_id"] == "deals")
    names = set(deals_stream["schema"]["properties"]["properties"]["properties"])
    catalog_path = write("meltano-catalog.json", catalog)
    want, kinds = fake_state()
    got, state = meltano_extract(catalog_path, config)
    # Meltano types every property as a string: values must be HubSpot's own text.
    checked = compare("meltano-tap-hubspot full", got, want, {}, names)
    print(f"meltano-tap-hubspot: full extract of {len(got)} deals, {checked} values equal to the fake's")

    changed = change(ids, 2)
    after, _ = fake_state()
    bookmark = millis(state["bookmarks"]["deals"]["replication_key_value"])
    got, _ = meltano_extract(catalog_path, config, state)
    checked = compare("meltano-tap-hubspot incremental", got, expected_since(after, bookmark, changed),
                      {}, names)
    print(f"meltano-tap-hubspot: incremental extract of {len(got)} deals ({len(changed)} changed), "
          f"{checked} values equal to the fake's")


which = sys.argv[6] if len(sys.argv) > 6 else "both"
ids = seed()
if which in ("both", "singer"):
    singer(ids)
if which in ("both", "meltano"):
    meltano(ids)
