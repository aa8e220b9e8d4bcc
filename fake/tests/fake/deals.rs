//! The fake HubSpot's single-deal behaviour over real HTTP: records, properties, paging,
//! validation, merge, archive.

use crate::support::http::{
    DEFAULT_AND_SYSTEM, TOKEN, delete, get, http, patch, post, property_names, send,
};
use hubspot_deals_fake::{FakeHubSpot, Pipeline, RateLimits};
use serde_json::{Value, json};

const DEALS: &str = "/crm/v3/objects/deals";

async fn fake() -> FakeHubSpot {
    FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .unique_property("external_id")
        .pipeline(Pipeline::new("77", ["s1", "s2"]))
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await
        .unwrap()
}

async fn create(fake: &FakeHubSpot, properties: Value) -> Value {
    let reply = post(
        format!("{}{DEALS}", fake.base_url()),
        json!({"properties": properties}),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}

#[tokio::test]
async fn create_and_read_maintain_ids_timestamps_and_system_properties() {
    let fake = fake().await;
    let number = post(
        format!("{}{DEALS}", fake.base_url()),
        json!({"properties": {"amount": 1500}}),
    )
    .await;
    assert_eq!(number.status, 400, "property values are strings");
    assert_eq!(
        number.json["message"],
        "Invalid input JSON: properties.amount must be string, got a number"
    );
    let deal = create(
        &fake,
        json!({"dealname": "A", "amount": "1500", "dealstage": "qualifiedtobuy"}),
    )
    .await;
    let id = deal["id"].as_str().unwrap();
    assert!(id.parse::<u64>().is_ok(), "numeric string id: {id}");
    assert_eq!(deal["archived"], false);
    assert!(deal.get("archivedAt").is_none());
    let props = &deal["properties"];
    assert_eq!(props["amount"], "1500");
    assert_eq!(
        props["pipeline"], "default",
        "pipeline defaults with a stage"
    );
    assert_eq!(props["hs_object_id"], id);
    assert_eq!(props["createdate"], deal["createdAt"]);
    assert_eq!(props["hs_lastmodifieddate"], deal["updatedAt"]);
    assert_eq!(
        props["closedate"],
        Value::Null,
        "default property without a value is null"
    );
    let no_stage = create(&fake, json!({"dealname": "No stage"})).await;
    assert_eq!(
        no_stage["properties"]["pipeline"],
        Value::Null,
        "a create without a stage is accepted; no pipeline is set for it"
    );
    let created_at = deal["createdAt"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "ms and Z: {created_at}"
    );

    // Both prefixes serve the same deals.
    let read = get(format!("{}/crm/v3/objects/0-3/{id}", fake.base_url())).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json["properties"], deal["properties"]);
}

#[tokio::test]
async fn default_properties_or_only_the_requested_ones_plus_system_ones() {
    let fake = fake().await;
    let deal = create(&fake, json!({"dealname": "A", "description": "long text"})).await;
    let id = deal["id"].as_str().unwrap();
    let defaults = get(format!("{}{DEALS}/{id}", fake.base_url())).await.json;
    assert_eq!(property_names(&defaults), DEFAULT_AND_SYSTEM);
    let asked = get(format!(
        "{}{DEALS}/{id}?properties=description&properties=nonexistent,hs_priority",
        fake.base_url()
    ))
    .await
    .json;
    assert_eq!(
        property_names(&asked),
        [
            "createdate",
            "description",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_priority"
        ]
    );
    assert_eq!(asked["properties"]["hs_priority"], Value::Null);
}

#[tokio::test]
async fn update_clears_with_empty_string_and_keeps_history() {
    let fake = fake().await;
    let deal = create(&fake, json!({"dealname": "A", "amount": "10"})).await;
    let url = format!(
        "{}{DEALS}/{}",
        fake.base_url(),
        deal["id"].as_str().unwrap()
    );
    let updated = patch(url.clone(), json!({"properties": {"amount": "20"}})).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json["properties"]["amount"], "20");
    assert_eq!(
        updated.json["properties"]["dealname"], "A",
        "other properties untouched"
    );
    let cleared = patch(url.clone(), json!({"properties": {"amount": ""}})).await;
    assert_eq!(cleared.json["properties"]["amount"], Value::Null);
    let history = get(format!("{url}?propertiesWithHistory=amount"))
        .await
        .json;
    let values: Vec<&str> = history["propertiesWithHistory"]["amount"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["", "20", "10"], "newest first");
    assert_eq!(
        history["propertiesWithHistory"]["amount"][0]["sourceType"],
        "API"
    );
}

#[tokio::test]
async fn id_property_looks_up_by_a_unique_value() {
    let fake = fake().await;
    let deal = create(&fake, json!({"dealname": "A", "external_id": "ext-9"})).await;
    let found = get(format!(
        "{}{DEALS}/ext-9?idProperty=external_id",
        fake.base_url()
    ))
    .await;
    assert_eq!(found.json["id"], deal["id"]);
    let updated = patch(
        format!("{}{DEALS}/ext-9?idProperty=external_id", fake.base_url()),
        json!({"properties": {"dealname": "B"}}),
    )
    .await;
    assert_eq!(updated.json["properties"]["dealname"], "B");
    let missing = get(format!(
        "{}{DEALS}/ext-0?idProperty=external_id",
        fake.base_url()
    ))
    .await;
    assert_eq!(missing.status, 404);
    let not_unique = get(format!("{}{DEALS}/A?idProperty=dealname", fake.base_url())).await;
    assert_eq!(not_unique.status, 400);
    assert_eq!(not_unique.category(), Some("VALIDATION_ERROR"));
    assert_eq!(
        not_unique.json["message"],
        "dealname is not a unique identifier property for deals"
    );
    let duplicate = post(
        format!("{}{DEALS}", fake.base_url()),
        json!({"properties": {"external_id": "ext-9"}}),
    )
    .await;
    assert_eq!(duplicate.status, 400, "a unique value cannot be used twice");
    assert_eq!(duplicate.category(), Some("CONFLICT"));
    assert_eq!(
        duplicate.json["message"],
        format!(
            "A deal with external_id=ext-9 already exists. Existing ID: {}",
            deal["id"].as_str().unwrap()
        )
    );
}

#[tokio::test]
async fn paging_uses_cursors_without_skipping_or_repeating_while_deals_are_added() {
    let fake = fake().await;
    for i in 0..25 {
        create(&fake, json!({"dealname": format!("D{i}")})).await;
    }
    let first = get(format!("{}{DEALS}", fake.base_url())).await.json;
    assert_eq!(
        first["results"].as_array().unwrap().len(),
        10,
        "limit defaults to 10"
    );
    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    let mut added = 0;
    loop {
        let cursor = after
            .as_ref()
            .map(|a| format!("&after={a}"))
            .unwrap_or_default();
        let page = get(format!("{}{DEALS}?limit=7{cursor}", fake.base_url()))
            .await
            .json;
        seen.extend(
            page["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_string()),
        );
        if added < 3 {
            create(&fake, json!({"dealname": format!("late {added}")})).await;
            added += 1;
        }
        match page["paging"]["next"]["after"].as_str() {
            Some(next) => {
                assert!(
                    page["paging"]["next"]["link"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("after={next}"))
                );
                after = Some(next.to_string());
            }
            None => {
                assert!(page.get("paging").is_none(), "no paging on the last page");
                break;
            }
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no deal repeated");
    assert_eq!(
        seen.len(),
        28,
        "every deal seen, those added between pages included"
    );
    let too_big = get(format!("{}{DEALS}?limit=101", fake.base_url())).await;
    assert_eq!(too_big.status, 400);
    assert_eq!(too_big.category(), Some("VALIDATION_ERROR"));
    assert_eq!(
        too_big.json["message"],
        "limit must be between 1 and 100, got 101"
    );
    let hundred = get(format!("{}{DEALS}?limit=100", fake.base_url())).await;
    assert_eq!(hundred.json["results"].as_array().unwrap().len(), 28);
    let history_ok = get(format!(
        "{}{DEALS}?limit=50&propertiesWithHistory=amount",
        fake.base_url()
    ))
    .await;
    assert_eq!(history_ok.json["results"].as_array().unwrap().len(), 28);
    assert!(history_ok.json["results"][0]["propertiesWithHistory"]["amount"].is_array());
    let history_max = get(format!(
        "{}{DEALS}?limit=51&propertiesWithHistory=amount",
        fake.base_url()
    ))
    .await;
    assert_eq!(
        history_max.json["message"], "limit must be between 1 and 50, got 51",
        "history lowers the page size to 50"
    );
}

#[tokio::test]
async fn archive_is_idempotent_and_archived_deals_are_read_only_when_asked() {
    let fake = fake().await;
    let kept = create(&fake, json!({"dealname": "kept"})).await;
    let gone = create(&fake, json!({"dealname": "gone"})).await;
    let gone_id = gone["id"].as_str().unwrap();
    let url = format!("{}{DEALS}/{gone_id}", fake.base_url());
    assert_eq!(delete(url.clone()).await.status, 204);
    assert_eq!(delete(url.clone()).await.status, 204, "again");
    assert_eq!(
        delete(format!("{}{DEALS}/999999", fake.base_url()))
            .await
            .status,
        204,
        "unknown id"
    );
    assert_eq!(get(url.clone()).await.status, 404);
    let archived = get(format!("{url}?archived=true")).await;
    assert_eq!(archived.status, 200);
    assert_eq!(archived.json["archived"], true);
    assert!(archived.json["archivedAt"].is_string());
    let live = get(format!("{}{DEALS}", fake.base_url())).await.json;
    let ids: Vec<&Value> = live["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["id"])
        .collect();
    assert_eq!(ids, [&kept["id"]]);
    let only_archived = get(format!("{}{DEALS}?archived=true", fake.base_url()))
        .await
        .json;
    assert_eq!(only_archived["results"][0]["id"], gone_id);
    assert_eq!(only_archived["results"].as_array().unwrap().len(), 1);
    let bad_flag = get(format!("{}{DEALS}?archived=1", fake.base_url())).await;
    assert_eq!(bad_flag.status, 400, "only the literal true/false");
    assert_eq!(
        bad_flag.json["message"],
        "Unable to parse query parameter archived=\"1\": expected true or false"
    );
}

#[tokio::test]
async fn validation_errors_carry_hubspot_bodies() {
    let fake = fake().await;
    let url = format!("{}{DEALS}", fake.base_url());
    let unknown = post(
        url.clone(),
        json!({"properties": {"dealname": "A", "colour": "red"}}),
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.category(), Some("VALIDATION_ERROR"));
    assert!(
        unknown.json["message"]
            .as_str()
            .unwrap()
            .starts_with("Property values were not valid: ")
    );
    assert_eq!(unknown.json["errors"][0]["code"], "PROPERTY_DOESNT_EXIST");
    assert_eq!(
        unknown.json["errors"][0]["context"]["propertyName"],
        json!(["colour"])
    );

    let stage = post(url.clone(), json!({"properties": {"dealstage": "s1"}})).await;
    assert_eq!(stage.status, 400, "s1 is in pipeline 77, not in default");
    assert_eq!(stage.json["errors"][0]["code"], "INVALID_OPTION");
    let in_pipeline = post(
        url.clone(),
        json!({"properties": {"pipeline": "77", "dealstage": "s1"}}),
    )
    .await;
    assert_eq!(in_pipeline.status, 201);
    let id = in_pipeline.json["id"].as_str().unwrap();
    let wrong_later = patch(
        format!("{url}/{id}"),
        json!({"properties": {"dealstage": "closedwon"}}),
    )
    .await;
    assert_eq!(
        wrong_later.json["errors"][0]["code"], "INVALID_OPTION",
        "checked against the deal's own pipeline"
    );
    let no_pipeline = post(url.clone(), json!({"properties": {"pipeline": "nope"}})).await;
    assert_eq!(no_pipeline.json["errors"][0]["code"], "INVALID_OPTION");
    let read_only = patch(
        format!("{url}/{id}"),
        json!({"properties": {"hs_object_id": "1"}}),
    )
    .await;
    assert_eq!(read_only.json["errors"][0]["code"], "READ_ONLY_VALUE");
    let not_a_number = patch(
        format!("{url}/{id}"),
        json!({"properties": {"amount": "1.4210854715202004e-14", "closedate": "soon"}}),
    )
    .await;
    assert_eq!(not_a_number.status, 400, "HubSpot refuses both");
    assert_eq!(not_a_number.json["errors"][0]["code"], "INVALID_INTEGER");
    assert_eq!(
        not_a_number.json["errors"][0]["message"],
        "1.4210854715202004e-14 was not a valid number."
    );
    assert_eq!(
        not_a_number.json["errors"][0]["context"]["propertyName"],
        json!(["amount"])
    );
    assert_eq!(not_a_number.json["errors"][1]["code"], "INVALID_LONG");
    let typed = patch(
        format!("{url}/{id}"),
        json!({"properties": {"amount": "1500.50", "closedate": "2026-12-01T10:00:00Z"}}),
    )
    .await;
    assert_eq!(typed.status, 200, "{:?}", typed.json);
    assert_eq!(
        typed.json["properties"]["closedate"], "2026-12-01T10:00:00.000Z",
        "a datetime reads back as ISO 8601 with milliseconds"
    );
    let epoch = patch(
        format!("{url}/{id}"),
        json!({"properties": {"closedate": "1575737406678"}}),
    )
    .await;
    assert_eq!(
        epoch.json["properties"]["closedate"],
        "2019-12-07T16:50:06.678Z"
    );
    let cleared = patch(format!("{url}/{id}"), json!({"properties": {"amount": ""}})).await;
    assert_eq!(cleared.status, 200, "an empty value clears a number too");

    let malformed = send(
        http()
            .post(url.clone())
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body("{\"properties\": "),
    )
    .await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed.json["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid input JSON on line 1")
    );
    let wrong_type = send(
        http()
            .post(url.clone())
            .bearer_auth(TOKEN)
            .header("content-type", "text/plain")
            .body("{}"),
    )
    .await;
    assert_eq!(wrong_type.status, 415);
    assert_eq!(wrong_type.category(), Some("VALIDATION_ERROR"));
    let missing = post(url.clone(), json!({"associations": []})).await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.json["message"]
            .as_str()
            .unwrap()
            .contains("properties is required")
    );
    let not_numeric = get(format!("{url}/abc")).await;
    assert_eq!(not_numeric.status, 404);
    assert_eq!(
        not_numeric.json["message"],
        "Object not found.  objectId are usually numeric."
    );
    assert_eq!(not_numeric.json["context"]["id"], json!(["abc"]));
    let unknown_id = get(format!("{url}/424242")).await;
    assert_eq!(unknown_id.status, 404);
    assert_eq!(unknown_id.category(), Some("OBJECT_NOT_FOUND"));
    assert_eq!(unknown_id.json["message"], "resource not found");
    let patched = patch(format!("{url}/424242"), json!({"properties": {}})).await;
    assert_eq!(patched.status, 404);
    assert_eq!(patched.category(), Some("OBJECT_NOT_FOUND"));
    assert_eq!(fake.deal_count(), 1, "no rejected request created anything");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let fake = fake().await;
    let route = get(format!("{}/crm/v3/nothing/here", fake.base_url())).await;
    assert_eq!(route.status, 404);
    assert_eq!(route.json["message"], "resource not found");
    assert_eq!(route.category(), Some("OBJECT_NOT_FOUND"));
    // Another object type is there at HubSpot; the fake keeps none, and answers as HubSpot
    // does a token without its scopes.
    let other = get(format!("{}/crm/v3/objects/dealz", fake.base_url())).await;
    assert_eq!(other.status, 403);
    assert_eq!(other.category(), Some("MISSING_SCOPES"));
    assert_eq!(
        other.json["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.objects.dealz.read"])
    );
    let method = send(
        http()
            .put(format!("{}{DEALS}/1", fake.base_url()))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(method.status, 405);
    assert!(
        method
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(method.header("allow"), Some("GET, PATCH, DELETE"));
    assert_eq!(
        method.json["message"],
        "HTTP method PUT is not supported by this resource"
    );
}

#[tokio::test]
async fn associations_are_kept_and_returned_when_asked() {
    let fake = fake().await;
    let body = json!({"properties": {"dealname": "A"}, "associations": [
        {"to": {"id": "201"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]},
        {"to": {"id": "301"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}]}]});
    let deal = post(format!("{}{DEALS}", fake.base_url()), body).await.json;
    assert!(deal.get("associations").is_none(), "not asked for");
    let read = get(format!(
        "{}{DEALS}/{}?associations=contacts,tickets",
        fake.base_url(),
        deal["id"].as_str().unwrap()
    ))
    .await
    .json;
    assert_eq!(
        read["associations"],
        json!({"contacts": {"results": [{"id": "201", "type": "deal_to_contact"}]}})
    );
    let bad = post(format!("{}{DEALS}", fake.base_url()), json!({"properties": {}, "associations": [
        {"to": {"id": "1"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 999}]}]})).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json["message"]
            .as_str()
            .unwrap()
            .contains("association type 999 is not defined from deals"),
        "{}",
        bad.text
    );
}

#[tokio::test]
async fn merge_makes_a_new_deal_that_both_old_ids_resolve_to() {
    let fake = fake().await;
    let primary = create(&fake, json!({"dealname": "Primary", "amount": "100"})).await;
    let other = create(
        &fake,
        json!({"dealname": "Other", "description": "from other"}),
    )
    .await;
    let (p, o) = (
        primary["id"].as_str().unwrap(),
        other["id"].as_str().unwrap(),
    );
    let merged = post(
        format!("{}{DEALS}/merge", fake.base_url()),
        json!({"primaryObjectId": p, "objectIdToMerge": o}),
    )
    .await;
    assert_eq!(merged.status, 200, "{}", merged.text);
    let new_id = merged.json["id"].as_str().unwrap();
    assert!(new_id != p && new_id != o, "a new id");
    assert_eq!(
        merged.json["properties"]["dealname"], "Primary",
        "the primary's values win"
    );
    let mut merged_ids: Vec<&str> = merged.json["properties"]["hs_merged_object_ids"]
        .as_str()
        .unwrap()
        .split(';')
        .collect();
    merged_ids.sort();
    assert_eq!(merged_ids, {
        let mut ids = vec![p, o];
        ids.sort();
        ids
    });
    for old in [p, o] {
        let read = get(format!("{}{DEALS}/{old}", fake.base_url())).await;
        assert_eq!(
            read.json["id"], new_id,
            "old id {old} resolves to the merged deal"
        );
    }
    let batch = post(
        format!("{}{DEALS}/batch/update", fake.base_url()),
        json!({"inputs": [{"id": o, "properties": {"amount": "5"}}]}),
    )
    .await;
    assert_eq!(
        batch.status, 207,
        "batch update does not take merged-away ids"
    );
    assert_eq!(batch.json["results"], json!([]));
    assert_eq!(batch.json["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(batch.json["errors"][0]["context"]["ids"], json!([o]));
    let unchanged = get(format!(
        "{}{DEALS}/{new_id}?properties=amount",
        fake.base_url()
    ))
    .await;
    assert_eq!(
        unchanged.json["properties"]["amount"], "100",
        "the amount is unchanged"
    );
    let single = patch(
        format!("{}{DEALS}/{o}", fake.base_url()),
        json!({"properties": {"amount": "5"}}),
    )
    .await;
    assert_eq!(single.status, 200, "single update does");
    assert_eq!(single.json["id"], new_id);
    let listed = get(format!("{}{DEALS}", fake.base_url())).await.json;
    assert_eq!(listed["results"].as_array().unwrap().len(), 1);
    let itself = post(
        format!("{}{DEALS}/merge", fake.base_url()),
        json!({"primaryObjectId": new_id, "objectIdToMerge": new_id}),
    )
    .await;
    assert_eq!(itself.status, 400);
    assert_eq!(itself.json["message"], "Cannot merge a deal with itself");
}

#[tokio::test]
async fn query_booleans_are_read_in_any_letter_case() {
    let fake = fake().await;
    let deal = create(&fake, json!({"dealname": "Old"})).await;
    let id = deal["id"].as_str().unwrap();
    let url = |query: &str| format!("{}{DEALS}/{id}?{query}", fake.base_url());
    assert_eq!(delete(url("")).await.status, 204);
    for yes in ["archived=True", "archived=TRUE", "archived=true"] {
        let reply = get(url(yes)).await;
        assert_eq!(reply.status, 200, "{yes}: {}", reply.text);
        assert_eq!(reply.json["archived"], true);
    }
    assert_eq!(get(url("archived=False")).await.status, 404);
    let bad = get(url("archived=yes")).await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("archived"), "{}", bad.text);
}

#[tokio::test]
async fn a_body_larger_than_the_fake_takes_gets_413_not_invalid_json() {
    let fake = fake().await;
    let huge = format!(
        r#"{{"properties": {{"dealname": "{}"}}}}"#,
        "x".repeat(17 * 1024 * 1024)
    );
    let reply = send(
        http()
            .post(format!("{}{DEALS}", fake.base_url()))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(huge),
    )
    .await;
    assert_eq!(reply.status, 413, "{}", reply.text);
    assert!(
        reply.json["message"]
            .as_str()
            .unwrap()
            .contains("larger than 16 MiB")
    );
    assert!(reply.json["correlationId"].is_string());
    assert_eq!(fake.deal_count(), 0);
}
