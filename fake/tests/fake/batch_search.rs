//! The fake HubSpot's batch and search behaviour over real HTTP.

use crate::support::http::{DEFAULT_AND_SYSTEM, TOKEN, get, patch, post, property_names};
use hubspot_deals::clock::ManualClock;
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const DEALS: &str = "/crm/v3/objects/deals";

use crate::support::unlimited_fake as fake;

fn url(fake: &FakeHubSpot, rest: &str) -> String {
    format!("{}{DEALS}{rest}", fake.base_url())
}

async fn batch_create(fake: &FakeHubSpot, inputs: Vec<Value>) -> Value {
    let reply = post(url(fake, "/batch/create"), json!({"inputs": inputs})).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}

fn ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn batch_statuses_and_partial_failures() {
    let fake = fake().await;
    let created = batch_create(
        &fake,
        (0..3)
            .map(|i| json!({"properties": {"dealname": format!("B{i}")}}))
            .collect(),
    )
    .await;
    assert_eq!(created["status"], "COMPLETE");
    assert!(created["startedAt"].is_string() && created["completedAt"].is_string());
    let made = ids(&created);
    assert_eq!(made.len(), 3);

    let read = post(url(&fake, "/batch/read"), json!({"inputs": [{"id": made[0]}, {"id": "999"}, {"id": made[1]}], "properties": ["dealname"], "propertiesWithHistory": []})).await;
    assert_eq!(read.status, 207);
    assert_eq!(ids(&read.json), [made[0].clone(), made[1].clone()]);
    assert_eq!(read.json["numErrors"], 1);
    assert_eq!(read.json["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(read.json["errors"][0]["context"]["ids"], json!(["999"]));
    assert_eq!(
        (
            &read.json["errors"][0]["errors"],
            &read.json["errors"][0]["links"]
        ),
        (&json!([]), &json!({})),
        "empty errors and links, which HubSpot's schema requires"
    );
    let all_found = post(
        url(&fake, "/batch/read"),
        json!({"inputs": [{"id": made[2]}], "properties": [], "propertiesWithHistory": []}),
    )
    .await;
    assert_eq!(all_found.status, 200);
    assert!(all_found.json.get("errors").is_none());

    let updated = post(url(&fake, "/batch/update"), json!({"inputs": [
        {"id": made[0], "properties": {"amount": "7"}}, {"id": "999", "objectWriteTraceId": "t-9", "properties": {"amount": "8"}}]})).await;
    assert_eq!(updated.status, 207);
    assert_eq!(updated.json["results"][0]["properties"]["amount"], "7");
    assert_eq!(updated.json["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(updated.json["errors"][0]["context"]["ids"], json!(["999"]));
    assert_eq!(
        updated.json["errors"][0]["context"]["objectWriteTraceId"],
        json!(["t-9"])
    );
    assert_eq!(fake.deal_count(), 3, "the missing id created nothing");

    let duplicates = post(url(&fake, "/batch/read"), json!({"inputs": [{"id": made[0]}, {"id": made[0]}], "properties": [], "propertiesWithHistory": []})).await;
    assert_eq!(duplicates.status, 200);
    assert_eq!(ids(&duplicates.json), [made[0].clone()], "each deal once");

    let archived = post(
        url(&fake, "/batch/archive"),
        json!({"inputs": [{"id": made[2]}, {"id": "999"}]}),
    )
    .await;
    assert_eq!(archived.status, 204);
    assert_eq!(archived.text, "");
    assert_eq!(get(url(&fake, &format!("/{}", made[2]))).await.status, 404);
}

#[tokio::test]
async fn batch_create_fails_whole_or_per_input_with_trace_ids() {
    let fake = fake().await;
    let whole = post(
        url(&fake, "/batch/create"),
        json!({"inputs": [
        {"properties": {"dealname": "ok"}}, {"properties": {"nope": "x"}}]}),
    )
    .await;
    assert_eq!(whole.status, 400);
    assert_eq!(whole.json["errors"][0]["code"], "PROPERTY_DOESNT_EXIST");
    assert_eq!(
        fake.deal_count(),
        0,
        "nothing created when the call fails whole"
    );
    let traced = post(
        url(&fake, "/batch/create"),
        json!({"inputs": [
        {"objectWriteTraceId": "a", "properties": {"dealname": "ok"}},
        {"objectWriteTraceId": "b", "properties": {"nope": "x"}}]}),
    )
    .await;
    assert_eq!(traced.status, 207);
    assert_eq!(ids(&traced.json).len(), 1);
    assert_eq!(
        traced.json["errors"][0]["context"]["objectWriteTraceId"],
        json!(["b"])
    );
    assert_eq!(traced.json["errors"][0]["category"], "VALIDATION_ERROR");
    assert_eq!(traced.json["numErrors"], 1);
    assert_eq!(fake.deal_count(), 1);
}

#[tokio::test]
async fn batch_limits_and_duplicates_are_rejected_whole() {
    let fake = fake().await;
    let too_many: Vec<Value> = (0..101).map(|i| json!({"id": i.to_string()})).collect();
    for op in ["read", "archive"] {
        let reply = post(
            url(&fake, &format!("/batch/{op}")),
            json!({"inputs": too_many, "properties": [], "propertiesWithHistory": []}),
        )
        .await;
        assert_eq!(reply.status, 400, "{op}");
        assert_eq!(reply.category(), Some("VALIDATION_ERROR"));
        assert!(
            reply.json["message"]
                .as_str()
                .unwrap()
                .contains("at most 100")
        );
    }
    let hundred: Vec<Value> = (0..100)
        .map(|i| json!({"properties": {"dealname": format!("n{i}")}}))
        .collect();
    assert_eq!(
        ids(&batch_create(&fake, hundred).await).len(),
        100,
        "exactly 100 is fine"
    );
    let dup = post(
        url(&fake, "/batch/update"),
        json!({"inputs": [
        {"id": "1001", "properties": {}}, {"id": "1001", "properties": {}}]}),
    )
    .await;
    assert_eq!(dup.status, 400);
    assert_eq!(
        dup.json["message"],
        "Duplicate IDs found in batch input: [1001]. IDs must be unique"
    );
    assert_eq!(dup.json["context"]["ids"], json!(["1001"]));
    let dup_upsert = post(url(&fake, "/batch/upsert"), json!({"inputs": [
        {"id": "x", "idProperty": "external_id", "properties": {}}, {"id": "x", "idProperty": "external_id", "properties": {}}]})).await;
    assert_eq!(dup_upsert.status, 400);
    assert_eq!(
        dup_upsert.json["message"],
        "Duplicate IDs found in batch input: [x]. IDs must be unique"
    );
    let missing = post(url(&fake, "/batch/update"), json!({"nope": []})).await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.json["message"],
        "Invalid input JSON: inputs is required and must be an array"
    );
    assert_eq!(fake.deal_count(), 100, "no rejected batch changed anything");
}

#[tokio::test]
async fn upsert_creates_or_updates_by_the_unique_property() {
    let fake = fake().await;
    let first = post(
        url(&fake, "/batch/upsert"),
        json!({"inputs": [
        {"id": "ext-1", "idProperty": "external_id", "properties": {"dealname": "one"}}]}),
    )
    .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json["results"][0]["new"], true);
    let second = post(
        url(&fake, "/batch/upsert"),
        json!({"inputs": [
        {"id": "ext-1", "idProperty": "external_id", "properties": {"dealname": "one again"}},
        {"id": "ext-2", "idProperty": "external_id", "properties": {"dealname": "two"}}]}),
    )
    .await;
    let flags: Vec<&Value> = second.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["new"])
        .collect();
    assert_eq!(flags, [&json!(false), &json!(true)]);
    assert_eq!(
        second.json["results"][0]["id"],
        first.json["results"][0]["id"]
    );
    assert_eq!(
        second.json["results"][0]["properties"]["dealname"],
        "one again"
    );
    assert_eq!(fake.deal_count(), 2);
    // An archived deal no longer holds its unique value: upserting it again makes a new deal.
    let archived_id = first.json["results"][0]["id"].as_str().unwrap().to_string();
    crate::support::http::delete(url(&fake, &format!("/{archived_id}"))).await;
    let again = post(
        url(&fake, "/batch/upsert"),
        json!({"inputs": [
        {"id": "ext-1", "idProperty": "external_id", "properties": {"dealname": "one, anew"}}]}),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json["results"][0]["new"], true);
    assert_ne!(again.json["results"][0]["id"], archived_id);
    // With an archived and a live deal holding ext-1, the live one is the one found.
    let live_id = again.json["results"][0]["id"].clone();
    let once_more = post(
        url(&fake, "/batch/upsert"),
        json!({"inputs": [
        {"id": "ext-1", "idProperty": "external_id", "properties": {"dealname": "updated"}}]}),
    )
    .await;
    assert_eq!(once_more.json["results"][0]["new"], false);
    assert_eq!(once_more.json["results"][0]["id"], live_id);
    let read_archived = post(
        format!("{}?archived=true", url(&fake, "/batch/read")),
        json!({"idProperty": "external_id", "inputs": [{"id": "ext-1"}], "properties": []}),
    )
    .await;
    assert_eq!(read_archived.json["results"][0]["id"], archived_id.as_str());
    assert_eq!(fake.deal_count(), 3);
    let not_unique = post(
        url(&fake, "/batch/upsert"),
        json!({"inputs": [
        {"id": "x", "idProperty": "dealname", "properties": {}}]}),
    )
    .await;
    assert_eq!(not_unique.status, 400);
    assert_eq!(
        not_unique.json["message"],
        "dealname is not a unique identifier property for deals"
    );
}

async fn search(fake: &FakeHubSpot, body: Value) -> Value {
    let reply = post(url(fake, "/search"), body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json
}

fn filter(property: &str, operator: &str, value: Value) -> Value {
    let mut f = json!({"propertyName": property, "operator": operator});
    if let Value::Object(extra) = value {
        f.as_object_mut().unwrap().extend(extra);
    }
    json!({"filterGroups": [{"filters": [f]}], "properties": ["dealname"], "limit": 100})
}

#[tokio::test]
async fn search_supports_every_operator() {
    let fake = fake().await;
    batch_create(&fake, vec![
        json!({"properties": {"dealname": "Alpha integration", "amount": "100", "dealstage": "closedwon", "closedate": "2024-01-10"}}),
        json!({"properties": {"dealname": "Beta onboarding", "amount": "250.5", "dealstage": "contractsent", "closedate": "1709251200000"}}),
        json!({"properties": {"dealname": "Gamma renewal", "dealstage": "closedlost"}}),
    ]).await;
    let names = |body: &Value| -> Vec<String> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["properties"]["dealname"].as_str().unwrap().to_string())
            .collect()
    };
    let cases = [
        // A property no deal has (or that does not exist) matches as one without a value.
        (
            filter("no_such_property", "NOT_HAS_PROPERTY", json!({})),
            vec!["Alpha integration", "Beta onboarding", "Gamma renewal"],
        ),
        (
            filter("no_such_property", "EQ", json!({"value": "x"})),
            vec![],
        ),
        (
            filter("dealstage", "EQ", json!({"value": "CLOSEDWON"})),
            vec!["Alpha integration"],
        ),
        (
            filter("dealstage", "NEQ", json!({"value": "closedwon"})),
            vec!["Beta onboarding", "Gamma renewal"],
        ),
        (
            filter("amount", "LT", json!({"value": "250.5"})),
            vec!["Alpha integration"],
        ),
        (
            filter("amount", "LTE", json!({"value": "250.5"})),
            vec!["Alpha integration", "Beta onboarding"],
        ),
        (
            filter("amount", "GT", json!({"value": "100"})),
            vec!["Beta onboarding"],
        ),
        (
            filter("amount", "GTE", json!({"value": "100"})),
            vec!["Alpha integration", "Beta onboarding"],
        ),
        (
            filter(
                "closedate",
                "BETWEEN",
                json!({"value": "1704067200000", "highValue": "1706745600000"}),
            ),
            vec!["Alpha integration"],
        ),
        // Written as a date and as epoch milliseconds, both compare as dates.
        (
            filter("closedate", "GTE", json!({"value": "1709251200000"})),
            vec!["Beta onboarding"],
        ),
        (
            filter("closedate", "LT", json!({"value": "1704931200001"})),
            vec!["Alpha integration"],
        ),
        (
            filter(
                "dealstage",
                "IN",
                json!({"values": ["closedwon", "closedlost"]}),
            ),
            vec!["Alpha integration", "Gamma renewal"],
        ),
        (
            filter(
                "dealstage",
                "NOT_IN",
                json!({"values": ["closedwon", "closedlost"]}),
            ),
            vec!["Beta onboarding"],
        ),
        (
            filter("amount", "HAS_PROPERTY", json!({})),
            vec!["Alpha integration", "Beta onboarding"],
        ),
        (
            filter("amount", "NOT_HAS_PROPERTY", json!({})),
            vec!["Gamma renewal"],
        ),
        (
            filter("dealname", "CONTAINS_TOKEN", json!({"value": "onboard*"})),
            vec!["Beta onboarding"],
        ),
        (
            filter("dealname", "NOT_CONTAINS_TOKEN", json!({"value": "alpha"})),
            vec!["Beta onboarding", "Gamma renewal"],
        ),
    ];
    for (body, expected) in cases {
        let operator = body["filterGroups"][0]["filters"][0]["operator"].clone();
        let found = search(&fake, body).await;
        assert_eq!(names(&found), expected, "{operator}");
        assert_eq!(found["total"], expected.len());
    }
    // Groups are ORed, filters within a group ANDed.
    let or = search(&fake, json!({"filterGroups": [
        {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}, {"propertyName": "amount", "operator": "GT", "value": "1000"}]},
        {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedlost"}]}]})).await;
    assert_eq!(names(&or), ["Gamma renewal"]);
    let query = search(&fake, json!({"query": "renew", "limit": 10})).await;
    assert_eq!(names(&query), ["Gamma renewal"]);
    let sorted = search(&fake, json!({"sorts": ["-amount"], "limit": 10})).await;
    assert_eq!(
        names(&sorted),
        ["Beta onboarding", "Alpha integration", "Gamma renewal"],
        "valueless last"
    );
    let default_props = search(&fake, json!({"limit": 1})).await;
    assert_eq!(
        property_names(&default_props["results"][0]),
        DEFAULT_AND_SYSTEM
    );
}

#[tokio::test]
async fn search_limits_are_enforced() {
    let fake = fake().await;
    let f = json!({"propertyName": "amount", "operator": "HAS_PROPERTY"});
    let cases = [
        (
            json!({"filterGroups": vec![json!({"filters": [f]}); 6]}),
            "groups",
        ),
        (
            json!({"filterGroups": [{"filters": vec![f.clone(); 7]}]}),
            "filters in",
        ),
        (
            json!({"filterGroups": vec![json!({"filters": vec![f.clone(); 4]}); 5]}),
            "in all",
        ),
        (json!({"limit": 201}), "limit"),
        (json!({"query": "x".repeat(3001)}), "query"),
        (json!({"after": "abc"}), "offset"),
        (json!({"after": "10000"}), "capped"),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "amount", "operator": "IN"}]}]}),
            "needs values",
        ),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "amount", "operator": "LIKE", "value": "1"}]}]}),
            "not one of",
        ),
    ];
    for (body, expected) in cases {
        let reply = post(url(&fake, "/search"), body).await;
        assert_eq!(reply.status, 400, "{expected}: {}", reply.text);
        assert_eq!(reply.category(), Some("VALIDATION_ERROR"));
        assert!(
            reply.json["message"].as_str().unwrap().contains(expected),
            "{expected}: {}",
            reply.json["message"]
        );
    }
    let five_by_three =
        json!({"filterGroups": vec![json!({"filters": vec![f.clone(); 3]}); 5], "limit": 200});
    assert_eq!(
        post(url(&fake, "/search"), five_by_three).await.status,
        200,
        "5 groups, 15 filters, limit 200 are fine"
    );
}

#[tokio::test]
async fn search_pages_by_offset_up_to_the_10000_cap_and_skips_archived_deals() {
    let fake = fake().await;
    for chunk in 0..101 {
        let inputs = (0..100)
            .map(|i| json!({"properties": {"dealname": format!("deal {chunk}-{i}")}}))
            .collect();
        batch_create(&fake, inputs).await;
    }
    let first = search(&fake, json!({"limit": 200})).await;
    assert_eq!(first["total"], 10_100);
    assert_eq!(first["paging"]["next"]["after"], "200");
    let near_cap = search(&fake, json!({"limit": 200, "after": "9900"})).await;
    assert_eq!(
        near_cap["results"].as_array().unwrap().len(),
        100,
        "results stop at the cap"
    );
    let at_cap = search(&fake, json!({"limit": 100, "after": "9900"})).await;
    assert_eq!(
        at_cap["paging"]["next"]["after"], "10000",
        "as HubSpot does, the next page is offered"
    );
    let past = post(url(&fake, "/search"), json!({"after": "10000"})).await;
    assert_eq!(past.status, 400, "and refused");
    assert_eq!(past.category(), Some("VALIDATION_ERROR"));
    assert!(
        past.json["message"]
            .as_str()
            .unwrap()
            .contains("capped at 10000")
    );

    let victim = first["results"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        post(
            url(&fake, "/batch/archive"),
            json!({"inputs": [{"id": victim}]})
        )
        .await
        .status,
        204
    );
    let after_archive = search(&fake, json!({"limit": 1})).await;
    assert_eq!(after_archive["total"], 10_099);
    assert_ne!(after_archive["results"][0]["id"], victim.as_str());
}

#[tokio::test]
async fn search_sees_new_deals_only_after_the_indexing_lag() {
    let clock = ManualClock::default();
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::UNLIMITED)
        .search_indexing_lag(Duration::from_secs(30))
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    post(url(&fake, ""), json!({"properties": {"dealname": "fresh"}})).await;
    assert_eq!(search(&fake, json!({"query": "fresh"})).await["total"], 0);
    clock.advance(Duration::from_secs(29));
    assert_eq!(search(&fake, json!({"query": "fresh"})).await["total"], 0);
    clock.advance(Duration::from_secs(1));
    assert_eq!(search(&fake, json!({"query": "fresh"})).await["total"], 1);
    assert_eq!(
        get(url(&fake, "")).await.json["results"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "reads see it at once"
    );
    // An update of an indexed deal shows in search at once.
    let id = get(url(&fake, "")).await.json["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    patch(
        url(&fake, &format!("/{id}")),
        json!({"properties": {"dealname": "renamed"}}),
    )
    .await;
    assert_eq!(search(&fake, json!({"query": "renamed"})).await["total"], 1);
}
