//! The date-versioned APIs (`/crm/objects/{version}/…`) beside v3: the same deals under every
//! version, and the association and GDPR operations the versioned documents add.

use crate::support::http::{TOKEN, call, delete, get, post};
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use serde_json::json;

/// The deals API's date versions, betas included.
fn versions() -> Vec<&'static str> {
    hubspot_deals::registry::DEALS
        .versions()
        .into_iter()
        .filter(|v| !v.name.starts_with('v'))
        .map(|v| v.name)
        .collect()
}

async fn fake() -> FakeHubSpot {
    FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await
        .unwrap()
}

async fn put(url: String, body: Option<serde_json::Value>) -> crate::support::http::Reply {
    call(reqwest::Method::PUT, url, body).await
}

#[tokio::test]
async fn every_version_serves_the_same_deals() {
    let fake = fake().await;
    let base = fake.base_url();
    let v3 = post(
        format!("{base}/crm/v3/objects/deals"),
        json!({"properties": {"dealname": "From v3"}}),
    )
    .await;
    let id = v3.json["id"].as_str().unwrap().to_string();
    for version in versions() {
        for object in ["deals", "0-3"] {
            let path = format!("{base}/crm/objects/{version}/{object}");
            let read = get(format!("{path}/{id}")).await;
            assert_eq!(read.status, 200, "{version}/{object}: {}", read.text);
            assert_eq!(read.json["properties"]["dealname"], "From v3");
            let page = get(format!("{path}?limit=100")).await;
            assert_eq!(page.status, 200);
            assert!(
                page.json["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["id"] == id.as_str())
            );
        }
        let created = post(
            format!("{base}/crm/objects/{version}/0-3"),
            json!({"properties": {"dealname": format!("From {version}")}}),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let batch = post(
            format!("{base}/crm/objects/{version}/0-3/batch/read"),
            json!({"inputs": [{"id": created.json["id"]}], "properties": ["dealname"]}),
        )
        .await;
        assert_eq!(
            batch.json["results"][0]["properties"]["dealname"],
            format!("From {version}")
        );
    }
    assert_eq!(fake.deal_count(), 1 + versions().len());
    assert_eq!(
        get(format!("{base}/crm/objects/2024-01/deals"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn associations_are_made_listed_shown_and_removed() {
    let fake = fake().await;
    let base = format!("{}/crm/objects/2026-03", fake.base_url());
    let deal = post(
        format!("{base}/0-3"),
        json!({"properties": {"dealname": "A"}}),
    )
    .await;
    let id = deal.json["id"].as_str().unwrap().to_string();

    let labelled = put(
        format!("{base}/0-3/{id}/associations/contacts/901"),
        Some(json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}])),
    )
    .await;
    assert_eq!(labelled.status, 201, "{}", labelled.text);
    assert_eq!(
        labelled.json,
        // Ids as numbers, as HubSpot sends them (its documents say text).
        json!({"fromObjectTypeId": "0-3", "fromObjectId": id.parse::<u64>().unwrap(),
               "toObjectTypeId": "0-1", "toObjectId": 901, "labels": []})
    );
    let default = put(
        format!("{base}/deals/{id}/associations/default/companies/77"),
        None,
    )
    .await;
    assert_eq!(default.status, 200, "{}", default.text);
    assert_eq!(default.json["status"], "COMPLETE");
    assert_eq!(
        default.json["results"][0],
        json!({"from": {"id": id}, "to": {"id": "77"},
               "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}})
    );
    put(
        format!("{base}/0-3/{id}/associations/default/contacts/902"),
        None,
    )
    .await;

    let listed = get(format!("{base}/0-3/{id}/associations/contacts?limit=1")).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json["results"][0]["toObjectId"], 901);
    assert_eq!(
        listed.json["results"][0]["associationTypes"][0]["typeId"],
        3
    );
    let after = listed.json["paging"]["next"]["after"].as_str().unwrap();
    let rest = get(format!(
        "{base}/0-3/{id}/associations/contacts?after={after}"
    ))
    .await;
    assert_eq!(rest.json["results"][0]["toObjectId"], 902);
    assert!(rest.json.get("paging").is_none());

    let shown = get(format!("{base}/0-3/{id}?associations=contacts,companies")).await;
    let contacts = &shown.json["associations"]["contacts"]["results"];
    assert_eq!(contacts.as_array().unwrap().len(), 2, "{}", shown.text);
    assert_eq!(
        shown.json["associations"]["companies"]["results"][0]["id"],
        "77"
    );

    assert_eq!(
        delete(format!("{base}/0-3/{id}/associations/contacts/901"))
            .await
            .status,
        204
    );
    assert_eq!(
        delete(format!("{base}/0-3/{id}/associations/contacts/901"))
            .await
            .status,
        204
    );
    let left = get(format!("{base}/0-3/{id}/associations/contacts")).await;
    assert_eq!(left.json["results"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn association_requests_the_fake_cannot_honour_say_why() {
    let fake = fake().await;
    let base = format!("{}/crm/objects/2025-09", fake.base_url());
    let deal = post(
        format!("{base}/deals"),
        json!({"properties": {"dealname": "A"}}),
    )
    .await;
    let id = deal.json["id"].as_str().unwrap().to_string();
    let labelled = put(
        format!("{base}/deals/{id}/associations/contacts/1"),
        Some(json!([{"associationCategory": "USER_DEFINED", "associationTypeId": 41}])),
    )
    .await;
    assert_eq!(labelled.status, 400);
    assert!(
        labelled.text.contains("HUBSPOT_DEFINED/3"),
        "{}",
        labelled.text
    );
    let tickets = put(
        format!("{base}/deals/{id}/associations/default/tickets/1"),
        None,
    )
    .await;
    assert_eq!(tickets.status, 400);
    assert!(
        tickets
            .text
            .contains("contacts (0-1), companies (0-2) or line_items (0-8)"),
        "{}",
        tickets.text
    );
    let not_array = put(
        format!("{base}/deals/{id}/associations/contacts/1"),
        Some(json!({})),
    )
    .await;
    assert_eq!(not_array.status, 400);
    let missing = put(
        format!("{base}/deals/999999/associations/default/contacts/1"),
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn gdpr_deletion_removes_a_deal_for_good() {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .unique_property("erp_id")
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await
        .unwrap();
    let base = format!("{}/crm/objects/2026-09-beta/0-3", fake.base_url());
    let deal = post(
        base.clone(),
        json!({"properties": {"dealname": "A", "erp_id": "E-1"}}),
    )
    .await;
    let id = deal.json["id"].as_str().unwrap().to_string();
    let gone = post(
        format!("{base}/gdpr-delete"),
        json!({"objectId": "E-1", "idProperty": "erp_id"}),
    )
    .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    assert_eq!(get(format!("{base}/{id}")).await.status, 404);
    assert_eq!(
        get(format!("{base}/{id}?archived=true")).await.status,
        404,
        "not archived: gone"
    );
    assert_eq!(fake.deal_count(), 0);
    let again = post(format!("{base}/gdpr-delete"), json!({"objectId": id})).await;
    assert_eq!(again.status, 404);
    let reused = post(
        base.clone(),
        json!({"properties": {"dealname": "B", "erp_id": "E-1"}}),
    )
    .await;
    assert_eq!(
        reused.status, 201,
        "the unique value is free: {}",
        reused.text
    );
}

#[tokio::test]
async fn batch_statuses_follow_each_versions_document() {
    let fake = fake().await;
    let create = |version: &str| {
        post(
            format!("{}/crm/objects/{version}/0-3/batch/create", fake.base_url()),
            json!({"inputs": [{"properties": {"dealname": "x"}, "associations": []}]}),
        )
    };
    let missing = |version: &str| {
        post(
            format!("{}/crm/objects/{version}/0-3/batch/read", fake.base_url()),
            json!({"inputs": [{"id": "999999"}], "properties": []}),
        )
    };
    // 2025-09 declares 200 for batch create; the others 201.
    assert_eq!(create("2025-09").await.status, 200);
    assert_eq!(create("2026-09").await.status, 201);
    assert_eq!(create("2026-03").await.status, 201);
    // 2025-09 and 2026-09 declare no 207: a partial failure is 200 with the errors.
    for version in ["2025-09", "2026-09"] {
        let reply = missing(version).await;
        assert_eq!(reply.status, 200, "{version}");
        assert_eq!(reply.json["numErrors"], 1);
    }
    assert_eq!(missing("2026-03").await.status, 207);
    // A partial failure of a create answers the create's own status where 207 is undeclared.
    let partial = |version: &str| {
        post(
            format!("{}/crm/objects/{version}/0-3/batch/create", fake.base_url()),
            json!({"inputs": [
                {"properties": {"dealname": "ok"}, "associations": [], "objectWriteTraceId": "a"},
                {"properties": {"nope": "x"}, "associations": [], "objectWriteTraceId": "b"}]}),
        )
    };
    assert_eq!(partial("2025-09").await.status, 200);
    assert_eq!(partial("2026-09").await.status, 201);
    assert_eq!(partial("2026-03").await.status, 207);
    assert_eq!(missing("2026-09-beta").await.status, 207);
}

#[tokio::test]
async fn each_version_answers_batches_as_its_document_declares() {
    let fake = fake().await;
    let base = fake.base_url();
    let created = post(
        format!("{base}/crm/objects/2026-09/deals"),
        json!({"properties": {"dealname": "One"}}),
    )
    .await;
    let id = created.json["id"].clone();
    let read = |version: &str| {
        let path = match version {
            "v3" => format!("{base}/crm/v3/objects/deals/batch/read"),
            dated => format!("{base}/crm/objects/{dated}/deals/batch/read"),
        };
        post(path, json!({"inputs": [{"id": id}, {"id": "999999"}]}))
    };
    // A partial failure: 207 where the document declares it, else the success status with
    // the same `errors` and `numErrors`.
    for (version, status) in [("v3", 207), ("2026-03", 207), ("2026-09", 200)] {
        let answer = read(version).await;
        assert_eq!(answer.status, status, "{version}: {}", answer.text);
        assert_eq!(answer.json["numErrors"], 1, "{version}");
        assert_eq!(answer.json["errors"][0]["category"], "OBJECT_NOT_FOUND");
        assert_eq!(answer.json["results"].as_array().unwrap().len(), 1);
    }
    // Batch create: 201 in both, its partial failure too from 2026-09.
    let traced = json!({"inputs": [
        {"objectWriteTraceId": "a", "properties": {"dealname": "Good"}},
        {"objectWriteTraceId": "b", "properties": {"no_such_property": "x"}},
    ]});
    let v3 = post(
        format!("{base}/crm/v3/objects/deals/batch/create"),
        traced.clone(),
    )
    .await;
    assert_eq!(v3.status, 207, "{}", v3.text);
    let dated = post(
        format!("{base}/crm/objects/2026-09/deals/batch/create"),
        traced,
    )
    .await;
    assert_eq!(dated.status, 201, "{}", dated.text);
    assert_eq!(dated.json["numErrors"], 1);

    // Properties: batch create answers 201 in v3, 200 from 2026-09.
    let property = |name: &str| {
        json!({"inputs": [{"name": name, "label": name, "type": "string", "fieldType": "text",
                           "groupName": "dealinformation"}]})
    };
    let v3 = post(
        format!("{base}/crm/v3/properties/deals/batch/create"),
        property("a_v3"),
    )
    .await;
    assert_eq!(v3.status, 201, "{}", v3.text);
    let dated = post(
        format!("{base}/crm/properties/2026-09/deals/batch/create"),
        property("a_dated"),
    )
    .await;
    assert_eq!(dated.status, 200, "{}", dated.text);
    // Its batch archive answers 204 in both (schemathesis found the fake answering 200).
    let archived = post(
        format!("{base}/crm/properties/2026-09/deals/batch/archive"),
        json!({"inputs": [{"name": "a_dated"}]}),
    )
    .await;
    assert_eq!((archived.status, archived.text.as_str()), (204, ""));

    // Associations: removing answers 204 in v4, a batch answer of no results (200) in the
    // date versions.
    let pair = json!({"inputs": [{"from": {"id": id}, "to": [{"id": "901"}]}]});
    let v4 = post(
        format!("{base}/crm/v4/associations/deals/contacts/batch/archive"),
        pair.clone(),
    )
    .await;
    assert_eq!((v4.status, v4.text.as_str()), (204, ""));
    let dated = post(
        format!("{base}/crm/associations/2026-09/deals/contacts/batch/archive"),
        pair,
    )
    .await;
    assert_eq!(dated.status, 200, "{}", dated.text);
    assert_eq!(dated.json["status"], "COMPLETE");
    assert_eq!(dated.json["results"], json!([]));
    // Pipelines: 2026-09 stages carry `writePermissions`, which its document requires.
    let stages = get(format!("{base}/crm/pipelines/2026-09/deals/default/stages")).await;
    assert_eq!(
        stages.json["results"][0]["writePermissions"],
        "CRM_PERMISSIONS_ENFORCEMENT"
    );
}

#[tokio::test]
async fn the_accounts_write_rules_apply_from_2026_09() {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::UNLIMITED)
        .require_close_date_when_won()
        .start()
        .await
        .unwrap();
    let base = fake.base_url();
    let won = json!({"properties": {"dealname": "Won", "dealstage": "closedwon"}});
    let v3 = post(format!("{base}/crm/v3/objects/deals"), won.clone()).await;
    assert_eq!(v3.status, 201, "v3 writes are not checked: {}", v3.text);
    let refused = post(format!("{base}/crm/objects/2026-09/deals"), won).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.category(), Some("VALIDATION_ERROR"));
    assert_eq!(refused.json["errors"][0]["code"], "REQUIRED_PROPERTY");
    assert_eq!(
        refused.json["errors"][0]["context"]["propertyName"],
        json!(["closedate"])
    );
    let dated = post(
        format!("{base}/crm/objects/2026-09/deals"),
        json!({"properties": {"dealname": "Won", "dealstage": "closedwon",
                              "closedate": "2026-12-01"}}),
    )
    .await;
    assert_eq!(dated.status, 201, "{}", dated.text);
    // An update is checked on the deal as it would be after it.
    let open = post(
        format!("{base}/crm/objects/2026-09/deals"),
        json!({"properties": {"dealname": "Open", "dealstage": "qualifiedtobuy"}}),
    )
    .await;
    let open_id = open.json["id"].as_str().unwrap();
    let closing = crate::support::http::patch(
        format!("{base}/crm/objects/2026-09/deals/{open_id}"),
        json!({"properties": {"dealstage": "closedwon"}}),
    )
    .await;
    assert_eq!(closing.status, 400, "{}", closing.text);
    let dated_id = dated.json["id"].as_str().unwrap();
    let renamed = crate::support::http::patch(
        format!("{base}/crm/objects/2026-09/deals/{dated_id}"),
        json!({"properties": {"dealname": "Still won"}}),
    )
    .await;
    assert_eq!(
        renamed.status, 200,
        "its close date stays: {}",
        renamed.text
    );
    assert_eq!(fake.deal_count(), 3, "the refused writes changed nothing");
}

#[tokio::test]
async fn the_calendar_refuses_what_hubspot_retires_by_the_day() {
    let today = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await
        .unwrap();
    let later = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::UNLIMITED)
        .as_of("2027-10-01".parse().unwrap())
        .start()
        .await
        .unwrap();
    let paths = [
        "/crm/v3/objects/deals",
        "/crm/v3/pipelines/deals",
        "/crm/v3/properties/deals",
        "/crm/associations/v4/deals/contacts/labels",
        "/properties/v2/deals/properties",
    ];
    for path in paths {
        let now = get(format!("{}{path}", today.base_url())).await;
        assert_eq!(now.status, 200, "{path} today: {}", now.text);
        let then = get(format!("{}{path}", later.base_url())).await;
        assert_eq!(then.status, 410, "{path} on 2027-10-01: {}", then.text);
        assert_eq!(then.category(), Some("GONE"));
        let message = then.json["message"].as_str().unwrap();
        assert!(
            message.contains("retired") && message.contains("2026-09"),
            "{message}"
        );
    }
    for path in [
        "/crm/objects/2026-09/deals",
        "/crm/pipelines/2026-09/deals",
        "/crm/properties/2026-09/deals",
        "/crm/associations/2026-09/deals/contacts/labels",
        "/webhooks-journal/subscriptions/2026-03",
    ] {
        let then = get(format!("{}{path}", later.base_url())).await;
        assert_ne!(
            then.status, 410,
            "{path} is served on 2027-10-01: {}",
            then.text
        );
    }
    let v1 = crate::support::http::send(
        crate::support::http::http()
            .post(format!("{}/oauth/v1/token", later.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=refresh_token"),
    )
    .await;
    assert_eq!(v1.status, 410, "OAuth v1 is retired: {}", v1.text);
    let names: Vec<String> = later
        .requests()
        .iter()
        .map(|r| r.operation.clone())
        .collect();
    assert!(
        names.contains(&"get_page".to_string()),
        "logged by the client's name: {names:?}"
    );
}
