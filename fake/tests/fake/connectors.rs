//! What released connectors send and HubSpot accepts (Airbyte's `source-hubspot` reads the
//! object schemas, the legacy v2 properties, deals by their singular name, searches with a
//! numeric `after`, object sort rules and top-level `filters`, and associations v4 in batches):
//! the fake answers each as HubSpot does, and refuses what it cannot apply instead of
//! ignoring it.

use crate::support::http::{TOKEN, get, http, post, put, send};
use hubspot_deals_fake::FakeHubSpot;
use serde_json::{Value, json};

use crate::support::unlimited_fake as fake;

/// Creates deals named `names` (in order) and returns their ids.
async fn create(fake: &FakeHubSpot, names: &[&str]) -> Vec<String> {
    let inputs: Vec<Value> = names
        .iter()
        .map(|n| json!({"properties": {"dealname": n, "amount": "10"}}))
        .collect();
    let url = format!("{}/crm/v3/objects/deals/batch/create", fake.base_url());
    let reply = post(url, json!({ "inputs": inputs })).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let mut made: Vec<(String, String)> = reply.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let name = d["properties"]["dealname"].as_str().unwrap().to_string();
            (name, d["id"].as_str().unwrap().to_string())
        })
        .collect();
    made.sort_by_key(|(name, _)| names.iter().position(|n| n == name));
    made.into_iter().map(|(_, id)| id).collect()
}

fn names(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["properties"]["dealname"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_schemas_list_answers_with_no_custom_objects() {
    let fake = fake().await;
    let reply = get(format!("{}/crm/v3/schemas", fake.base_url())).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json, json!({"results": []}));
}

#[tokio::test]
async fn the_legacy_v2_properties_list_every_deal_property_with_its_type() {
    let fake = fake().await;
    for object in ["deal", "deals"] {
        let url = format!("{}/properties/v2/{object}/properties", fake.base_url());
        let reply = get(url).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let all = reply.json.as_array().expect("v2 answers a bare array");
        let find = |name: &str| {
            all.iter()
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("{name} missing"))
        };
        assert_eq!(find("amount")["type"], "number");
        assert_eq!(find("closedate")["type"], "datetime");
        assert_eq!(find("dealname")["type"], "string");
        assert_eq!(find("dealstage")["type"], "enumeration");
        assert!(
            find("dealstage")["options"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["value"] == "closedwon" && o["label"] == "Closed Won")
        );
        assert_eq!(find("external_id")["hasUniqueValue"], true);
        assert_eq!(find("hs_object_id")["readOnlyValue"], true);
    }
}

#[tokio::test]
async fn deals_answer_to_their_singular_name() {
    let fake = fake().await;
    let ids = create(&fake, &["Singular"]).await;
    let base = format!("{}/crm/v3/objects/deal", fake.base_url());
    let listed = get(format!("{base}?properties=dealname")).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(names(&listed.json), ["Singular"]);
    let read = get(format!("{base}/{}", ids[0])).await;
    assert_eq!(read.json["properties"]["dealname"], "Singular");
    let batch = post(
        format!("{base}/batch/read"),
        json!({"inputs": [{"id": ids[0]}]}),
    )
    .await;
    assert_eq!(batch.status, 200, "{}", batch.text);
    let found = post(format!("{base}/search"), json!({})).await;
    assert_eq!(found.json["total"], 1);
}

#[tokio::test]
async fn a_search_takes_after_as_a_number_and_sorts_as_objects() {
    let fake = fake().await;
    create(&fake, &["A", "B", "C"]).await;
    let url = format!("{}/crm/v3/objects/deal/search", fake.base_url());
    let sorted = |direction: &str, after: Value| {
        json!({"sorts": [{"propertyName": "dealname", "direction": direction}],
               "properties": ["dealname"], "limit": 1, "after": after})
    };
    let second = post(url.clone(), sorted("ASCENDING", json!(1))).await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(names(&second.json), ["B"]);
    assert_eq!(second.json["paging"]["next"]["after"], "2");
    let first_down = post(url.clone(), sorted("DESCENDING", json!(0))).await;
    assert_eq!(names(&first_down.json), ["C"]);
    let as_text = post(url.clone(), sorted("DESCENDING", json!("2"))).await;
    assert_eq!(
        names(&as_text.json),
        ["A"],
        "the documented forms still work"
    );

    let sideways = post(url.clone(), sorted("SIDEWAYS", json!(0))).await;
    assert_eq!(sideways.status, 400);
    assert!(sideways.text.contains("SIDEWAYS"), "{}", sideways.text);
    let negative = post(url, sorted("ASCENDING", json!(-1))).await;
    assert_eq!(negative.status, 400, "{}", negative.text);
}

#[tokio::test]
async fn top_level_filters_are_applied_as_one_group() {
    let fake = fake().await;
    let ids = create(&fake, &["Keep", "Drop"]).await;
    let url = format!("{}/crm/v3/objects/deal/search", fake.base_url());
    let filter = json!({"propertyName": "dealname", "operator": "EQ", "value": "keep"});
    let found = post(
        url.clone(),
        json!({"filters": [filter], "properties": ["dealname"]}),
    )
    .await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(names(&found.json), ["Keep"]);
    assert_eq!(found.json["total"], 1);

    // Airbyte's incremental read: epoch-millisecond numbers, not strings.
    let window = json!({"properties": ["dealname"], "filters": [
        {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": 0},
        {"propertyName": "hs_lastmodifieddate", "operator": "LTE", "value": 4_102_444_800_000_u64},
        {"propertyName": "hs_object_id", "operator": "IN", "values": [0, ids[0].parse::<u64>().unwrap()]}]});
    let numbers = post(url.clone(), window).await;
    assert_eq!(numbers.status, 200, "{}", numbers.text);
    assert_eq!(names(&numbers.json), ["Keep"]);

    let both = post(
        url,
        json!({"filters": [filter], "filterGroups": [{"filters": [filter]}]}),
    )
    .await;
    assert_eq!(both.status, 400, "ambiguous: refused, not guessed");
    assert!(both.text.contains("filterGroups"), "{}", both.text);
}

#[tokio::test]
async fn what_the_fake_cannot_apply_is_refused_naming_the_field() {
    let fake = fake().await;
    create(&fake, &["One"]).await;
    let url = format!("{}/crm/v3/objects/deals/search", fake.base_url());
    let unknown = post(url.clone(), json!({"filterGroup": []})).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.category(), Some("VALIDATION_ERROR"));
    assert!(unknown.text.contains("filterGroup\\\""), "{}", unknown.text);
    let two_sorts = post(url.clone(), json!({"sorts": ["dealname", "-amount"]})).await;
    assert_eq!(two_sorts.status, 400);
    assert!(two_sorts.text.contains("sorts"), "{}", two_sorts.text);
    let association = json!({"filterGroups": [{"filters": [
        {"propertyName": "associations.contact", "operator": "GT", "value": "1"}]}]});
    let refused = post(url, association).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.text.contains("associations.contact"),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn a_search_by_associated_contact_finds_its_deals() {
    let fake = fake().await;
    let ids = create(&fake, &["With", "Without"]).await;
    let associate = format!(
        "{}/crm/objects/2026-03/deals/{}/associations/default/contacts/501",
        fake.base_url(),
        ids[0]
    );
    assert_eq!(put(associate).await.status, 200);
    let url = format!("{}/crm/v3/objects/deals/search", fake.base_url());
    let by = |operator: &str, value: &str| {
        json!({"properties": ["dealname"], "filterGroups": [{"filters": [
            {"propertyName": "associations.contact", "operator": operator, "value": value}]}]})
    };
    assert_eq!(
        names(&post(url.clone(), by("EQ", "501")).await.json),
        ["With"]
    );
    assert!(names(&post(url, by("EQ", "502")).await.json).is_empty());
}

#[tokio::test]
async fn associations_v4_batch_read_answers_each_deal_and_names_those_without() {
    let fake = fake().await;
    let ids = create(&fake, &["Sold", "Empty"]).await;
    for (to, object) in [
        ("9001", "line_items"),
        ("9002", "line_items"),
        ("77", "companies"),
    ] {
        let url = format!(
            "{}/crm/objects/2026-03/deals/{}/associations/default/{object}/{to}",
            fake.base_url(),
            ids[0]
        );
        assert_eq!(put(url).await.status, 200);
    }
    let read = |to: &str, inputs: Value| {
        let url = format!(
            "{}/crm/v4/associations/deal/{to}/batch/read",
            fake.base_url()
        );
        post(url, json!({ "inputs": inputs }))
    };
    let items = read("line_items", json!([{"id": ids[0]}])).await;
    assert_eq!(items.status, 200, "{}", items.text);
    let result = &items.json["results"][0];
    assert_eq!(result["from"]["id"], ids[0].as_str());
    let to: Vec<u64> = result["to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["toObjectId"].as_u64().unwrap())
        .collect();
    assert_eq!(to, [9001, 9002], "numbers, as HubSpot sends them");
    assert_eq!(result["to"][0]["associationTypes"][0]["typeId"], 19);

    let companies = read("companies", json!([{"id": ids[0]}, {"id": ids[1]}])).await;
    assert_eq!(companies.status, 207, "{}", companies.text);
    assert_eq!(companies.json["results"].as_array().unwrap().len(), 1);
    assert_eq!(companies.json["numErrors"], 1);
    assert_eq!(
        companies.json["errors"][0]["subCategory"],
        "crm.associations.NO_ASSOCIATIONS_FOUND"
    );
    assert_eq!(
        companies.json["errors"][0]["context"]["fromObjectId"][0],
        ids[1].as_str()
    );
    let contacts = read("contacts", json!([{"id": ids[0]}])).await;
    assert_eq!(
        contacts.status, 207,
        "no contacts: an error, not an empty result"
    );

    let too_many: Vec<Value> = (0..1001).map(|i| json!({"id": i.to_string()})).collect();
    let refused = read("contacts", Value::Array(too_many)).await;
    assert_eq!(refused.status, 400);
    assert!(refused.text.contains("1000"), "{}", refused.text);
    let unknown = read("tickets", json!([{"id": ids[0]}])).await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
}

#[tokio::test]
async fn the_reads_around_deals_need_a_token_like_any_call() {
    let fake = fake().await;
    let url = format!("{}/properties/v2/deal/properties", fake.base_url());
    assert_eq!(send(http().get(url.clone())).await.status, 401);
    assert_eq!(send(http().get(url).bearer_auth(TOKEN)).await.status, 200);
}
