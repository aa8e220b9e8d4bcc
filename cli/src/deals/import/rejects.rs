//! The rejects file (`FILE.rejects.jsonl`, or `--rejects`): one JSON line per row that
//! failed, with its row number, input and reason; created readable only by the user (it
//! holds deal data).

use crate::failure::Failure;
use crate::private_files::{self, Access};
use serde_json::{Value, json};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

/// The rejects file, and the counts for the summary.
pub struct Rejects {
    pub path: PathBuf,
    out: Option<std::io::BufWriter<File>>,
    pub failed: u64,
    pub unknown: u64,
}

impl Rejects {
    /// The rejects file at `path`, created when the first row is rejected.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            out: None,
            failed: 0,
            unknown: 0,
        }
    }

    pub fn add(
        &mut self,
        row: u64,
        input: &Value,
        error: &str,
        unknown: bool,
    ) -> Result<(), Failure> {
        if unknown {
            self.unknown += 1;
        } else {
            self.failed += 1;
        }
        let line = json!({"row": row, "input": input, "error": error, "unknown": unknown});
        let out = match &mut self.out {
            Some(out) => out,
            None => {
                let file = private_files::open(&self.path, Access::Append)?;
                self.out.insert(std::io::BufWriter::new(file))
            }
        };
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| Failure::file("write", &self.path, e))
    }
}
