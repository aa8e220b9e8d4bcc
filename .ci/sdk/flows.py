"""HubSpot's official Python SDK (hubspot-api-client) against the fake HubSpot, unchanged:
ordinary flows written with the SDK's own methods, each asserting results, not only
statuses. Where one fails, the fake is wrong (unless the flow misuses the SDK).

    python flows.py BASE_URL TOKEN READ_ONLY_TOKEN CLIENT_ID CLIENT_SECRET REFRESH_TOKEN
"""

import json
import sys

from hubspot import HubSpot
from hubspot.crm.deals import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

base, token, read_only, client_id, client_secret, refresh_token = sys.argv[1:7]
hubspot = HubSpot(access_token=token, host=base)
deals = hubspot.crm.deals
passed = []


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")


def flow(function):
    function()
    passed.append(function.__name__)
    return function


def error_of(call):
    """The status and JSON body of the ApiException a call raises."""
    try:
        call()
    except ApiException as error:
        return error.status, json.loads(error.body)
    raise SystemExit("FAILED: expected an error")


@flow
def create_read_update_archive():
    created = deals.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"dealname": "Py one", "amount": "100"})
    )
    check(created.properties["dealname"] == "Py one", "create returns the deal")
    read = deals.basic_api.get_by_id(created.id, properties=["dealname", "amount"])
    check(read.properties["amount"] == "100", "read with properties")
    updated = deals.basic_api.update(created.id, SimplePublicObjectInput(properties={"amount": "250"}))
    check(updated.properties["amount"] == "250", "update returns the new value")
    deals.basic_api.archive(created.id)
    archived = deals.basic_api.get_by_id(created.id, archived=True)
    check(archived.archived and archived.archived_at is not None, "archived=True finds it")
    status, _ = error_of(lambda: deals.basic_api.get_by_id(created.id))
    check(status == 404, "an archived deal is gone from normal reads")


@flow
def batches():
    created = deals.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                SimplePublicObjectBatchInputForCreate(
                    properties={"dealname": f"Py batch {i}", "external_id": f"PY-{i}"}
                )
                for i in range(3)
            ]
        )
    )
    ids = sorted(d.id for d in created.results)
    check(len(ids) == 3, "batch create makes three")
    read = deals.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in ids],
            properties=["dealname"],
            properties_with_history=[],
        )
    )
    check(sorted(d.properties["dealname"] for d in read.results) == [f"Py batch {i}" for i in range(3)], "batch read")
    updated = deals.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[SimplePublicObjectBatchInput(id=i, properties={"amount": "5"}) for i in ids]
        )
    )
    check(all(d.properties["amount"] == "5" for d in updated.results), "batch update")
    upserted = deals.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(id="PY-0", id_property="external_id", properties={"dealname": "Py upserted"}),
                SimplePublicObjectBatchInputUpsert(id="PY-9", id_property="external_id", properties={"dealname": "Py new"}),
            ]
        )
    )
    by_name = {d.properties["dealname"]: d for d in upserted.results}
    check(by_name["Py upserted"].new is False and by_name["Py new"].new is True, "upsert updates or creates")
    deals.batch_api.archive(BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=i) for i in ids]))
    status, body = error_of(lambda: deals.basic_api.get_by_id(ids[0]))
    check(status == 404 and body["category"] == "OBJECT_NOT_FOUND", "batch archive")


@flow
def paging_and_get_all():
    deals.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[SimplePublicObjectBatchInputForCreate(properties={"dealname": f"Py page {i}"}) for i in range(25)]
        )
    )
    seen, after = [], None
    while True:
        page = deals.basic_api.get_page(limit=10, after=after, properties=["dealname"])
        seen.extend(d.id for d in page.results)
        if page.paging is None or page.paging.next is None:
            break
        after = page.paging.next.after
    check(len(seen) == len(set(seen)), "pages never repeat a deal")
    everything = deals.get_all(properties=["dealname"])
    check(sorted(d.id for d in everything) == sorted(seen), "get_all sees what paging sees")
    check(sum(d.properties["dealname"].startswith("Py page") for d in everything) == 25, "all 25")


@flow
def search():
    deals.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                SimplePublicObjectBatchInputForCreate(
                    properties={"dealname": f"Search {i} for ana{i}@hubspot.com", "amount": str(100 * i)}
                )
                for i in range(12)
            ]
        )
    )
    wildcard = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[Filter(property_name="dealname", operator="CONTAINS_TOKEN", value="*@hubspot.com")])],
        sorts=["amount"],
        properties=["dealname", "amount"],
        limit=5,
    )
    first = deals.search_api.do_search(wildcard)
    check(first.total == 12, f"total counts every match ({first.total})")
    amounts = [int(d.properties["amount"]) for d in first.results]
    check(amounts == sorted(amounts) and len(amounts) == 5, "sorted by amount, a page of 5")
    wildcard.after = first.paging.next.after
    second = deals.search_api.do_search(wildcard)
    check(int(second.results[0].properties["amount"]) > amounts[-1], "the next page follows on")
    ranged = deals.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=[
                Filter(property_name="amount", operator="GTE", value="500"),
                Filter(property_name="dealname", operator="CONTAINS_TOKEN", value="search"),
            ])],
            limit=100,
        )
    )
    check(ranged.total == 7, f"filters are ANDed within a group ({ranged.total})")


@flow
def merge():
    a = deals.basic_api.create(SimplePublicObjectInputForCreate(properties={"dealname": "Py merge A"}))
    b = deals.basic_api.create(SimplePublicObjectInputForCreate(properties={"dealname": "Py merge B"}))
    merged = deals.basic_api.merge(PublicMergeInput(primary_object_id=a.id, object_id_to_merge=b.id))
    check(merged.properties["dealname"] == "Py merge A", "the primary's values win")
    check(deals.basic_api.get_by_id(b.id).id == merged.id, "the merged-away id resolves to the result")


@flow
def errors():
    status, body = error_of(lambda: deals.basic_api.get_by_id("999999999"))
    check(status == 404 and body["category"] == "OBJECT_NOT_FOUND" and body["correlationId"], "missing deal")
    status, body = error_of(
        lambda: deals.basic_api.create(SimplePublicObjectInputForCreate(properties={"no_such_property": "x"}))
    )
    check(status == 400 and body["category"] == "VALIDATION_ERROR" and "no_such_property" in body["message"], "unknown property")
    bad = HubSpot(access_token="pat-na1-not-a-real-token", host=base)
    status, body = error_of(lambda: bad.crm.deals.basic_api.get_page())
    check(status == 401 and body["category"] == "INVALID_AUTHENTICATION", "bad token")
    reader = HubSpot(access_token=read_only, host=base)
    check(reader.crm.deals.basic_api.get_page(limit=1).results is not None, "a read-only token reads")
    status, body = error_of(
        lambda: reader.crm.deals.basic_api.create(SimplePublicObjectInputForCreate(properties={"dealname": "x"}))
    )
    check(status == 403 and body["category"] == "MISSING_SCOPES", "missing scope")


@flow
def pipelines_and_stages():
    from hubspot.crm.pipelines import PipelineInput, PipelineStageInput

    api = hubspot.crm.pipelines
    default = api.pipelines_api.get_by_id("deals", "default")
    check(default.label == "Sales Pipeline" and len(default.stages) == 7, "the default pipeline")
    check(default.stages[5].metadata["isClosed"] == "true", "closedwon is closed")
    created = api.pipelines_api.create(
        "deals",
        PipelineInput(
            label="Py renewals",
            display_order=3,
            stages=[
                PipelineStageInput(label="Open", display_order=0, metadata={"probability": "0.3"}),
                PipelineStageInput(label="Won", display_order=1, metadata={"probability": "1.0", "isClosed": "true"}),
            ],
        ),
    )
    check(created.id.isdigit() and [s.label for s in created.stages] == ["Open", "Won"], "a pipeline is created")
    stages = api.pipeline_stages_api.get_all("deals", created.id).results
    check([s.id for s in stages] == [s.id for s in created.stages], "its stages list")
    listed = [p.id for p in api.pipelines_api.get_all("deals").results]
    check(created.id in listed, "it is listed")
    deal = deals.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"dealname": "Py renewal", "pipeline": created.id, "dealstage": stages[0].id}
        )
    )
    check(deal.properties["dealstage"] == stages[0].id, "a deal goes in it")


@flow
def properties():
    from hubspot.crm.properties import BatchReadInputPropertyName, OptionInput, PropertyCreate, PropertyName

    api = hubspot.crm.properties
    names = {p.name: p.type for p in api.core_api.get_all("deals").results}
    check(names.get("amount") == "number" and names.get("dealstage") == "enumeration", "types")
    created = api.core_api.create(
        "deals",
        PropertyCreate(
            name="py_tier",
            label="Tier",
            type="enumeration",
            field_type="select",
            group_name="dealinformation",
            options=[OptionInput(label="Gold", value="gold", display_order=0, hidden=False)],
        ),
    )
    check(created.name == "py_tier" and created.options[0].value == "gold", "a property is created")
    check(api.core_api.get_by_name("deals", "py_tier").label == "Tier", "and read back")
    read = api.batch_api.read(
        "deals",
        BatchReadInputPropertyName(archived=False, inputs=[PropertyName(name="amount"), PropertyName(name="py_tier")]),
    )
    check(sorted(p.name for p in read.results) == ["amount", "py_tier"], "batch read")
    status, body = error_of(
        lambda: deals.basic_api.create(SimplePublicObjectInputForCreate(properties={"py_tier": "bronze"}))
    )
    check(status == 400 and "bronze" in body["message"] + json.dumps(body.get("errors")), "its options are enforced")


@flow
def associations_batch_read():
    from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest, PublicFetchAssociationsBatchRequest

    deal = deals.basic_api.create(SimplePublicObjectInputForCreate(properties={"dealname": "Py associated"}))
    hubspot.crm.associations.v4.basic_api.create_default("deals", deal.id, "contacts", "4242")
    page = hubspot.crm.associations.v4.batch_api.get_page(
        "deals",
        "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(inputs=[PublicFetchAssociationsBatchRequest(id=deal.id)]),
    )
    check([t.to_object_id for t in page.results[0].to] in (["4242"], [4242]), "its contact")


@flow
def association_labels():
    from hubspot.crm.associations.v4 import (
        AssociationSpec,
        BatchInputPublicAssociationMultiPost,
        PublicAssociationMultiPost,
        PublicObjectId,
    )
    from hubspot.crm.associations.v4.schema import PublicAssociationDefinitionCreateRequest

    v4 = hubspot.crm.associations.v4
    created = v4.schema.definitions_api.create(
        "deals", "contacts", PublicAssociationDefinitionCreateRequest(label="Py champion", name="py_champion")
    )
    type_id = created.results[0].type_id
    labels = v4.schema.definitions_api.get_all("deals", "contacts")
    check(any(l.label == "Py champion" and l.type_id == type_id for l in labels.results), "the label is listed")
    deal = deals.basic_api.create(SimplePublicObjectInputForCreate(properties={"dealname": "Py labelled"}))
    spec = AssociationSpec(association_category="USER_DEFINED", association_type_id=type_id)
    pair = v4.basic_api.create("deals", deal.id, "contacts", "5151", [spec])
    check(pair.labels == ["Py champion"], "a labelled association")
    v4.basic_api.create_default("deals", deal.id, "contacts", "5151")
    page = v4.basic_api.get_page("deals", deal.id, "contacts")
    kinds = sorted(t.type_id for t in page.results[0].association_types)
    check(kinds == sorted([3, type_id]), "both types of the pair")
    v4.batch_api.archive_labels(
        "deals",
        "contacts",
        BatchInputPublicAssociationMultiPost(
            inputs=[PublicAssociationMultiPost(_from=PublicObjectId(id=deal.id), to=PublicObjectId(id="5151"), types=[spec])]
        ),
    )
    page = v4.basic_api.get_page("deals", deal.id, "contacts")
    check([t.type_id for t in page.results[0].association_types] == [3], "the label removed, the default kept")
    v4.schema.definitions_api.remove("deals", "contacts", type_id)
    labels = v4.schema.definitions_api.get_all("deals", "contacts")
    check(all(l.type_id != type_id for l in labels.results), "the label is gone")


@flow
def oauth_refresh():
    anonymous = HubSpot(host=base)
    tokens = anonymous.oauth.tokens_api.create(
        grant_type="refresh_token",
        refresh_token=refresh_token,
        client_id=client_id,
        client_secret=client_secret,
    )
    check(tokens.access_token and tokens.expires_in == 1800, "a refresh gives an access token")
    info = anonymous.oauth.access_tokens_api.get(tokens.access_token)
    check("crm.objects.deals.read" in info.scopes, "token information lists its scopes")
    refresh_info = anonymous.oauth.refresh_tokens_api.get(refresh_token)
    check(refresh_info.client_id == client_id, "refresh token information names the app")
    user = HubSpot(access_token=tokens.access_token, host=base)
    check(user.crm.deals.basic_api.get_page(limit=1) is not None, "the access token works")


print(f"python SDK flows passed: {', '.join(passed)}")
