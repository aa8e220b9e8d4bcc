//! The mirror's journal follower on an injected clock: a pipeline or stage renamed while it
//! follows reaches the rows it writes and the pipelines it hands the sink within
//! `PIPELINES_FRESH_FOR`.

use crate::journal_feed::{PORTAL, create, drain, setup, update};
use hubspot_deals::journal::{Feed, Start};
use hubspot_deals::mirror::{
    Applied, Batch, DealRow, Follower, Options, PIPELINES_FRESH_FOR, Position, Sink, SinkError,
};
use hubspot_deals_fake::JournalOptions;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// A sink that keeps what it is given.
#[derive(Default)]
struct Memory {
    rows: BTreeMap<String, DealRow>,
    /// (pipeline id, stage id, stage label) of the last pipelines given.
    stages: BTreeSet<(String, String, String)>,
    position: Position,
}

impl Sink for Memory {
    async fn position(&mut self) -> Result<Position, SinkError> {
        Ok(self.position.clone())
    }

    async fn apply(&mut self, batch: Batch) -> Result<Applied, SinkError> {
        if let Some(pipelines) = batch.pipelines {
            self.stages = pipelines
                .iter()
                .flat_map(|p| {
                    p.stages
                        .iter()
                        .map(|(id, label, ..)| (p.id.clone(), id.clone(), label.clone()))
                })
                .collect();
        }
        let mut added = 0;
        for row in batch.deals {
            added += u64::from(self.rows.insert(row.id.clone(), row).is_none());
        }
        self.position = batch.position;
        Ok(Applied::new(added, 0, 0, 0))
    }

    async fn live_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        Ok(self.rows.keys().cloned().collect())
    }

    async fn archived_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        Ok(BTreeSet::new())
    }

    async fn live_times(
        &mut self,
    ) -> Result<BTreeMap<String, chrono::DateTime<chrono::Utc>>, SinkError> {
        Ok(self
            .rows
            .iter()
            .map(|(id, row)| (id.clone(), row.modified_at))
            .collect())
    }
}

#[tokio::test]
async fn a_stage_renamed_while_following_reaches_the_rows_and_the_pipelines_in_a_minute() {
    let s = setup(JournalOptions::default()).await;
    let id = create(&s.crm, "Followed", "10").await;
    update(&s.crm, &id, "dealstage", "appointmentscheduled").await;
    let mut feed = Feed::new(&s.app, Start::Earliest).local(PORTAL as i32);
    let mut follower = Follower::new(&s.crm).await.unwrap();
    let mut sink = Memory::default();
    let mut position = Position::default();
    let options = Options::default();
    let entries = drain(&mut feed).await.unwrap();
    follower
        .apply(&s.crm, &mut sink, &options, &entries, &mut position)
        .await
        .unwrap();
    assert_eq!(
        sink.rows[&id].stage_label.as_deref(),
        Some("Appointment Scheduled")
    );

    let renamed = hubspot_deals::pipelines::types::PipelineStagePatchInput {
        archived: None,
        display_order: None,
        label: Some("First meeting".into()),
        metadata: Default::default(),
    };
    s.crm
        .pipelines()
        .update_stage()
        .pipeline_id("default")
        .stage_id("appointmentscheduled")
        .body(renamed)
        .send()
        .await
        .unwrap();
    let label = |sink: &Memory| sink.rows[&id].stage_label.clone();
    // Within the minute, the follower keeps the labels it read (no call for them).
    update(&s.crm, &id, "amount", "11").await;
    let entries = drain(&mut feed).await.unwrap();
    follower
        .apply(&s.crm, &mut sink, &options, &entries, &mut position)
        .await
        .unwrap();
    assert_eq!(label(&sink).as_deref(), Some("Appointment Scheduled"));
    // After it, the next entries are written with the new label, and the pipelines with them.
    s.clock
        .advance(PIPELINES_FRESH_FOR + Duration::from_secs(1));
    update(&s.crm, &id, "amount", "12").await;
    let entries = drain(&mut feed).await.unwrap();
    follower
        .apply(&s.crm, &mut sink, &options, &entries, &mut position)
        .await
        .unwrap();
    assert_eq!(label(&sink).as_deref(), Some("First meeting"));
    let stage = (
        "default".into(),
        "appointmentscheduled".into(),
        "First meeting".into(),
    );
    assert!(sink.stages.contains(&stage), "{:?}", sink.stages);
}
