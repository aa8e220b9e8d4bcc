//! Deal property definitions over HTTP: HubSpot's with their types, custom ones created
//! through the API and enforced by their type from then on, a unique one for upserts.

use crate::support::http::{delete, get, patch, post};
use crate::support::unlimited_fake as fake;
use serde_json::{Value, json};

const PROPERTIES: &str = "/crm/v3/properties/deals";

#[tokio::test]
async fn definitions_list_read_and_batch_read_with_their_types() {
    let fake = fake().await;
    let all = get(format!("{}{PROPERTIES}", fake.base_url())).await;
    assert_eq!(all.status, 200, "{}", all.text);
    let results = all.json["results"].as_array().unwrap();
    let kind = |name: &str| {
        results
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["type"].clone())
    };
    assert_eq!(kind("amount"), Some(json!("number")));
    assert_eq!(kind("closedate"), Some(json!("datetime")));
    assert_eq!(kind("dealstage"), Some(json!("enumeration")));
    assert_eq!(kind("external_id"), Some(json!("string")));

    let one = get(format!("{}{PROPERTIES}/hs_object_id", fake.base_url())).await;
    assert_eq!(one.json["modificationMetadata"]["readOnlyValue"], true);
    assert_eq!(one.json["hubspotDefined"], true);
    let unique = get(format!("{}{PROPERTIES}/external_id", fake.base_url())).await;
    assert_eq!(unique.json["hasUniqueValue"], true);
    let missing = get(format!("{}{PROPERTIES}/nope", fake.base_url())).await;
    assert_eq!(missing.status, 404);

    let batch = post(
        format!("{}{PROPERTIES}/batch/read", fake.base_url()),
        json!({"archived": false, "inputs": [{"name": "amount"}, {"name": "nope"}, {"name": "dealname"}]}),
    )
    .await;
    assert_eq!(batch.status, 200, "{}", batch.text);
    let names: Vec<&str> = batch.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["amount", "dealname"]);
}

async fn create(
    fake: &hubspot_deals_fake::FakeHubSpot,
    body: Value,
) -> crate::support::http::Reply {
    post(format!("{}{PROPERTIES}", fake.base_url()), body).await
}

#[tokio::test]
async fn a_created_property_is_enforced_by_its_type() {
    let fake = fake().await;
    let tier = json!({"name": "tier", "label": "Tier", "type": "enumeration", "fieldType": "select",
        "groupName": "dealinformation", "options": [
            {"label": "Gold", "value": "gold"}, {"label": "Silver", "value": "silver"}]});
    let created = create(&fake, tier.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["options"][0]["label"], "Gold");
    assert_eq!(created.json["hubspotDefined"], false);
    let seats = json!({"name": "seats", "label": "Seats", "type": "number", "fieldType": "number",
        "groupName": "dealinformation"});
    assert_eq!(create(&fake, seats).await.status, 201);

    let deals = format!("{}/crm/v3/objects/deals", fake.base_url());
    let good = post(
        deals.clone(),
        json!({"properties": {"tier": "gold", "seats": "12"}}),
    )
    .await;
    assert_eq!(good.status, 201, "{}", good.text);
    let bad = post(
        deals.clone(),
        json!({"properties": {"tier": "bronze", "seats": "twelve"}}),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.text.contains("INVALID_OPTION") && bad.text.contains("bronze"),
        "{}",
        bad.text
    );
    assert!(
        bad.text.contains("twelve was not a valid number"),
        "{}",
        bad.text
    );

    let again = create(&fake, tier).await;
    assert_eq!(again.status, 409, "{}", again.text);
    let badly_named = json!({"name": "Tier Two", "label": "x", "type": "string", "fieldType": "text",
        "groupName": "dealinformation"});
    assert_eq!(create(&fake, badly_named).await.status, 400);
    let mismatched = json!({"name": "flag", "label": "x", "type": "bool", "fieldType": "text",
        "groupName": "dealinformation"});
    let refused = create(&fake, mismatched).await;
    assert_eq!(refused.status, 400);
    assert!(refused.text.contains("booleancheckbox"), "{}", refused.text);
}

#[tokio::test]
async fn a_unique_property_created_through_the_api_serves_upserts() {
    let fake = fake().await;
    let erp = json!({"name": "erp_id", "label": "ERP id", "type": "string", "fieldType": "text",
        "groupName": "dealinformation", "hasUniqueValue": true});
    assert_eq!(create(&fake, erp).await.status, 201);
    let upsert = format!("{}/crm/v3/objects/deals/batch/upsert", fake.base_url());
    let input = |name: &str| json!({"inputs": [{"idProperty": "erp_id", "id": "E-1", "properties": {"dealname": name}}]});
    let first = post(upsert.clone(), input("First")).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let second = post(upsert, input("Second")).await;
    assert_eq!(second.json["results"][0]["new"], false, "{}", second.text);
    assert_eq!(fake.deal_count(), 1);
}

#[tokio::test]
async fn the_accounts_properties_change_and_archive_and_groups_are_kept() {
    let fake = fake().await;
    let url = format!("{}/crm/v3/properties/deals", fake.base_url());
    let tier = |name: &str| {
        json!({"name": name, "label": "Tier", "type": "enumeration", "fieldType": "select",
               "groupName": "dealinformation",
               "options": [{"value": "gold", "label": "Gold"}]})
    };
    let batch = post(
        format!("{url}/batch/create"),
        json!({"inputs": [tier("tier_a"), tier("tier_b"), tier("Bad Name")]}),
    )
    .await;
    assert_eq!(batch.status, 207, "{}", batch.text);
    assert_eq!(batch.json["results"].as_array().unwrap().len(), 2);
    assert_eq!(batch.json["errors"][0]["context"]["name"][0], "Bad Name");

    // A new option is enforced from then on; HubSpot's own properties do not change.
    let changed = patch(
        format!("{url}/tier_a"),
        json!({"label": "Account tier", "options": [
            {"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]}),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json["label"], "Account tier");
    let deals = format!("{}/crm/v3/objects/deals", fake.base_url());
    let silver = post(
        deals.clone(),
        json!({"properties": {"dealname": "S", "tier_a": "silver"}}),
    )
    .await;
    assert_eq!(silver.status, 201, "{}", silver.text);
    let hubspots = patch(format!("{url}/amount"), json!({"label": "x"})).await;
    assert_eq!(hubspots.status, 400);
    let mismatched = patch(format!("{url}/tier_a"), json!({"fieldType": "number"})).await;
    assert_eq!(mismatched.status, 400, "a select field is not a number");

    // Archived: no longer listed, read or written.
    assert_eq!(delete(format!("{url}/tier_b")).await.status, 204);
    assert_eq!(get(format!("{url}/tier_b")).await.status, 404);
    let gone = post(
        deals,
        json!({"properties": {"dealname": "B", "tier_b": "gold"}}),
    )
    .await;
    assert_eq!(gone.status, 400, "{}", gone.text);
    let archive = post(
        format!("{url}/batch/archive"),
        json!({"inputs": [{"name": "tier_a"}, {"name": "amount"}]}),
    )
    .await;
    assert_eq!(archive.status, 204);
    assert_eq!(get(format!("{url}/tier_a")).await.status, 404);
    assert_eq!(get(format!("{url}/amount")).await.status, 200);

    // Groups: HubSpot's, then ours.
    let created = post(
        format!("{url}/groups"),
        json!({"name": "erp", "label": "ERP", "displayOrder": 2}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let again = post(
        format!("{url}/groups"),
        json!({"name": "erp", "label": "ERP"}),
    )
    .await;
    assert_eq!(again.status, 409);
    let renamed = patch(format!("{url}/groups/erp"), json!({"label": "ERP sync"})).await;
    assert_eq!(renamed.json["label"], "ERP sync");
    let all = get(format!("{url}/groups")).await;
    let names: Vec<&str> = all.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dealinformation", "erp"]);
    assert_eq!(delete(format!("{url}/groups/erp")).await.status, 204);
    assert_eq!(get(format!("{url}/groups/erp")).await.status, 404);
    assert_eq!(
        delete(format!("{url}/groups/dealinformation")).await.status,
        400
    );
}
