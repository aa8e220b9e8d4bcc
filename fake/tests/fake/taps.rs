//! What the Singer taps ask of HubSpot (singer-io's tap-hubspot 4.5.0 and MeltanoLabs'
//! meltano-tap-hubspot 0.10.1): the properties of object types the fake does not keep answer
//! 403 `MISSING_SCOPES`, which both skip; deal properties in v1's shape; deals a page at a time
//! in v1's shape; and the properties HubSpot derives from a deal's stage, filled.

use crate::support::http::{TOKEN, get, patch, post};
use crate::support::unlimited_fake as fake;
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use serde_json::{Value, json};

#[tokio::test]
async fn object_types_the_fake_does_not_keep_answer_missing_scopes_on_every_route() {
    let fake = fake().await;
    let base = fake.base_url();
    let cases = [
        (
            "GET",
            "/crm/v3/properties/contacts",
            "crm.schemas.contacts.read",
        ),
        (
            "GET",
            "/crm/v3/properties/goal_targets",
            "crm.schemas.goal_targets.read",
        ),
        (
            "GET",
            "/crm/properties/2026-09/tickets",
            "crm.schemas.tickets.read",
        ),
        (
            "GET",
            "/companies/v2/properties",
            "crm.schemas.companies.read",
        ),
        (
            "GET",
            "/properties/v1/contacts/properties",
            "crm.schemas.contacts.read",
        ),
        (
            "GET",
            "/crm/v3/objects/contacts",
            "crm.objects.contacts.read",
        ),
        (
            "GET",
            "/crm/objects/2026-09/line_items/1",
            "crm.objects.line_items.read",
        ),
        (
            "POST",
            "/crm/v3/objects/companies/search",
            "crm.objects.companies.read",
        ),
        (
            "GET",
            "/crm/v3/pipelines/tickets",
            "crm.schemas.tickets.read",
        ),
    ];
    for (method, path, scope) in cases {
        let url = format!("{base}{path}");
        let reply = match method {
            "GET" => get(url).await,
            _ => post(url, json!({})).await,
        };
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.text);
        assert_eq!(reply.category(), Some("MISSING_SCOPES"), "{path}");
        assert_eq!(
            reply.json["errors"][0]["context"]["requiredGranularScopes"],
            json!([scope]),
            "{path}"
        );
    }
    assert_eq!(fake.deal_count(), 0);
}

#[tokio::test]
async fn deal_properties_are_listed_in_v1s_shape() {
    let fake = fake().await;
    let listed = get(format!(
        "{}/properties/v1/deals/properties",
        fake.base_url()
    ))
    .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let all = listed.json.as_array().unwrap();
    let find = |name: &str| all.iter().find(|p| p["name"] == name).cloned().unwrap();
    assert_eq!(find("amount")["type"], "number");
    assert_eq!(find("hs_is_closed")["type"], "bool");
    assert_eq!(find("hs_lastmodifieddate")["readOnlyValue"], true);
    assert!(
        all.iter()
            .all(|p| !p["name"].as_str().unwrap().starts_with("hs_v2_"))
    );
}

/// Deals `n` named `Deal i`, the first associated with a contact and a company.
async fn seeded(n: usize) -> (FakeHubSpot, Vec<String>) {
    let fake = fake().await;
    let ids = fake
        .seed_associated_deals((0..n).map(|i| {
            let properties = vec![
                ("dealname".to_string(), format!("Deal {i}")),
                ("amount".to_string(), format!("{}", i * 10)),
            ];
            let associations = if i == 0 {
                vec![
                    ("contacts".to_string(), "77".to_string()),
                    ("companies".to_string(), "88".to_string()),
                ]
            } else {
                Vec::new()
            };
            (properties, associations)
        }))
        .unwrap();
    (fake, ids)
}

#[tokio::test]
async fn deals_are_paged_in_v1s_shape_with_every_property_and_its_versions() {
    let (fake, ids) = seeded(5).await;
    let base = fake.base_url();
    let renamed = patch(
        format!("{base}/crm/objects/2026-09/deals/{}", ids[1]),
        json!({"properties": {"dealname": "Renamed"}}),
    )
    .await;
    assert_eq!(renamed.status, 200);
    let archived =
        crate::support::http::delete(format!("{base}/crm/objects/2026-09/deals/{}", ids[3])).await;
    assert_eq!(archived.status, 204);
    let page = |query: &str| get(format!("{base}/deals/v1/deal/paged?{query}"));
    let first = page("limit=2&includeAllProperties=true&allPropertiesFetchMode=latest_version&includeAssociations=true").await;
    assert_eq!(first.status, 200, "{}", first.text);
    let deals = first.json["deals"].as_array().unwrap();
    let got: Vec<String> = deals.iter().map(|d| d["dealId"].to_string()).collect();
    assert_eq!(got, [ids[0].clone(), ids[1].clone()]);
    assert_eq!(first.json["hasMore"], true);
    assert_eq!(first.json["offset"].to_string(), ids[1]);
    let deal: &Value = &deals[0];
    assert_eq!(deal["portalId"], 62515);
    assert_eq!(deal["isDeleted"], false);
    assert_eq!(deal["properties"]["dealname"]["value"], "Deal 0");
    assert_eq!(deal["properties"]["amount"]["value"], "0");
    let modified = &deal["properties"]["hs_lastmodifieddate"];
    assert!(modified["timestamp"].is_i64());
    assert_eq!(
        modified["value"].as_str().unwrap(),
        modified["timestamp"].to_string(),
        "v1 gives date-times in epoch milliseconds"
    );
    assert_eq!(deal["properties"]["dealname"]["source"], "API");
    assert_eq!(deal["associations"]["associatedVids"], json!([77]));
    assert_eq!(deal["associations"]["associatedCompanyIds"], json!([88]));
    let renamed = &deals[1]["properties"]["dealname"];
    assert_eq!(renamed["value"], "Renamed");
    assert_eq!(
        renamed["versions"].as_array().unwrap().len(),
        1,
        "the latest version only"
    );
    // The rest, from the offset: the archived deal is not among them.
    let offset = first.json["offset"].to_string();
    let rest = page(&format!(
        "limit=2&offset={offset}&properties=dealname&propertiesWithHistory=dealname"
    ))
    .await;
    let got: Vec<String> = rest.json["deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dealId"].to_string())
        .collect();
    assert_eq!(got, [ids[2].clone(), ids[4].clone()]);
    assert_eq!(rest.json["hasMore"], false);
    let named = &rest.json["deals"][0]["properties"];
    assert_eq!(
        named.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["dealname"]
    );
    assert!(rest.json["deals"][0].get("associations").is_none());
    // Every version, newest first, where history is asked for.
    let history = page(&format!(
        "offset={}&limit=1&propertiesWithHistory=dealname",
        ids[0]
    ))
    .await;
    let versions = history.json["deals"][0]["properties"]["dealname"]["versions"]
        .as_array()
        .unwrap()
        .clone();
    let values: Vec<&str> = versions
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["Renamed", "Deal 1"]);
    assert_eq!(page("limit=251").await.status, 400);
    assert_eq!(page("offset=abc").await.status, 400);
    // Served until HubSpot's end of its v1 APIs, refused after.
    let later = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::UNLIMITED)
        .as_of("2027-09-01".parse().unwrap())
        .start()
        .await
        .unwrap();
    let refused = get(format!("{}/deals/v1/deal/paged", later.base_url())).await;
    assert_eq!(refused.status, 410, "{}", refused.text);
    let properties = get(format!(
        "{}/properties/v1/deals/properties",
        later.base_url()
    ))
    .await;
    assert_eq!(properties.status, 410);
}

#[tokio::test]
async fn stage_derived_properties_are_filled_and_stage_timing_is_readable_by_name() {
    let fake = fake().await;
    let base = fake.base_url();
    let deals = format!("{base}/crm/objects/2026-09/deals");
    let created = post(
        deals.clone(),
        json!({"properties": {"dealname": "Moving", "dealstage": "qualifiedtobuy"}}),
    )
    .await;
    let id = created.json["id"].as_str().unwrap().to_string();
    let read = |names: &str| get(format!("{deals}/{id}?properties={names}"));
    let open = read("hs_is_closed,hs_deal_stage_probability,hs_is_closed_won").await;
    assert_eq!(open.json["properties"]["hs_is_closed"], "false");
    assert_eq!(open.json["properties"]["hs_deal_stage_probability"], "0.4");
    assert_eq!(open.json["properties"]["hs_is_closed_won"], "false");
    for stage in ["contractsent", "closedwon"] {
        let moved = patch(
            format!("{deals}/{id}"),
            json!({"properties": {"dealstage": stage}}),
        )
        .await;
        assert_eq!(moved.status, 200);
    }
    let timing = [
        "hs_is_closed",
        "hs_deal_stage_probability",
        "hs_v2_date_entered_qualifiedtobuy",
        "hs_v2_date_exited_qualifiedtobuy",
        "hs_v2_latest_time_in_qualifiedtobuy",
        "hs_v2_cumulative_time_in_qualifiedtobuy",
        "hs_v2_date_entered_closedwon",
        "hs_v2_date_exited_closedwon",
        "hs_v2_date_entered_closedlost",
    ]
    .join(",");
    let won = read(&timing).await;
    let p = &won.json["properties"];
    assert_eq!(p["hs_is_closed"], "true");
    assert_eq!(p["hs_deal_stage_probability"], "1.0");
    assert!(p["hs_v2_date_entered_qualifiedtobuy"].is_string(), "{p}");
    assert!(p["hs_v2_date_exited_qualifiedtobuy"].is_string(), "{p}");
    assert!(
        p["hs_v2_latest_time_in_qualifiedtobuy"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            >= 0
    );
    assert_eq!(p["hs_v2_date_entered_closedwon"], p["hs_lastmodifieddate"]);
    assert!(p["hs_v2_date_exited_closedwon"].is_null(), "still in it");
    assert!(p["hs_v2_date_entered_closedlost"].is_null(), "never in it");
    // Searchable, and in batch reads, like any property; not listed among the properties.
    let found = post(
        format!("{deals}/search"),
        json!({"filterGroups": [{"filters": [{"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"}]}],
               "properties": ["hs_v2_date_entered_closedwon"], "limit": 10}),
    )
    .await;
    assert_eq!(found.json["total"], 1, "{}", found.text);
    assert!(found.json["results"][0]["properties"]["hs_v2_date_entered_closedwon"].is_string());
    let batch = post(
        format!("{deals}/batch/read"),
        json!({"inputs": [{"id": id}], "properties": ["hs_v2_date_entered_contractsent"]}),
    )
    .await;
    assert!(batch.json["results"][0]["properties"]["hs_v2_date_entered_contractsent"].is_string());
    let listed = get(format!("{base}/crm/properties/2026-09/deals")).await;
    let names: Vec<&str> = listed.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"hs_is_closed") && names.contains(&"hs_deal_stage_probability"));
    assert!(!names.iter().any(|n| n.starts_with("hs_v2_")));
    let refused = patch(
        format!("{deals}/{id}"),
        json!({"properties": {"hs_is_closed": "false"}}),
    )
    .await;
    assert_eq!(refused.status, 400, "derived properties are read-only");
}
