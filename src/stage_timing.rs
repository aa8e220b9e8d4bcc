//! When a deal entered and left each stage, as HubSpot computes it: the stage-calculated
//! properties `hs_v2_date_entered_{stageId}`, `hs_v2_date_exited_{stageId}`,
//! `hs_v2_latest_time_in_{stageId}` and `hs_v2_cumulative_time_in_{stageId}`. The properties
//! API does not list them, so their names are built from the account's stage ids; they are
//! read in batch reads (the names go in the body, never in a URL, however many stages there
//! are). They hold the latest stay in each stage and the sum of all finished stays; for every
//! stay, read `dealstage` with history (as [`mirror`](crate::mirror) does).
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use hubspot_deals::{stage_timing, stages::Stages};
//! let stages = Stages::load(&client).await?;
//! let timing = stage_timing::read(&client, &stages, &["1001".to_string()]).await?;
//! for stage in &timing["1001"] {
//!     println!("{}: entered {:?}, left {:?}", stage.stage_id, stage.entered_at, stage.exited_at);
//! }
//! # Ok(()) }
//! ```

use crate::generated::Client;
use crate::stages::Stages;
use crate::types::{BatchRead, DealId};
use crate::{DecodeError, Error};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// The names' prefixes, in the order of [`property_names`].
const PREFIXES: [&str; 4] = [
    "hs_v2_date_entered_",
    "hs_v2_date_exited_",
    "hs_v2_latest_time_in_",
    "hs_v2_cumulative_time_in_",
];

/// A deal's time in one stage of its pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StageTiming {
    /// The stage's id.
    pub stage_id: String,
    /// When the deal last entered it; `None` if it never has.
    pub entered_at: Option<DateTime<Utc>>,
    /// When the deal last left it; `None` while it is there (or never was).
    pub exited_at: Option<DateTime<Utc>>,
    /// How long its last finished stay lasted.
    pub latest_time_in: Option<Duration>,
    /// How long all its finished stays lasted together.
    pub cumulative_time_in: Option<Duration>,
}

/// The four property names that hold a deal's timing in stage `stage_id`: entered, exited,
/// latest time in, cumulative time in.
///
/// ```
/// let names = hubspot_deals::stage_timing::property_names("closedwon");
/// assert_eq!(names[0], "hs_v2_date_entered_closedwon");
/// assert_eq!(names[3], "hs_v2_cumulative_time_in_closedwon");
/// ```
pub fn property_names(stage_id: &str) -> [String; 4] {
    PREFIXES.map(|prefix| format!("{prefix}{stage_id}"))
}

/// A deal's timing in stage `stage_id`, from its property values (as a read returns them:
/// dates in ISO 8601 or epoch milliseconds, durations in milliseconds). A value that is none
/// of these is a [`DecodeError`] naming the property.
pub fn from_properties(
    stage_id: &str,
    properties: &HashMap<String, Option<String>>,
) -> Result<StageTiming, DecodeError> {
    let [entered, exited, latest, cumulative] = property_names(stage_id);
    let value = |name: &str| {
        properties
            .get(name)
            .and_then(Option::as_deref)
            .filter(|v| !v.is_empty())
    };
    let unreadable = |name: &str, raw: &str, expected: &str| DecodeError {
        operation: Some("batch_read"),
        status: None,
        path: format!("properties.{name}"),
        message: format!("expected {expected}, got {raw:?}"),
        body_excerpt: String::new(),
        applied: false,
    };
    let instant = |name: &str| -> Result<Option<DateTime<Utc>>, DecodeError> {
        let Some(raw) = value(name) else {
            return Ok(None);
        };
        let parsed = match raw.parse::<i64>() {
            Ok(millis) => DateTime::from_timestamp_millis(millis),
            Err(_) => DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|at| at.with_timezone(&Utc)),
        };
        parsed
            .map(Some)
            .ok_or_else(|| unreadable(name, raw, "a date-time"))
    };
    let duration = |name: &str| -> Result<Option<Duration>, DecodeError> {
        let Some(raw) = value(name) else {
            return Ok(None);
        };
        // HubSpot's number properties may carry a fraction (`1800000.0`).
        let millis = raw
            .parse::<f64>()
            .ok()
            .filter(|m| m.is_finite() && *m >= 0.0)
            .ok_or_else(|| unreadable(name, raw, "a non-negative number of milliseconds"))?;
        Ok(Some(Duration::from_millis(millis.round() as u64)))
    };
    Ok(StageTiming {
        stage_id: stage_id.to_string(),
        entered_at: instant(&entered)?,
        exited_at: instant(&exited)?,
        latest_time_in: duration(&latest)?,
        cumulative_time_in: duration(&cumulative)?,
    })
}

/// The timing of deals `deal_ids` in each stage of their pipeline they have entered, in the
/// pipeline's order, by deal id (a deal that does not exist is left out). One batch read per
/// 100 deals; `stages` names the account's stages (load it once, reuse it).
pub async fn read(
    client: &Client,
    stages: &Stages,
    deal_ids: &[String],
) -> Result<BTreeMap<String, Vec<StageTiming>>, Error> {
    let mut properties = vec!["pipeline".to_string()];
    for stage in stages.all() {
        for name in property_names(&stage.id) {
            if !properties.contains(&name) {
                properties.push(name);
            }
        }
    }
    let mut timing = BTreeMap::new();
    for chunk in deal_ids.chunks(crate::limits::BATCH_INPUTS) {
        let body = BatchRead {
            id_property: None,
            inputs: chunk.iter().map(|id| DealId { id: id.clone() }).collect(),
            properties: properties.clone(),
            properties_with_history: Vec::new(),
        };
        let read = client.batch_read().body(body).send().await?.into_inner();
        for deal in read.results {
            let pipeline = deal.properties.get("pipeline").cloned().flatten();
            let mut entered = Vec::new();
            for stage in stages.all() {
                if pipeline.as_deref().is_some_and(|p| p != stage.pipeline_id) {
                    continue;
                }
                let stage_timing =
                    from_properties(&stage.id, &deal.properties).map_err(Error::Decode)?;
                if stage_timing.entered_at.is_some() {
                    entered.push(stage_timing);
                }
            }
            timing.insert(deal.id, entered);
        }
    }
    Ok(timing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn properties(pairs: &[(&str, Option<&str>)]) -> HashMap<String, Option<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    #[test]
    fn timing_reads_hubspots_forms_and_refuses_anything_else() {
        let read = from_properties(
            "won",
            &properties(&[
                ("hs_v2_date_entered_won", Some("2026-11-28T09:30:00.000Z")),
                ("hs_v2_date_exited_won", Some("1796679183430")),
                ("hs_v2_latest_time_in_won", Some("1800000.0")),
                ("hs_v2_cumulative_time_in_won", Some("2400000")),
                ("hs_v2_date_entered_lost", Some("not read")),
            ]),
        )
        .unwrap();
        assert_eq!(
            read.entered_at,
            Some("2026-11-28T09:30:00Z".parse().unwrap())
        );
        assert_eq!(
            read.exited_at,
            DateTime::from_timestamp_millis(1_796_679_183_430)
        );
        assert_eq!(read.latest_time_in, Some(Duration::from_secs(1800)));
        assert_eq!(read.cumulative_time_in, Some(Duration::from_secs(2400)));
        let never = from_properties(
            "won",
            &properties(&[
                ("hs_v2_date_entered_won", None),
                ("hs_v2_date_exited_won", Some("")),
            ]),
        )
        .unwrap();
        assert_eq!(never.entered_at, None);
        assert_eq!(never.exited_at, None, "an empty value is no value");
        for (name, bad) in [
            ("hs_v2_date_entered_won", "yesterday"),
            ("hs_v2_latest_time_in_won", "-5"),
            ("hs_v2_cumulative_time_in_won", "NaN"),
        ] {
            let error = from_properties("won", &properties(&[(name, Some(bad))])).unwrap_err();
            assert_eq!(error.path, format!("properties.{name}"));
            assert!(error.message.contains(bad), "{}", error.message);
        }
    }
}
