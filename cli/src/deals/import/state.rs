//! Where an import stands, in a state file beside its input (`FILE.import-state`): which rows
//! have their outcome, which may have been sent, and which file (size, modification time) it
//! belongs to.

use crate::args::Mode;
use crate::failure::Failure;
use crate::state_file;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where an import stands, beside its file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub mode: Option<Mode>,
    /// Every row up to this one has its outcome.
    pub done: u64,
    /// No row after this one was handed to the batch helper.
    pub taken: u64,
    /// The file it imports: a resume of any other is refused.
    pub input: Option<Input>,
}

/// Which file an import state belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    bytes: u64,
    /// Modified, in nanoseconds since the epoch (when the platform says).
    modified: Option<u128>,
}

impl Input {
    pub fn of(file: &Path) -> Result<Self, Failure> {
        let metadata = std::fs::metadata(file).map_err(|e| Failure::file("read", file, e))?;
        let modified = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos());
        Ok(Self {
            bytes: metadata.len(),
            modified,
        })
    }
}

impl State {
    pub fn path(file: &Path) -> PathBuf {
        state_file::beside(file, ".import-state")
    }

    pub fn load(file: &Path) -> Result<Option<Self>, Failure> {
        state_file::load(
            &Self::path(file),
            "an import state",
            "import again without --resume",
        )
    }

    pub fn save(&self, file: &Path) -> Result<(), Failure> {
        state_file::save(&Self::path(file), self)
    }
}
