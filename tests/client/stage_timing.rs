//! Stage timing through the client: HubSpot's stage-calculated properties, read for deals
//! that moved through their pipeline on a clock the test holds, agree with the fake's own
//! `dealstage` history, stage by stage.

use crate::support::fake::PAT;
use hubspot_deals::clock::ManualClock;
use hubspot_deals::stages::Stages;
use hubspot_deals::types::{DealUpdate, NewDeal};
use hubspot_deals::{Client, RateLimit, stage_timing};
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

async fn moved(client: &Client, clock: &ManualClock, stages: &[&str]) -> String {
    let mut properties = HashMap::from([
        ("dealname".to_string(), "Moving".to_string()),
        ("dealstage".to_string(), stages[0].to_string()),
    ]);
    let deal = client
        .create()
        .body(NewDeal {
            associations: Vec::new(),
            properties: properties.clone(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    for stage in &stages[1..] {
        clock.advance(Duration::from_secs(600));
        properties.insert("dealstage".into(), stage.to_string());
        client
            .update()
            .deal_id(&deal.id)
            .body(DealUpdate {
                properties: properties.clone(),
            })
            .send()
            .await
            .unwrap();
    }
    deal.id
}

#[tokio::test]
async fn each_stage_entered_has_hubspots_timing_and_agrees_with_the_stage_history() {
    let clock = ManualClock::new("2026-12-01T09:00:00Z".parse().unwrap());
    let fake = FakeHubSpot::builder()
        .private_app_token(PAT)
        .rate_limits(RateLimits::UNLIMITED)
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .private_app_token(PAT)
        .base_url(fake.base_url())
        .rate_limit(RateLimit::unlimited())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let there_and_back = moved(
        &client,
        &clock,
        &[
            "appointmentscheduled",
            "qualifiedtobuy",
            "appointmentscheduled",
            "closedwon",
        ],
    )
    .await;
    let new = moved(&client, &clock, &["contractsent"]).await;
    let stages = Stages::load(&client).await.unwrap();
    let ids = [there_and_back.clone(), new.clone(), "999999".to_string()];
    let timing = stage_timing::read(&client, &stages, &ids).await.unwrap();
    assert!(
        !timing.contains_key("999999"),
        "a deal that does not exist is left out"
    );

    let stays: Vec<(&str, bool)> = timing[&there_and_back]
        .iter()
        .map(|s| (s.stage_id.as_str(), s.exited_at.is_some()))
        .collect();
    assert_eq!(
        stays,
        [
            ("appointmentscheduled", true),
            ("qualifiedtobuy", true),
            ("closedwon", false)
        ],
        "the stages entered, in the pipeline's order; closed won not left"
    );
    let first = &timing[&there_and_back][0];
    assert_eq!(first.latest_time_in, Some(Duration::from_secs(600)));
    assert_eq!(
        first.cumulative_time_in,
        Some(Duration::from_secs(1200)),
        "two stays"
    );
    assert_eq!(timing[&new].len(), 1);
    assert_eq!(timing[&new][0].cumulative_time_in, None, "still there");

    // The fake's own record: dealstage's history, newest first.
    for id in [&there_and_back, &new] {
        let deal = client
            .get_by_id()
            .deal_id(id)
            .properties_with_history(vec!["dealstage".to_string()])
            .send()
            .await
            .unwrap()
            .into_inner();
        let mut history = deal.properties_with_history["dealstage"].clone();
        history.reverse();
        for stage in &timing[id] {
            let entries: Vec<usize> = (0..history.len())
                .filter(|i| history[*i].value == stage.stage_id)
                .collect();
            let last = *entries.last().unwrap();
            assert_eq!(
                stage.entered_at,
                Some(history[last].timestamp),
                "{id} {}",
                stage.stage_id
            );
            assert_eq!(stage.exited_at, history.get(last + 1).map(|h| h.timestamp));
        }
        let entered: std::collections::BTreeSet<&str> =
            history.iter().map(|h| h.value.as_str()).collect();
        assert_eq!(
            entered.len(),
            timing[id].len(),
            "every stage in the history has timing"
        );
    }
}
