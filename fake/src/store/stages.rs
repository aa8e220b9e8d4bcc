//! A deal stage as the account knows it: its label, display order, probability and whether
//! it closes a deal (won or lost), from what was given through the pipelines API, else
//! HubSpot's defaults. The pipelines API renders it; deals read their derived properties
//! from it (`hs_is_closed`, `hs_deal_stage_probability`, `hs_is_closed_won`), and their
//! per-stage timing from `dealstage`'s history (`hs_v2_date_entered_{stageId}`,
//! `hs_v2_date_exited_{stageId}`, `hs_v2_latest_time_in_{stageId}`,
//! `hs_v2_cumulative_time_in_{stageId}`), as HubSpot computes them: readable by name, not
//! listed among the properties.

use crate::store::{PastValue, Schema, account_created, timestamp};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// HubSpot's default pipeline: (stage id, label, probability, closed).
const DEFAULT_STAGES: &[(&str, &str, &str, bool)] = &[
    (
        "appointmentscheduled",
        "Appointment Scheduled",
        "0.2",
        false,
    ),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", false),
    (
        "presentationscheduled",
        "Presentation Scheduled",
        "0.6",
        false,
    ),
    (
        "decisionmakerboughtin",
        "Decision Maker Bought-In",
        "0.8",
        false,
    ),
    ("contractsent", "Contract Sent", "0.9", false),
    ("closedwon", "Closed Won", "1.0", true),
    ("closedlost", "Closed Lost", "0.0", true),
];

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stage {
    pub label: String,
    pub display_order: i64,
    /// `probability` and `isClosed`, as the API gives them.
    pub metadata: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
}

impl Stage {
    /// The probability of a deal in it closing won, 0.0 to 1.0.
    pub fn probability(&self) -> f64 {
        self.metadata
            .get("probability")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0.0)
    }

    /// Whether a deal in it is closed (won or lost).
    pub fn is_closed(&self) -> bool {
        self.metadata.get("isClosed").is_some_and(|c| c == "true")
    }

    /// Whether a deal in it is closed won: closed, with probability 1.
    pub fn is_closed_won(&self) -> bool {
        self.is_closed() && self.probability() >= 1.0
    }
}

impl Schema {
    /// Whether a read may name property `name`: one of the account's, or one HubSpot derives
    /// from a deal's stage (readable by name though the properties API does not list it).
    pub(crate) fn readable(&self, name: &str) -> bool {
        self.properties.contains(name) || is_derived(name)
    }

    /// Stage `id` of pipeline `pipeline` (an unknown one: a stage of that name, open, with a
    /// probability rising with its place in the pipeline).
    pub(crate) fn stage(&self, pipeline: &str, id: &str) -> Stage {
        let key = (pipeline.to_string(), id.to_string());
        if let Some(given) = self.described.get(&key) {
            return Stage {
                label: given.label.clone(),
                display_order: given.display_order,
                metadata: given.metadata.clone(),
                created_at: given.created_at,
            };
        }
        let stages = self
            .pipelines
            .iter()
            .find(|p| p.id == pipeline)
            .map(|p| p.stages.as_slice())
            .unwrap_or_default();
        let order = stages.iter().position(|s| s == id).unwrap_or(0);
        let known = DEFAULT_STAGES.iter().find(|(stage, ..)| *stage == id);
        let (label, probability, closed) = match known {
            Some((_, label, probability, closed)) => {
                (label.to_string(), probability.to_string(), *closed)
            }
            None => {
                let rising = (order + 1) as f64 / (stages.len() + 1) as f64;
                (id.to_string(), format!("{rising:.1}"), false)
            }
        };
        Stage {
            label,
            display_order: order as i64,
            metadata: BTreeMap::from([
                ("probability".to_string(), probability),
                ("isClosed".to_string(), closed.to_string()),
            ]),
            created_at: account_created(),
        }
    }
}

/// The properties HubSpot derives from a deal's stage: a deal's value of one of them, given
/// its pipeline, stage and `dealstage`'s history (oldest first); `None` for a name that is
/// none of them (`Some(None)`: one of them, without a value).
pub(crate) fn derived(
    schema: &Schema,
    name: &str,
    pipeline: &str,
    stage: Option<&str>,
    history: &[PastValue],
) -> Option<Option<String>> {
    let current = || stage.map(|s| schema.stage(pipeline, s));
    let value = match name {
        "hs_is_closed" => current().map(|s| s.is_closed().to_string()),
        "hs_is_closed_won" => current().map(|s| s.is_closed_won().to_string()),
        "hs_deal_stage_probability" => current().map(|s| {
            s.metadata
                .get("probability")
                .cloned()
                .unwrap_or_else(|| "0".into())
        }),
        _ => return timing(name, stage, history),
    };
    Some(value)
}

/// The stage timing properties' prefixes.
const TIMING: [&str; 4] = [
    "hs_v2_date_entered_",
    "hs_v2_date_exited_",
    "hs_v2_latest_time_in_",
    "hs_v2_cumulative_time_in_",
];

/// The stage name HubSpot reads as "the deal's stage now" (`hs_v2_date_entered_current_stage`).
const CURRENT_STAGE: &str = "current_stage";

/// Whether `name` is one of the properties HubSpot derives from a deal's stage.
pub(crate) fn is_derived(name: &str) -> bool {
    [
        "hs_is_closed",
        "hs_is_closed_won",
        "hs_deal_stage_probability",
    ]
    .contains(&name)
        || TIMING
            .iter()
            .any(|p| name.strip_prefix(p).is_some_and(|s| !s.is_empty()))
}

/// A stage timing property's value from `dealstage`'s history: when the deal last entered
/// the stage, when it last left it, how long (ms) its last finished stay lasted, and every
/// finished stay together. A stay not yet finished counts only once it is (the fake's values
/// do not move with the clock between writes); a stage never entered has none.
fn timing(name: &str, current: Option<&str>, history: &[PastValue]) -> Option<Option<String>> {
    let (prefix, stage) = TIMING
        .iter()
        .find_map(|p| Some((*p, name.strip_prefix(p).filter(|s| !s.is_empty())?)))?;
    // `hs_v2_date_entered_current_stage`: when the deal entered the stage it is in.
    let stage = match (prefix, stage) {
        ("hs_v2_date_entered_", CURRENT_STAGE) => match current {
            Some(current) => current,
            None => return Some(None),
        },
        _ => stage,
    };
    // Each stay in the stage: when it began, and when the next change ended it.
    let stays: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = history
        .iter()
        .enumerate()
        .filter(|(i, change)| {
            change.value == stage && (*i == 0 || history[i - 1].value != change.value)
        })
        .map(|(i, change)| {
            let left = history[i + 1..]
                .iter()
                .find(|later| later.value != stage)
                .map(|later| later.at);
            (change.at, left)
        })
        .collect();
    // From the times as HubSpot keeps them: whole milliseconds.
    let millis = |from: DateTime<Utc>, to: DateTime<Utc>| {
        (to.timestamp_millis() - from.timestamp_millis()).max(0)
    };
    let value = match prefix {
        "hs_v2_date_entered_" => stays.last().map(|(entered, _)| timestamp(*entered)),
        "hs_v2_date_exited_" => stays.last().and_then(|(_, left)| left.map(timestamp)),
        "hs_v2_latest_time_in_" => stays
            .last()
            .and_then(|(entered, left)| left.map(|left| millis(*entered, left).to_string())),
        _ => {
            let finished: Vec<i64> = stays
                .iter()
                .filter_map(|(entered, left)| left.map(|left| millis(*entered, left)))
                .collect();
            (!finished.is_empty()).then(|| finished.iter().sum::<i64>().to_string())
        }
    };
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        account_created() + chrono::Duration::minutes(minute)
    }

    fn moves(stages: &[(&str, i64)]) -> Vec<PastValue> {
        stages
            .iter()
            .map(|(stage, minute)| PastValue {
                value: stage.to_string(),
                at: at(*minute),
            })
            .collect()
    }

    #[test]
    fn stage_timing_follows_dealstages_history() {
        let schema = Schema::default();
        let history = moves(&[
            ("appointmentscheduled", 0),
            ("qualifiedtobuy", 10),
            ("appointmentscheduled", 15),
            ("closedwon", 45),
        ]);
        let value = |name: &str| derived(&schema, name, "default", Some("closedwon"), &history);
        let first = "appointmentscheduled";
        assert_eq!(
            value(&format!("hs_v2_date_entered_{first}")),
            Some(Some(timestamp(at(15))))
        );
        assert_eq!(
            value(&format!("hs_v2_date_exited_{first}")),
            Some(Some(timestamp(at(45))))
        );
        assert_eq!(
            value(&format!("hs_v2_latest_time_in_{first}")),
            Some(Some("1800000".into()))
        );
        assert_eq!(
            value(&format!("hs_v2_cumulative_time_in_{first}")),
            Some(Some("2400000".into())),
            "10 minutes, then 30"
        );
        assert_eq!(
            value("hs_v2_date_entered_closedwon"),
            Some(Some(timestamp(at(45))))
        );
        assert_eq!(
            value("hs_v2_date_entered_current_stage"),
            Some(Some(timestamp(at(45))))
        );
        let unstaged = derived(
            &schema,
            "hs_v2_date_entered_current_stage",
            "default",
            None,
            &[],
        );
        assert_eq!(unstaged, Some(None));
        assert_eq!(
            value("hs_v2_date_exited_closedwon"),
            Some(None),
            "still in it"
        );
        assert_eq!(value("hs_v2_cumulative_time_in_closedwon"), Some(None));
        assert_eq!(
            value("hs_v2_date_entered_closedlost"),
            Some(None),
            "never entered"
        );
        assert_eq!(value("hs_is_closed"), Some(Some("true".into())));
        assert_eq!(value("hs_is_closed_won"), Some(Some("true".into())));
        assert_eq!(value("hs_deal_stage_probability"), Some(Some("1.0".into())));
        assert_eq!(value("dealname"), None, "not derived");
        assert_eq!(value("hs_v2_date_entered_"), None, "no stage named");
        let open = derived(
            &schema,
            "hs_is_closed",
            "default",
            Some("qualifiedtobuy"),
            &[],
        );
        assert_eq!(open, Some(Some("false".into())));
        let lost = derived(
            &schema,
            "hs_is_closed_won",
            "default",
            Some("closedlost"),
            &[],
        );
        assert_eq!(lost, Some(Some("false".into())));
        assert_eq!(
            derived(&schema, "hs_is_closed", "default", None, &[]),
            Some(None)
        );
        assert!(is_derived("hs_v2_latest_time_in_123") && !is_derived("hs_v2_date_entered_"));
    }

    #[test]
    fn a_stage_is_what_was_given_else_hubspots_default_else_rising_with_its_place() {
        use crate::store::{Described, Pipeline};
        let mut schema = Schema::default();
        schema
            .pipelines
            .push(Pipeline::new("renewals", ["a", "b", "c", "d"]));
        let closed_won = schema.stage("default", "closedwon");
        assert_eq!(
            (closed_won.label.as_str(), closed_won.display_order),
            ("Closed Won", 5)
        );
        assert!(closed_won.is_closed_won());
        let unknown = |schema: &Schema, id: &str| {
            let stage = schema.stage("renewals", id);
            let probability = stage.metadata["probability"].clone();
            let closed = stage.is_closed();
            (stage.label, stage.display_order, probability, closed)
        };
        assert_eq!(unknown(&schema, "b"), ("b".into(), 1, "0.4".into(), false));
        assert_eq!(unknown(&schema, "d"), ("d".into(), 3, "0.8".into(), false));
        let given = Described {
            label: "Bravo".into(),
            display_order: 7,
            metadata: BTreeMap::from([("probability".into(), "0.3".into())]),
            created_at: at(5),
        };
        schema
            .described
            .insert(("renewals".into(), "b".into()), given.clone());
        let stage = schema.stage("renewals", "b");
        assert_eq!(
            (
                stage.label,
                stage.display_order,
                stage.metadata,
                stage.created_at
            ),
            (given.label, 7, given.metadata, at(5))
        );
        assert_eq!(unknown(&schema, "d").0, "d", "only the stage given changes");
    }

    #[test]
    fn a_read_may_name_the_accounts_properties_and_the_derived_ones_only() {
        let mut schema = Schema::default();
        assert!(schema.readable("dealname"));
        assert!(schema.readable("hs_v2_date_entered_closedwon"));
        assert!(!schema.readable("favourite_colour"));
        schema.properties.insert("favourite_colour".into());
        assert!(schema.readable("favourite_colour"));
    }
}
