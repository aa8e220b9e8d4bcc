//! Each of the 12 operations every API version has, over real HTTP on loopback: what goes on the wire
//! (method, path, query, body, bearer token) and how a realistic HubSpot response decodes.

use crate::support::recorder::{Canned, Recorder, empty, json};
use hubspot_deals::Client;
use hubspot_deals::types::{self, FilterOperator};
use serde_json::json;
use std::collections::HashMap;

const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";
/// Where this build's API version keeps deals (`/crm/v3/objects/0-3` for v3).
const BASE: &str = hubspot_deals::operations::OBJECT_PATH;

/// Retries off: these tests are about what one call puts on the wire.
fn client(server: &Recorder) -> Client {
    Client::builder()
        .private_app_token(TOKEN)
        .base_url(&server.base_url)
        .retry(hubspot_deals::RetryPolicy::disabled())
        .build()
        .unwrap()
}

/// A deal as HubSpot returns it, with a property that is set to nothing (`null`).
fn deal(id: &str) -> serde_json::Value {
    json!({
        "id": id,
        "properties": {
            "amount": null,
            "closedate": "2019-12-07T16:50:06.678Z",
            "createdate": "2019-10-30T03:30:17.883Z",
            "dealname": "Custom data integrations",
            "dealstage": "presentationscheduled",
            "hs_lastmodifieddate": "2019-12-07T16:50:06.678Z",
            "hs_object_id": id,
            "pipeline": "default"
        },
        "createdAt": "2019-10-30T03:30:17.883Z",
        "updatedAt": "2019-12-07T16:50:06.678Z",
        "archived": false
    })
}

fn batch(results: serde_json::Value) -> serde_json::Value {
    json!({"status": "COMPLETE", "results": results,
           "startedAt": "2024-03-01T10:00:00.100Z", "completedAt": "2024-03-01T10:00:00.300Z"})
}

fn props(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

async fn serve(responses: Vec<Canned>) -> (Recorder, Client) {
    let server = Recorder::start(responses).await;
    let client = client(&server);
    (server, client)
}

fn assert_common(request: &crate::support::recorder::Recorded, method: &str, path: &str) {
    assert_eq!(request.method, method);
    assert_eq!(request.path, path);
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("hubspot-deals/"))
    );
}

fn assert_json_body(request: &crate::support::recorder::Recorded, expected: serde_json::Value) {
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.json(), expected);
}

#[tokio::test]
async fn get_page_sends_paging_and_property_queries() {
    let (server, client) = serve(vec![json(200, json!({
        "results": [deal("1"), deal("2")],
        "paging": {"next": {"after": "3", "link": "https://api.hubapi.com/crm/v3/objects/0-3?after=3"}}
    }))]).await;
    let page = client
        .get_page()
        .limit(2)
        .after("1")
        .properties(strings(&["dealname", "amount"]))
        .archived(false)
        .send()
        .await
        .unwrap();
    let request = server.single();
    assert_common(&request, "GET", BASE);
    assert_eq!(
        request.query.as_deref(),
        Some("after=1&archived=false&limit=2&properties=dealname&properties=amount")
    );
    assert!(request.body.is_empty());
    assert_eq!(page.status(), 200);
    assert_eq!(page.results.len(), 2);
    assert_eq!(
        page.results[0].properties["amount"], None,
        "null property value decodes"
    );
    assert_eq!(
        page.paging.as_ref().unwrap().next.as_ref().unwrap().after,
        "3"
    );
}

#[tokio::test]
async fn create_posts_properties_and_associations() {
    let (server, client) = serve(vec![json(201, deal("512"))]).await;
    let body = types::NewDeal {
        properties: props(&[
            ("dealname", "New deal"),
            ("dealstage", "appointmentscheduled"),
        ]),
        associations: vec![types::NewAssociation {
            to: types::PublicObjectId { id: "201".into() },
            types: vec![types::AssociationSpec {
                association_category: types::AssociationCategory::HubspotDefined,
                association_type_id: 3,
            }],
        }],
    };
    let created = client.create().body(body).send().await.unwrap();
    let request = server.single();
    assert_common(&request, "POST", BASE);
    assert_json_body(
        &request,
        json!({
            "properties": {"dealname": "New deal", "dealstage": "appointmentscheduled"},
            "associations": [{"to": {"id": "201"},
                              "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]}]
        }),
    );
    assert_eq!(created.status(), 201);
    assert_eq!(created.id, "512");
    assert_eq!(
        created.properties["dealname"].as_deref(),
        Some("Custom data integrations")
    );
    assert_eq!(
        created.created_at.to_rfc3339(),
        "2019-10-30T03:30:17.883+00:00"
    );
}

#[tokio::test]
async fn get_by_id_escapes_the_id_and_sends_options() {
    let mut with_assoc = deal("77");
    with_assoc["associations"] =
        json!({"contacts": {"results": [{"id": "201", "type": "deal_to_contact"}]}});
    with_assoc["propertiesWithHistory"] = json!({"dealstage": [
        {"value": "closedwon", "timestamp": "2024-01-02T03:04:05.678Z", "sourceType": "CRM_UI", "updatedByUserId": 42}]});
    let (server, client) = serve(vec![json(200, with_assoc)]).await;
    let got = client
        .get_by_id()
        .deal_id("deal/77 x")
        .id_property("my_unique")
        .associations(strings(&["contacts"]))
        .properties_with_history(strings(&["dealstage"]))
        .send()
        .await
        .unwrap();
    let request = server.single();
    assert_common(&request, "GET", &format!("{BASE}/deal%2F77%20x"));
    assert_eq!(
        request.query.as_deref(),
        Some("associations=contacts&idProperty=my_unique&propertiesWithHistory=dealstage")
    );
    assert_eq!(
        got.associations["contacts"].results[0].type_,
        "deal_to_contact"
    );
    assert_eq!(
        got.properties_with_history["dealstage"][0].value,
        "closedwon"
    );
}

#[tokio::test]
async fn update_patches_properties() {
    let (server, client) = serve(vec![json(200, deal("77"))]).await;
    let updated = client
        .update()
        .deal_id("77")
        .body(types::DealUpdate {
            properties: props(&[("amount", "1500.00"), ("description", "")]),
        })
        .send()
        .await
        .unwrap();
    let request = server.single();
    assert_common(&request, "PATCH", &format!("{BASE}/77"));
    assert_eq!(request.query, None);
    assert_json_body(
        &request,
        json!({"properties": {"amount": "1500.00", "description": ""}}),
    );
    assert_eq!(updated.id, "77");
}

#[tokio::test]
async fn archive_deletes_and_accepts_204() {
    let (server, client) = serve(vec![empty(204)]).await;
    let done = client.archive().deal_id("77").send().await.unwrap();
    assert_common(&server.single(), "DELETE", &format!("{BASE}/77"));
    assert_eq!(done.status(), 204);
}

#[tokio::test]
async fn batch_read_decodes_a_207_with_missing_ids() {
    let mut partial = batch(json!([deal("1")]));
    partial["numErrors"] = json!(1);
    partial["errors"] = json!([{"status": "error", "category": "OBJECT_NOT_FOUND",
        "message": "Could not get some DEAL objects, they may be deleted or not exist. Check that ids are valid.",
        "context": {"ids": ["999"]}}]);
    let (server, client) = serve(vec![json(207, partial)]).await;
    let body = types::BatchRead {
        id_property: None,
        inputs: vec![
            types::DealId { id: "1".into() },
            types::DealId { id: "999".into() },
        ],
        properties: strings(&["dealname"]),
        properties_with_history: vec![],
    };
    let result = client
        .batch_read()
        .archived(false)
        .body(body)
        .send()
        .await
        .unwrap();
    let request = server.single();
    assert_common(&request, "POST", &format!("{BASE}/batch/read"));
    assert_eq!(request.query.as_deref(), Some("archived=false"));
    assert_json_body(
        &request,
        json!({"inputs": [{"id": "1"}, {"id": "999"}],
                                      "properties": ["dealname"], "propertiesWithHistory": []}),
    );
    assert_eq!(result.status(), 207);
    assert_eq!(result.results.len(), 1);
    assert_eq!(result.num_errors, Some(1));
    assert_eq!(
        result.errors[0].category.as_deref(),
        Some("OBJECT_NOT_FOUND")
    );
    assert_eq!(result.errors[0].context["ids"], vec!["999".to_string()]);
}

#[tokio::test]
async fn batch_create_returns_201() {
    let (server, client) = serve(vec![json(201, batch(json!([deal("10"), deal("11")])))]).await;
    let inputs = ["A", "B"]
        .iter()
        .map(|name| types::BatchCreateInput {
            associations: vec![],
            object_write_trace_id: Some(format!("trace-{name}")),
            properties: props(&[("dealname", name)]),
        })
        .collect();
    let created = client
        .batch_create()
        .body(types::BatchCreate { inputs })
        .send()
        .await
        .unwrap();
    let request = server.single();
    assert_common(&request, "POST", &format!("{BASE}/batch/create"));
    assert_json_body(
        &request,
        json!({"inputs": [
        {"associations": [], "objectWriteTraceId": "trace-A", "properties": {"dealname": "A"}},
        {"associations": [], "objectWriteTraceId": "trace-B", "properties": {"dealname": "B"}}]}),
    );
    assert_eq!(created.status(), 201);
    assert_eq!(created.results.len(), 2);
    assert!(created.errors.is_empty());
}

#[tokio::test]
async fn batch_update_sends_ids_and_properties() {
    let (server, client) = serve(vec![json(200, batch(json!([deal("1")])))]).await;
    let inputs = vec![types::BatchUpdateInput {
        id: "1".into(),
        id_property: None,
        object_write_trace_id: None,
        properties: props(&[("dealstage", "closedwon")]),
    }];
    let updated = client
        .batch_update()
        .body(types::BatchUpdate { inputs })
        .send()
        .await
        .unwrap();
    let request = server.single();
    assert_common(&request, "POST", &format!("{BASE}/batch/update"));
    assert_json_body(
        &request,
        json!({"inputs": [{"id": "1", "properties": {"dealstage": "closedwon"}}]}),
    );
    assert_eq!(updated.status, types::BatchStatus::Complete);
}

#[tokio::test]
async fn batch_upsert_reports_new_and_existing() {
    let mut created = deal("20");
    created["new"] = json!(true);
    let mut existing = deal("21");
    existing["new"] = json!(false);
    let (server, client) = serve(vec![json(200, batch(json!([created, existing])))]).await;
    let inputs = ["ext-1", "ext-2"]
        .iter()
        .map(|key| types::DealUpsert {
            id: key.to_string(),
            id_property: Some("external_id".into()),
            object_write_trace_id: None,
            properties: props(&[("dealname", key)]),
        })
        .collect();
    let upserted = client
        .batch_upsert()
        .body(types::BatchUpsert { inputs })
        .send()
        .await
        .unwrap();
    let request = server.single();
    assert_common(&request, "POST", &format!("{BASE}/batch/upsert"));
    assert_eq!(
        request.json()["inputs"][1],
        json!({"id": "ext-2", "idProperty": "external_id",
                                                   "properties": {"dealname": "ext-2"}})
    );
    let flags: Vec<bool> = upserted.results.iter().map(|r| r.new).collect();
    assert_eq!(flags, vec![true, false]);
}

#[tokio::test]
async fn batch_archive_posts_ids_and_accepts_204() {
    let (server, client) = serve(vec![empty(204)]).await;
    let inputs = vec![
        types::DealId { id: "1".into() },
        types::DealId { id: "2".into() },
    ];
    let done = client
        .batch_archive()
        .body(types::BatchIds { inputs })
        .send()
        .await
        .unwrap();
    let request = server.single();
    assert_common(&request, "POST", &format!("{BASE}/batch/archive"));
    assert_json_body(&request, json!({"inputs": [{"id": "1"}, {"id": "2"}]}));
    assert_eq!(done.status(), 204);
}

#[tokio::test]
async fn search_sends_filters_and_decodes_total_and_offset() {
    let (server, client) = serve(vec![json(
        200,
        json!({
            "total": 42, "results": [deal("5")], "paging": {"next": {"after": "10"}}
        }),
    )])
    .await;
    let body = types::SearchRequest {
        after: None,
        filter_groups: vec![types::FilterGroup {
            filters: vec![
                types::Filter {
                    high_value: None,
                    operator: FilterOperator::Gte,
                    property_name: "amount".into(),
                    value: Some("1000".into()),
                    values: vec![],
                },
                types::Filter {
                    high_value: None,
                    operator: FilterOperator::In,
                    property_name: "dealstage".into(),
                    value: None,
                    values: strings(&["closedwon", "contractsent"]),
                },
            ],
        }],
        limit: 10,
        properties: strings(&["dealname"]),
        query: Some("integrations".into()),
        sorts: strings(&["-createdate"]),
    };
    let found = client.search().body(body).send().await.unwrap();
    let request = server.single();
    assert_common(&request, "POST", &format!("{BASE}/search"));
    assert_json_body(
        &request,
        json!({
            "filterGroups": [{"filters": [
                {"operator": "GTE", "propertyName": "amount", "value": "1000"},
                {"operator": "IN", "propertyName": "dealstage", "values": ["closedwon", "contractsent"]}]}],
            "limit": 10, "properties": ["dealname"], "query": "integrations", "sorts": ["-createdate"]
        }),
    );
    assert_eq!(found.total, 42);
    assert_eq!(
        found.paging.as_ref().unwrap().next.as_ref().unwrap().after,
        "10"
    );
}

#[tokio::test]
async fn merge_posts_both_ids() {
    let (server, client) = serve(vec![json(200, deal("900"))]).await;
    let merged = client
        .merge()
        .body(types::MergeRequest {
            object_id_to_merge: "2".into(),
            primary_object_id: "1".into(),
        })
        .send()
        .await
        .unwrap();
    let request = server.single();
    assert_common(&request, "POST", &format!("{BASE}/merge"));
    assert_json_body(
        &request,
        json!({"objectIdToMerge": "2", "primaryObjectId": "1"}),
    );
    assert_eq!(merged.id, "900");
}

#[tokio::test]
async fn an_error_body_decodes_with_its_status() {
    let (server, client) = serve(vec![json(
        404,
        json!({
            "status": "error", "message": "Object not found.  objectId are usually numeric.",
            "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf", "context": {"id": ["abc"]},
            "category": "OBJECT_NOT_FOUND"
        }),
    )])
    .await;
    let error = client.get_by_id().deal_id("abc").send().await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    let hubspot_deals::Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 404);
    assert_eq!(api.category, Some(hubspot_deals::Category::ObjectNotFound));
    assert_eq!(api.context["id"], vec!["abc".to_string()]);
    assert_eq!(api.operation, Some("get_by_id"));
}

#[tokio::test]
async fn send_raw_returns_progenitors_error_with_the_decoded_body() {
    let (_server, client) = serve(vec![json(
        404,
        json!({"status": "error", "message": "resource not found", "category": "OBJECT_NOT_FOUND"}),
    )])
    .await;
    let error = client
        .get_by_id()
        .deal_id("7")
        .send_raw()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    let hubspot_deals::GeneratedError::ErrorResponse(body) = error else {
        panic!("{error:?}")
    };
    assert_eq!(body.category.as_deref(), Some("OBJECT_NOT_FOUND"));
}

#[tokio::test]
async fn a_429_without_category_still_decodes() {
    let (_server, client) = serve(vec![json(429, json!({
        "status": "error", "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT", "correlationId": "c0ffee00-0000-4000-8000-000000000000",
        "policyName": "TEN_SECONDLY_ROLLING", "groupName": "publicapi:hapikey-api-calls-ten-secondly:6748263"
    }))]).await;
    let error = client.get_page().send().await.unwrap_err();
    assert!(error.is_rate_limited(), "{error:?}");
    let hubspot_deals::Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.category, None);
    assert_eq!(
        api.message,
        "You have reached your ten_secondly_rolling limit."
    );
    assert_eq!(
        api.correlation_id.as_deref(),
        Some("c0ffee00-0000-4000-8000-000000000000")
    );
}
