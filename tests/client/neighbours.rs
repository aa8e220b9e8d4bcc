//! The APIs around deals, generated like deals and sent through the same runtime: pipelines
//! and stages, property definitions, against the fake.

use crate::support::fake::{oauth_fake, pat_client};
use hubspot_deals::clock::ManualClock;
use hubspot_deals::{Client, Error, RetryPolicy};
use hubspot_deals_fake::{FakeHubSpot, FakeHubSpotBuilder};

/// A fake from `build` (given the test fake's builder) and a client of it.
async fn started(
    build: impl FnOnce(FakeHubSpotBuilder) -> FakeHubSpotBuilder,
) -> (FakeHubSpot, Client) {
    let clock = ManualClock::default();
    let fake = build(oauth_fake(&clock)).start().await.unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    (fake, client)
}

#[tokio::test]
async fn pipelines_list_read_and_create_through_the_runtime() {
    let (fake, client) = started(|b| b).await;
    let pipelines = client.pipelines();

    let all = pipelines
        .list_pipelines()
        .send()
        .await
        .unwrap()
        .into_inner();
    let default = all.results.iter().find(|p| p.id == "default").unwrap();
    assert_eq!(default.label, "Sales Pipeline");
    let won = default.stages.iter().find(|s| s.id == "closedwon").unwrap();
    assert_eq!(won.label, "Closed Won");
    assert_eq!(
        won.metadata.get("isClosed").map(String::as_str),
        Some("true")
    );

    use hubspot_deals::pipelines::types::{PipelineInput, PipelineStageInput};
    let stage = |label: &str, order: i32, probability: &str| PipelineStageInput {
        label: label.into(),
        display_order: order,
        metadata: [("probability".to_string(), probability.to_string())].into(),
        stage_id: None,
    };
    let created = pipelines
        .create_pipeline()
        .body(PipelineInput {
            label: "Renewals".into(),
            display_order: 1,
            stages: vec![stage("Up", 0, "0.5"), stage("Renewed", 1, "1.0")],
            pipeline_id: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let read = pipelines
        .get_stage()
        .pipeline_id(&created.id)
        .stage_id(&created.stages[1].id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.label, "Renewed");

    let missing = pipelines.get_pipeline().pipeline_id("nope").send().await;
    let error = missing.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("get_pipeline: 404 OBJECT_NOT_FOUND"),
        "the error names the operation and keeps HubSpot's category: {error}"
    );
    let calls: Vec<String> = fake.requests().into_iter().map(|r| r.operation).collect();
    assert!(calls.contains(&"create_pipeline".to_string()), "{calls:?}");
}

#[tokio::test]
async fn property_definitions_read_and_create_through_the_runtime() {
    let (_fake, client) = started(|b| b).await;
    let properties = client.properties();
    let all = properties
        .list_properties()
        .send()
        .await
        .unwrap()
        .into_inner();
    let amount = all.results.iter().find(|p| p.name == "amount").unwrap();
    assert_eq!(amount.type_, "number");

    use hubspot_deals::properties::types::PropertyCreate;
    let created = properties
        .create_property()
        .body(
            PropertyCreate::builder()
                .name("erp_id")
                .label("ERP id")
                .type_("string")
                .field_type("text")
                .group_name("dealinformation")
                .has_unique_value(Some(true)),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(created.has_unique_value == Some(true), "{created:?}");
    let again = properties
        .create_property()
        .body(
            PropertyCreate::builder()
                .name("erp_id")
                .label("ERP id")
                .type_("string")
                .field_type("text")
                .group_name("dealinformation"),
        )
        .send()
        .await;
    match again {
        Err(Error::Api(api)) => assert_eq!(api.status, 409, "{api}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn stages_read_by_id_and_label_and_reload_for_a_new_stage() {
    use hubspot_deals::stages::{LabelError, Stages};
    let (fake, client) =
        started(|b| b.pipeline(hubspot_deals_fake::Pipeline::new("77", ["s1", "closedwon"]))).await;
    let mut stages = Stages::load(&client).await.unwrap();
    let won = stages.get("closedwon").unwrap();
    assert_eq!(
        won.pipeline_id, "default",
        "the first pipeline's, where two share an id"
    );
    assert_eq!(stages.get_in("77", "closedwon").unwrap().pipeline_id, "77");
    assert_eq!(
        (won.label.as_str(), won.won, won.closed),
        ("Closed Won", true, true)
    );
    let lost = stages.get("closedlost").unwrap();
    assert!(lost.closed && !lost.won);
    assert_eq!(
        stages.id_for_label(Some("default"), "closed won"),
        Ok("closedwon")
    );
    assert_eq!(
        stages.id_for_label(None, "Closed Won"),
        Err(LabelError::Ambiguous {
            label: "Closed Won".into(),
            pipelines: vec!["Sales Pipeline".into(), "77".into()]
        }),
        "two pipelines have it"
    );
    let unknown = stages
        .id_for_label(Some("default"), "Negotiation")
        .unwrap_err();
    assert!(
        unknown.to_string().contains("Appointment Scheduled"),
        "{unknown}"
    );

    // A stage made after the load is found by reloading once.
    use hubspot_deals::pipelines::types::{PipelineInput, PipelineStageInput};
    let created = client
        .pipelines()
        .create_pipeline()
        .body(PipelineInput {
            label: "Later".into(),
            display_order: 2,
            stages: vec![PipelineStageInput {
                label: "Fresh".into(),
                display_order: 0,
                metadata: [("probability".to_string(), "0.1".to_string())].into(),
                stage_id: None,
            }],
            pipeline_id: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let fresh = created.stages[0].id.clone();
    assert!(stages.get(&fresh).is_none());
    fake.clear_log();
    let found = stages.resolve(&fresh).await.unwrap().unwrap();
    assert_eq!(
        (found.label.as_str(), found.pipeline_label.as_str()),
        ("Fresh", "Later")
    );
    assert!(stages.resolve("no-such-stage").await.unwrap().is_none());
    let reloads = fake
        .requests()
        .iter()
        .filter(|r| r.operation == "list_pipelines")
        .count();
    assert_eq!(
        reloads, 2,
        "one reload per unknown id, none for a known one"
    );
    stages.resolve(&fresh).await.unwrap();
    assert_eq!(fake.requests().len(), 2);
}
