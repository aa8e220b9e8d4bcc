//! Where an export stands, in a checkpoint beside its file (`FILE.checkpoint`): what was asked
//! (a resume must ask the same), how many bytes of the file are whole deals, and where the
//! listing goes on.

use crate::args::Format;
use crate::failure::Failure;
use crate::state_file;
use chrono::{DateTime, Utc};
use hubspot_deals::paging::ResumePoint;
use hubspot_deals::search::SearchResume;
use hubspot_deals::types::Filter;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What an export asked for; a resume must ask the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asked {
    pub format: Format,
    pub properties: Vec<String>,
    pub archived: bool,
    pub since: Option<DateTime<Utc>>,
    pub filters: Vec<Filter>,
    /// `--stage-labels`: `dealstage_label` and `pipeline_label` added to each deal.
    #[serde(default)]
    pub stage_labels: bool,
    /// `--associations`: the object types whose associated ids are added.
    #[serde(default)]
    pub associations: Vec<String>,
}

/// Where the listing goes on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Position {
    /// A listing of every deal (`None`: every deal was taken).
    List { next: Option<ResumePoint> },
    /// A search past the cap, or a run of changes since a time.
    Search { next: SearchResume },
}

/// Where an export stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub asked: Asked,
    /// The bytes of the file that are whole deals.
    pub bytes: u64,
    /// Deals written.
    pub rows: u64,
    /// Where the listing goes on (`None`: from its start).
    pub position: Option<Position>,
}

impl Checkpoint {
    pub fn path(output: &Path) -> PathBuf {
        state_file::beside(output, ".checkpoint")
    }

    pub fn load(output: &Path) -> Result<Option<Self>, Failure> {
        state_file::load(
            &Self::path(output),
            "an export checkpoint",
            "export again without --resume",
        )
    }

    /// Replaces the checkpoint file at once.
    pub fn save(&self, output: &Path) -> Result<(), Failure> {
        state_file::save(&Self::path(output), self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkpoint_sits_beside_the_file() {
        assert_eq!(
            Checkpoint::path(Path::new("out/deals.csv")),
            PathBuf::from("out/deals.csv.checkpoint")
        );
    }
}
