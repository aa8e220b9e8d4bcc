//! `deals import`: rows of a JSONL or CSV file created, updated or upserted through the
//! library's batch helpers, with a progress bar, a summary, and a rejects file listing every
//! row that failed with its row number, its input and the reason.
//!
//! - A malformed row (bad JSON, text that is not UTF-8, a wrong number of columns, no id where
//!   the mode needs one, more than [`MAX_ROW_BYTES`](records::MAX_ROW_BYTES) bytes) is rejected as it is read; the
//!   rest goes on. A file that cannot be read (a directory, a disk error) ends the import.
//! - HubSpot refuses a whole batch for one bad value (an unknown property: 400) or for its
//!   size (413): the rows of such a batch are sent again one at a time, so only the bad row
//!   is rejected, with its own error. (HubSpot applied nothing of the batch, so this is safe
//!   for creates too.)
//! - `--resume`: a state file beside the input (`FILE.import-state`) says which rows have
//!   their outcome, and, before each batch is handed over, which rows may have been sent.
//!   Updates and upserts go on after the last row with an outcome (sending one again changes
//!   nothing); creates go on after the last row that may have been sent, and the rows in
//!   between are listed in the rejects file as unknown, never sent again. The state names the
//!   file (its size and modification time): it resumes that file only. A dry run writes none.
//! - Before anything is sent, the CSV header's columns must be deal properties of the account
//!   (an unknown one ends the import, exit 2, naming close matches); each row's values must be
//!   ones their properties can hold, else the row is rejected with the reason; a `dealstage`
//!   may be given by its label. (A dry run does not ask HubSpot, so it checks none of this.)
//! - The rejects file holds rows of deal data: it is created readable only by the user.

mod checks;
mod records;
mod rejects;
mod rows;
mod state;

use crate::args::{Format, Global, ImportArgs, Mode};
use crate::failure::Failure;
use crate::{profile, progress, state_file};
use futures_util::{Stream, StreamExt};
use hubspot_deals::batch::{Failure as BatchFailure, Outcome};
use hubspot_deals::types::{BatchUpdateInput, DealUpsert, NewDeal};
use hubspot_deals::{Client, Error};
use rejects::Rejects;
use rows::Reader;
use serde_json::Value;
use state::{Input, State};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// HubSpot's batch size: rows are handed over in chunks of it.
const CHUNK: u64 = hubspot_deals::limits::BATCH_INPUTS as u64;

/// After this many rows in a row fail when sent alone, the others are not sent alone.
const GIVE_UP_ALONE: u32 = 10;

/// One row, ready to send.
#[derive(Debug, Clone)]
struct Row {
    /// 1-based, in file order (the header is not a row).
    number: u64,
    id: Option<String>,
    properties: HashMap<String, String>,
    /// The row as read, for the rejects file.
    input: Value,
}

/// Shared between the row iterator (which the batch helper pulls) and the outcome loop.
struct Ledger {
    /// Rows handed over, oldest first, waiting for their outcome.
    pending: VecDeque<Row>,
    rejects: Rejects,
    state: State,
    file: PathBuf,
    error: Option<Failure>,
}

/// The rows to send, read lazily; malformed ones go to the rejects file as they are read.
struct Rows {
    reader: Reader,
    number: u64,
    skip_to: u64,
    mode: Mode,
    id_property: Option<String>,
    ledger: Arc<Mutex<Ledger>>,
    handed: u64,
    /// Whether to note in the state file how far batches reach (not in a dry run).
    keeps_state: bool,
    /// The account's properties and stages to check rows against (not in a dry run).
    checks: Option<checks::Checks>,
}

impl Rows {
    /// The next well-formed row, rejecting malformed ones on the way.
    fn next_row(&mut self) -> Option<Row> {
        loop {
            let read = match self.reader.next()? {
                Ok(read) => read,
                Err(failure) => {
                    // The file cannot be read: no more rows; the import ends with why.
                    lock(&self.ledger).error.get_or_insert(failure);
                    return None;
                }
            };
            self.number += 1;
            if self.number <= self.skip_to {
                continue;
            }
            let problem = match read {
                Ok((id, properties, input)) => {
                    let id = match (&self.mode, &self.id_property) {
                        (Mode::Upsert, Some(name)) | (Mode::Update, Some(name)) => {
                            properties.get(name).cloned()
                        }
                        _ => id,
                    };
                    // Creates need no id; updates and upserts do.
                    let missing = match self.mode {
                        Mode::Update if id.is_none() => Some(match &self.id_property {
                            Some(name) => format!("no value for {name}, which matches the deal"),
                            None => "no id (an `id` column or field)".to_string(),
                        }),
                        Mode::Upsert if id.is_none() => Some(format!(
                            "no value for {}, which upserts match on",
                            self.id_property.as_deref().unwrap_or("the id property")
                        )),
                        Mode::Create | Mode::Update | Mode::Upsert => None,
                    };
                    let mut properties = properties;
                    let missing =
                        missing.or_else(|| self.checks.as_ref()?.row(&mut properties).err());
                    match missing {
                        None => {
                            return Some(Row {
                                number: self.number,
                                id,
                                properties,
                                input,
                            });
                        }
                        Some(problem) => (problem, input),
                    }
                }
                Err(problem) => problem,
            };
            let mut ledger = lock(&self.ledger);
            if let Err(e) = ledger
                .rejects
                .add(self.number, &problem.1, &problem.0, false)
            {
                ledger.error.get_or_insert(e);
            }
        }
    }
}

impl Iterator for Rows {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        let row = self.next_row()?;
        let mut ledger = lock(&self.ledger);
        if self.keeps_state && self.handed.is_multiple_of(CHUNK) {
            // A new batch starts: before any of it can be sent, note how far it may reach
            // (at most a batch of rows, and the malformed ones among them).
            ledger.state.taken = ledger.state.taken.max(row.number + 2 * CHUNK);
            let file = ledger.file.clone();
            if let Err(e) = ledger.state.save(&file) {
                ledger.error.get_or_insert(e);
            }
        }
        self.handed += 1;
        ledger.pending.push_back(row.clone());
        Some(row)
    }
}

fn lock(ledger: &Arc<Mutex<Ledger>>) -> std::sync::MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|e| e.into_inner())
}

/// What an import does: with which file, format, mode and unique property.
struct Plan {
    file: PathBuf,
    format: Format,
    mode: Mode,
    id_property: Option<String>,
    rejects: PathBuf,
}

impl Plan {
    fn of(args: &ImportArgs) -> Result<Self, Failure> {
        let mode = args.mode.unwrap_or(if args.id_property.is_some() {
            Mode::Upsert
        } else {
            Mode::Create
        });
        if mode == Mode::Upsert && args.id_property.is_none() {
            return Err(Failure::Usage(
                "--mode upsert needs --id-property NAME (a unique-value property)".into(),
            ));
        }
        Ok(Self {
            file: args.file.clone(),
            format: Format::choose(args.format, Some(&args.file)),
            mode,
            id_property: args.id_property.clone(),
            rejects: args
                .rejects
                .clone()
                .unwrap_or_else(|| state_file::beside(&args.file, ".rejects.jsonl")),
        })
    }

    /// The rows of the file from row `skip_to` on, handed over as the batch helper pulls them.
    fn rows(
        &self,
        skip_to: u64,
        ledger: &Arc<Mutex<Ledger>>,
        keeps_state: bool,
    ) -> Result<Rows, Failure> {
        Ok(Rows {
            reader: Reader::open(&self.file, self.format)?,
            number: 0,
            skip_to,
            mode: self.mode,
            id_property: self.id_property.clone(),
            ledger: ledger.clone(),
            handed: 0,
            keeps_state,
            checks: None,
        })
    }
}

/// `deals import`.
pub async fn import(global: &Global, args: ImportArgs) -> Result<ExitCode, Failure> {
    let plan = Plan::of(&args)?;
    let (state, rejects, skip_to) = if args.resume {
        resumed(&plan)?
    } else {
        let _ = std::fs::remove_file(&plan.rejects);
        let state = State {
            mode: Some(plan.mode),
            input: Some(Input::of(&plan.file)?),
            ..State::default()
        };
        (state, Rejects::new(plan.rejects.clone()), 0)
    };
    let ledger = Arc::new(Mutex::new(Ledger {
        pending: VecDeque::new(),
        rejects,
        state,
        file: plan.file.clone(),
        error: None,
    }));
    let rows = plan.rows(skip_to, &ledger, !args.dry_run)?;
    if args.dry_run {
        return dry_run(rows, &ledger, &plan);
    }
    let client = profile::client(global)?;
    let mut rows = rows;
    let checks = checks::Checks::load(&client).await?;
    if let Some(header) = rows.reader.header() {
        checks.header(header)?;
    }
    rows.checks = Some(checks);
    let bar = progress::bar("rows", None);
    let (mut done, mut isolate) = (0u64, Vec::new());
    let verdicts = send(&client, plan.mode, plan.id_property.clone(), rows);
    drain(verdicts, &ledger, &bar, &mut done, &mut isolate).await?;
    done += send_alone(&client, &plan, isolate, &ledger).await?;
    bar.finish_and_clear();
    summary(&plan, &ledger, done)
}

/// An interrupted import's state (the same mode, the same file), and where it goes on. Rows
/// of a create that may have been sent are listed as unknown, never sent again.
fn resumed(plan: &Plan) -> Result<(State, Rejects, u64), Failure> {
    let Some(mut found) = State::load(&plan.file)? else {
        return Err(Failure::Usage(format!(
            "nothing to resume: {} has no import state (the import finished, or never \
             started)",
            plan.file.display()
        )));
    };
    if found.mode != Some(plan.mode) {
        return Err(Failure::Usage(
            "--resume needs the same --mode as the interrupted import".into(),
        ));
    }
    if found.input != Some(Input::of(&plan.file)?) {
        return Err(Failure::Usage(format!(
            "{} is not the file the interrupted import read (its size or modification \
             time changed): a resume would skip rows by number in another file. Import it \
             again without --resume",
            plan.file.display()
        )));
    }
    let mut rejects = Rejects::new(plan.rejects.clone());
    let mut skip_to = found.done;
    if plan.mode == Mode::Create && found.taken > found.done {
        let mut reader = Reader::open(&plan.file, plan.format)?;
        let mut number = 0;
        while let Some(read) = reader.next() {
            let read = read?;
            number += 1;
            if number > found.taken {
                break;
            }
            if number > found.done {
                let input = match read {
                    Ok((_, _, input)) | Err((_, input)) => input,
                };
                rejects.add(number, &input, "the import was interrupted while this row may have been sent: check HubSpot before sending it again", true)?;
            }
        }
        skip_to = found.taken;
    }
    found.done = skip_to;
    Ok((found, rejects, skip_to))
}

/// Reads and checks every row, sends nothing, writes no state.
fn dry_run(rows: Rows, ledger: &Arc<Mutex<Ledger>>, plan: &Plan) -> Result<ExitCode, Failure> {
    let count = rows.count();
    let mut ledger = lock(ledger);
    if let Some(error) = ledger.error.take() {
        return Err(error);
    }
    eprintln!(
        "Dry run: {count} rows would be sent ({:?}); {} malformed rows listed in {}.",
        plan.mode,
        ledger.rejects.failed,
        plan.rejects.display()
    );
    Ok(if ledger.rejects.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Rows of batches refused whole (one bad value, or too large): one at a time, each with its
/// own answer. When row after row fails alone too, the problem is not in the rows (an
/// --id-property HubSpot does not have, say): the rest are rejected with their batch's error,
/// unsent. How many were done.
async fn send_alone(
    client: &Client,
    plan: &Plan,
    isolate: Vec<(Row, String)>,
    ledger: &Arc<Mutex<Ledger>>,
) -> Result<u64, Failure> {
    let (mut done, mut failing_alone) = (0, 0);
    for (row, batch_error) in isolate {
        let outcome = if failing_alone < GIVE_UP_ALONE {
            let mut verdicts = send(
                client,
                plan.mode,
                plan.id_property.clone(),
                std::iter::once(row.clone()),
            );
            match verdicts.next().await {
                Some(Verdict::Done) => Ok(()),
                Some(Verdict::Failed(failure)) => Err(failure.to_string()),
                Some(Verdict::Unknown(why)) => Err(why),
                None => Err("no answer".into()),
            }
        } else {
            Err(format!(
                "{batch_error} (not sent alone: the rows before it all failed alone too)"
            ))
        };
        let mut ledger = lock(ledger);
        match outcome {
            Ok(()) => {
                failing_alone = 0;
                done += 1;
            }
            Err(error) => {
                failing_alone += 1;
                ledger.rejects.add(row.number, &row.input, &error, false)?;
            }
        }
    }
    Ok(done)
}

/// The import's end: the state file goes, the summary is printed, and the exit code says
/// whether rows failed.
fn summary(plan: &Plan, ledger: &Arc<Mutex<Ledger>>, done: u64) -> Result<ExitCode, Failure> {
    let mut ledger = lock(ledger);
    if let Some(error) = ledger.error.take() {
        return Err(error);
    }
    let _ = std::fs::remove_file(State::path(&plan.file));
    let (failed, unknown) = (ledger.rejects.failed, ledger.rejects.unknown);
    eprintln!(
        "Imported {done} rows ({:?}); {failed} failed, {unknown} unknown{}.",
        plan.mode,
        if failed + unknown > 0 {
            format!(" (listed in {})", plan.rejects.display())
        } else {
            String::new()
        }
    );
    Ok(if failed + unknown > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What became of a row.
enum Verdict {
    Done,
    Failed(BatchFailure),
    /// It may have been applied (a create without an answer): why, and what to do.
    Unknown(String),
}

impl<T> From<Outcome<T>> for Verdict {
    fn from(outcome: Outcome<T>) -> Self {
        match outcome {
            Outcome::Done(_) => Self::Done,
            Outcome::Failed(failure) => Self::Failed(failure),
            Outcome::Unknown(error) => Self::Unknown(format!(
                "{error}: the deal may have been created; check HubSpot before sending it again"
            )),
            _ => Self::Unknown("an outcome this version does not know".into()),
        }
    }
}

/// The rows sent in `mode` through the library's batch helper; each row's verdict, in
/// row order.
fn send(
    client: &Client,
    mode: Mode,
    id_property: Option<String>,
    rows: impl Iterator<Item = Row> + Send + Unpin + 'static,
) -> Pin<Box<dyn Stream<Item = Verdict> + Send>> {
    let deals = client.deals();
    match mode {
        Mode::Create => {
            let batch = deals.create_all(rows.map(|row| new_deal(&row)));
            Box::pin(batch.stream().map(|item| Verdict::from(item.outcome)))
        }
        Mode::Update => {
            let batch = deals.update_all(rows.map(move |row| update(&row, id_property.clone())));
            Box::pin(batch.stream().map(|item| Verdict::from(item.outcome)))
        }
        Mode::Upsert => {
            let property = id_property.unwrap_or_default();
            let batch = deals.upsert_all(property, rows.map(|row| upsert(&row)));
            Box::pin(batch.stream().map(|item| Verdict::from(item.outcome)))
        }
    }
}

/// Takes the verdicts in row order: counts, rejects, the state file; rows of batches HubSpot
/// refused whole for a bad value go to `isolate`.
async fn drain(
    mut verdicts: Pin<Box<dyn Stream<Item = Verdict> + Send>>,
    ledger: &Arc<Mutex<Ledger>>,
    bar: &indicatif::ProgressBar,
    done: &mut u64,
    isolate: &mut Vec<(Row, String)>,
) -> Result<(), Failure> {
    while let Some(verdict) = verdicts.next().await {
        let mut ledger = lock(ledger);
        let Some(row) = ledger.pending.pop_front() else {
            break;
        };
        match verdict {
            Verdict::Done => *done += 1,
            Verdict::Failed(BatchFailure::Call(error)) if refused_whole(&error) => {
                isolate.push((row.clone(), error.to_string()));
            }
            Verdict::Failed(BatchFailure::Call(error)) if stops(&error) => {
                return Err(Failure::Auth(format!(
                    "{error}; {}",
                    crate::failure::LOGIN_AGAIN
                )));
            }
            Verdict::Failed(failure) => {
                ledger
                    .rejects
                    .add(row.number, &row.input, &failure.to_string(), false)?;
            }
            Verdict::Unknown(why) => ledger.rejects.add(row.number, &row.input, &why, true)?,
        }
        bar.inc(1);
        ledger.state.done = row.number.max(ledger.state.done);
        if ledger.state.done.is_multiple_of(CHUNK) {
            let file = ledger.file.clone();
            ledger.state.save(&file)?;
        }
        if let Some(error) = ledger.error.take() {
            return Err(error);
        }
    }
    Ok(())
}

/// A batch HubSpot refused whole, because of a value in it (400) or its size (413): it
/// applied none of it.
fn refused_whole(error: &Error) -> bool {
    matches!(error.status(), Some(400 | 413))
}

/// Errors that end the import: credentials, scopes.
fn stops(error: &Error) -> bool {
    error.is_auth() || error.is_missing_scopes()
}

fn new_deal(row: &Row) -> NewDeal {
    NewDeal {
        properties: row.properties.clone(),
        ..Default::default()
    }
}

fn update(row: &Row, id_property: Option<String>) -> BatchUpdateInput {
    BatchUpdateInput {
        id: row.id.clone().unwrap_or_default(),
        id_property,
        properties: row.properties.clone(),
        ..Default::default()
    }
}

fn upsert(row: &Row) -> DealUpsert {
    DealUpsert {
        id: row.id.clone().unwrap_or_default(),
        properties: row.properties.clone(),
        ..Default::default()
    }
}
