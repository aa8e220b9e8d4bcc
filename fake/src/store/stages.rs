//! A deal stage as the account knows it: its label, display order, probability and whether
//! it closes a deal (won or lost), from what was given through the pipelines API, else
//! HubSpot's defaults. The pipelines API renders it; deals read their derived properties
//! (`hs_is_closed`, `hs_deal_stage_probability`, `hs_is_closed_won`) from it.

use crate::store::{Schema, account_created};
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
