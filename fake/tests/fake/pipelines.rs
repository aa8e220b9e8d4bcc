//! Deal pipelines and stages over HTTP: HubSpot's default pipeline with its labels and
//! probabilities, pipelines created through the API, and deals placed in them.

use crate::support::http::{TOKEN, call, delete, get, http, patch, post, send};
use crate::support::unlimited_fake as fake;
use hubspot_deals_fake::{FakeHubSpot, Pipeline, RateLimits};
use serde_json::json;

const PIPELINES: &str = "/crm/v3/pipelines/deals";

#[tokio::test]
async fn the_default_pipeline_has_hubspots_labels_and_probabilities() {
    let fake = fake().await;
    let all = get(format!("{}{PIPELINES}", fake.base_url())).await;
    assert_eq!(all.status, 200, "{}", all.text);
    let default = &all.json["results"][0];
    assert_eq!(default["id"], "default");
    assert_eq!(default["label"], "Sales Pipeline");
    let stages = default["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 7);
    assert_eq!(stages[0]["label"], "Appointment Scheduled");
    assert_eq!(stages[0]["metadata"]["probability"], "0.2");
    assert_eq!(stages[5]["id"], "closedwon");
    assert_eq!(stages[5]["metadata"]["isClosed"], "true");
    let orders: Vec<i64> = stages
        .iter()
        .map(|s| s["displayOrder"].as_i64().unwrap())
        .collect();
    assert_eq!(orders, [0, 1, 2, 3, 4, 5, 6]);

    let one = get(format!(
        "{}{PIPELINES}/default/stages/closedlost",
        fake.base_url()
    ))
    .await;
    assert_eq!(one.json["label"], "Closed Lost");
    assert_eq!(one.json["metadata"]["probability"], "0.0");
    let missing = get(format!("{}{PIPELINES}/nope", fake.base_url())).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn a_created_pipeline_takes_deals_and_reads_back() {
    let fake = fake().await;
    let body = json!({"label": "Renewals", "displayOrder": 1, "stages": [
        {"label": "Up for renewal", "displayOrder": 0, "metadata": {"probability": "0.5"}},
        {"label": "Renewed", "displayOrder": 1, "metadata": {"probability": "1.0", "isClosed": "true"}},
    ]});
    let created = post(format!("{}{PIPELINES}", fake.base_url()), body.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_string();
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "a numeric id: {id}");
    let renewed = created.json["stages"][1].clone();
    assert_eq!(renewed["label"], "Renewed");
    assert_eq!(renewed["metadata"]["isClosed"], "true");
    let stage = renewed["id"].as_str().unwrap();

    let deal = post(
        format!("{}/crm/v3/objects/deals", fake.base_url()),
        json!({"properties": {"dealname": "Renewal", "pipeline": id, "dealstage": stage}}),
    )
    .await;
    assert_eq!(
        deal.status, 201,
        "a deal goes in the new pipeline: {}",
        deal.text
    );
    let read = get(format!("{}{PIPELINES}/{id}", fake.base_url())).await;
    assert_eq!(read.json, created.json);
    let stages = get(format!("{}{PIPELINES}/{id}/stages", fake.base_url())).await;
    assert_eq!(stages.json["results"].as_array().unwrap().len(), 2);

    let again = post(format!("{}{PIPELINES}", fake.base_url()), body).await;
    assert_eq!(again.status, 400, "labels are unique: {}", again.text);
    let no_probability = json!({"label": "Other", "displayOrder": 2, "stages": [
        {"label": "Open", "displayOrder": 0, "metadata": {}}]});
    let refused = post(format!("{}{PIPELINES}", fake.base_url()), no_probability).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.text.contains("stages[0].metadata.probability"),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn builder_pipelines_are_listed_and_writes_need_the_write_scope() {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .token_with_scopes("pat-read", ["crm.objects.deals.read"])
        .pipeline(Pipeline::new("77", ["s1", "s2", "closedwon"]))
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await
        .unwrap();
    let all = get(format!("{}{PIPELINES}", fake.base_url())).await;
    let custom = &all.json["results"][1];
    assert_eq!(custom["id"], "77");
    let probabilities: Vec<&str> = custom["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["metadata"]["probability"].as_str().unwrap())
        .collect();
    assert_eq!(probabilities, ["0.2", "0.5", "1.0"]);

    let url = format!("{}{PIPELINES}", fake.base_url());
    let read_only = send(http().post(&url).bearer_auth("pat-read").json(&json!({}))).await;
    assert_eq!(read_only.status, 403);
    let read_only = send(http().delete(format!("{url}/77")).bearer_auth("pat-read")).await;
    assert_eq!(read_only.status, 403);
    let deleted = send(http().delete(format!("{url}/77")).bearer_auth(TOKEN)).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(get(format!("{url}/77")).await.status, 404);
}

#[tokio::test]
async fn pipelines_and_stages_change_keep_their_deals_and_their_audits() {
    let fake = fake().await;
    let url = format!("{}{PIPELINES}", fake.base_url());
    let body = json!({"label": "Upsell", "displayOrder": 3, "stages": [
        {"label": "Open", "displayOrder": 0, "metadata": {"probability": "0.3"}},
        {"label": "Won", "displayOrder": 1, "metadata": {"probability": "1.0", "isClosed": "true"}},
    ]});
    let created = post(url.clone(), body).await;
    let id = created.json["id"].as_str().unwrap().to_string();
    let open = created.json["stages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let won = created.json["stages"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Rename the pipeline; add, rename and re-weigh stages.
    let renamed = patch(format!("{url}/{id}"), json!({"label": "Upsell 2027"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.json["label"], "Upsell 2027");
    let added = post(
        format!("{url}/{id}/stages"),
        json!({"label": "Lost", "displayOrder": 2, "metadata": {"probability": "0.0", "isClosed": "true"}}),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.text);
    let lost = added.json["id"].as_str().unwrap().to_string();
    let reweighed = patch(
        format!("{url}/{id}/stages/{open}"),
        json!({"label": "Qualified", "metadata": {"probability": "0.4"}}),
    )
    .await;
    assert_eq!(reweighed.json["label"], "Qualified");
    assert_eq!(reweighed.json["metadata"]["probability"], "0.4");
    let bad = patch(
        format!("{url}/{id}/stages/{open}"),
        json!({"metadata": {"probability": "2"}}),
    )
    .await;
    assert_eq!(bad.status, 400);
    let stages = get(format!("{url}/{id}/stages")).await;
    let labels: Vec<&str> = stages.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Qualified", "Won", "Lost"]);

    // A stage (and a pipeline) with deals in it stays; an empty stage goes.
    let deal = post(
        format!("{}/crm/v3/objects/deals", fake.base_url()),
        json!({"properties": {"dealname": "Upsell", "pipeline": id, "dealstage": won}}),
    )
    .await;
    assert_eq!(deal.status, 201, "{}", deal.text);
    let kept = delete(format!("{url}/{id}/stages/{won}")).await;
    assert_eq!(kept.status, 400);
    assert!(kept.text.contains("1 deal(s)"), "{}", kept.text);
    assert_eq!(delete(format!("{url}/{id}")).await.status, 400);
    assert_eq!(
        delete(format!("{url}/{id}/stages/{lost}")).await.status,
        204
    );
    assert_eq!(get(format!("{url}/{id}/stages/{lost}")).await.status, 404);

    // Replacing keeps the stages named by id and drops the rest (none with deals).
    let replaced = call(
        reqwest::Method::PUT,
        format!("{url}/{id}"),
        Some(json!({"label": "Upsell", "displayOrder": 3, "stages": [
            {"stageId": won, "label": "Closed", "displayOrder": 0, "metadata": {"probability": "1.0"}},
        ]})),
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(replaced.json["stages"].as_array().unwrap().len(), 1);
    assert_eq!(replaced.json["stages"][0]["id"], won.as_str());
    assert_eq!(replaced.json["stages"][0]["label"], "Closed");
    let dropping_won = call(
        reqwest::Method::PUT,
        format!("{url}/{id}"),
        Some(json!({"label": "Upsell", "displayOrder": 3, "stages": [
            {"label": "Fresh", "displayOrder": 0, "metadata": {"probability": "0.1"}},
        ]})),
    )
    .await;
    assert_eq!(dropping_won.status, 400, "its deal is in the dropped stage");

    // HubSpot's default pipeline can be renamed too; the audits list what was done.
    let default = patch(format!("{url}/default"), json!({"displayOrder": 9})).await;
    assert_eq!(default.json["label"], "Sales Pipeline");
    assert_eq!(default.json["displayOrder"], 9);
    let audit = get(format!("{url}/{id}/audit")).await;
    let actions: Vec<&str> = audit.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["UPDATE", "UPDATE", "CREATE"], "newest first");
    let stage_audit = get(format!("{url}/{id}/stages/{lost}/audit")).await;
    assert_eq!(stage_audit.status, 404, "the stage is gone");
    let won_audit = get(format!("{url}/{id}/stages/{won}/audit")).await;
    let won_actions: Vec<&str> = won_audit.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(won_actions, ["UPDATE", "CREATE"], "replaced, created");
    assert_eq!(won_audit.json["results"][0]["identifier"], won.as_str());
}
