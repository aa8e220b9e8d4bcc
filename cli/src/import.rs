//! `deals import`: rows of a JSONL or CSV file created, updated or upserted through the
//! library's batch helpers, with a progress bar, a summary, and a rejects file listing every
//! row that failed with its row number, its input and the reason.
//!
//! - A malformed row (bad JSON, text that is not UTF-8, a wrong number of columns, no id where
//!   the mode needs one, more than [`MAX_ROW_BYTES`] bytes) is rejected as it is read; the
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
//! - The rejects file holds rows of deal data: it is created readable only by the user.

use crate::failure::Failure;
use crate::records::{MAX_ROW_BYTES, Record, Records};
use crate::{Format, Global, profile, progress, state_file};
use futures_util::{Stream, StreamExt};
use hubspot_deals::batch::{Failure as BatchFailure, Outcome};
use hubspot_deals::types::{BatchUpdateInput, DealUpsert, NewDeal};
use hubspot_deals::{Client, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// HubSpot's batch size: rows are handed over in chunks of it.
const CHUNK: u64 = hubspot_deals::batch::CHUNK as u64;

/// After this many rows in a row fail when sent alone, the others are not sent alone.
const GIVE_UP_ALONE: u32 = 10;

/// What to import, and how.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file of deals: JSONL (one object per line, either flat properties or
    /// `{"id": ..., "properties": {...}}`) or CSV (a header row of property names; an `id`
    /// column for updates).
    file: PathBuf,
    /// jsonl or csv (default: the file's extension, else jsonl).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// create, update or upsert (default: upsert with --id-property, else create).
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// The unique property rows are matched by (upsert: required; update: instead of `id`).
    #[arg(long)]
    id_property: Option<String>,
    /// Read and check every row, send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Continue an interrupted import of the same file.
    #[arg(long)]
    resume: bool,
    /// Where rejected rows go (default: FILE.rejects.jsonl).
    #[arg(long)]
    rejects: Option<PathBuf>,
}

/// How rows change HubSpot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// New deals (a row sent twice makes two deals).
    Create,
    /// Existing deals, by id or by --id-property.
    Update,
    /// Created or updated by the unique --id-property (safe to send again).
    Upsert,
}

/// A row as read: its id (if any), its properties and the input as it was; or why it is
/// malformed, with the input.
type Read = Result<(Option<String>, HashMap<String, String>, Value), (String, Value)>;

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

/// Reads rows one at a time.
struct Reader {
    records: Records<BufReader<File>>,
    path: PathBuf,
    /// CSV: the header row's names.
    header: Option<Vec<String>>,
}

impl Reader {
    fn open(path: &Path, format: Format) -> Result<Self, Failure> {
        let file = File::open(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
        let mut records = Records::new(BufReader::new(file), format == Format::Csv);
        let header = match format {
            Format::Jsonl => None,
            Format::Csv => {
                let no_header = |why: String| {
                    Failure::Usage(format!("{}: no CSV header row: {why}", path.display()))
                };
                let names = match records.next_record() {
                    None => return Err(no_header("the file is empty".into())),
                    Some(Err(e)) => return Err(Failure::file("read", path, e)),
                    Some(Ok(Record::TooLong { bytes, .. })) => {
                        return Err(no_header(format!("its first record is {bytes} bytes")));
                    }
                    Some(Ok(Record::Whole(bytes))) => {
                        csv_fields(&bytes).map_err(|e| no_header(e.to_string()))?
                    }
                };
                Some(names.iter().map(str::to_string).collect())
            }
        };
        Ok(Self {
            records,
            path: path.to_path_buf(),
            header,
        })
    }

    /// The next row: its properties (with `id`, if any, apart), or why it is malformed; an
    /// error when the file cannot be read.
    fn next(&mut self) -> Option<Result<Read, Failure>> {
        loop {
            let record = match self.records.next_record()? {
                Ok(record) => record,
                Err(e) => return Some(Err(Failure::file("read", &self.path, e))),
            };
            let bytes = match record {
                Record::Whole(bytes) => bytes,
                Record::TooLong { bytes, start } => {
                    let shown = format!("{}…", String::from_utf8_lossy(&start));
                    return Some(Ok(Err((
                        format!(
                            "a row of {bytes} bytes, over the {} MiB a row may have",
                            MAX_ROW_BYTES / (1024 * 1024)
                        ),
                        Value::String(shown),
                    ))));
                }
            };
            let Some(header) = &self.header else {
                return Some(Ok(json_row(bytes)));
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue; // a blank line between CSV records is not a row
            }
            return Some(Ok(csv_row(&bytes, header)));
        }
    }
}

/// A JSONL line as a row.
fn json_row(bytes: Vec<u8>) -> Read {
    let line = match String::from_utf8(bytes) {
        Ok(line) => line,
        Err(e) => {
            let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
            return Err(("not UTF-8 text".into(), Value::String(shown)));
        }
    };
    if line.trim().is_empty() {
        return Err(("an empty line".into(), Value::String(line)));
    }
    parse_json(&line)
}

/// The fields of one CSV record.
fn csv_fields(bytes: &[u8]) -> Result<csv::StringRecord, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    reader.read_record(&mut record)?;
    Ok(record)
}

/// A CSV record as a row of `header`'s properties.
fn csv_row(bytes: &[u8], header: &[String]) -> Read {
    let record = match csv_fields(bytes) {
        Ok(record) => record,
        Err(e) => {
            let shown = Value::String(String::from_utf8_lossy(bytes).into_owned());
            let why = match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
                _ => format!("unreadable CSV: {e}"),
            };
            return Err((why, shown));
        }
    };
    let input = Value::Array(record.iter().map(|f| Value::String(f.into())).collect());
    if record.len() != header.len() {
        return Err((
            format!(
                "{} columns where the header has {}",
                record.len(),
                header.len()
            ),
            input,
        ));
    }
    let mut id = None;
    let mut properties = HashMap::new();
    for (name, value) in header.iter().zip(record.iter()) {
        if name == "id" {
            id = Some(value.to_string()).filter(|v| !v.is_empty());
        } else if !value.is_empty() {
            properties.insert(name.clone(), value.to_string());
        }
    }
    Ok((id, properties, input))
}

/// A JSONL row: `{"id": ..., "properties": {...}}` or a flat object of properties.
fn parse_json(line: &str) -> Read {
    let value: Value = serde_json::from_str(line)
        .map_err(|e| (format!("not JSON: {e}"), Value::String(line.to_string())))?;
    let Value::Object(object) = &value else {
        return Err(("not a JSON object".into(), value));
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    let id = object.get("id").and_then(text);
    let fields = match object.get("properties") {
        Some(Value::Object(properties)) => properties,
        Some(_) => return Err(("\"properties\" is not an object".into(), value.clone())),
        None => object,
    };
    let properties = fields
        .iter()
        .filter(|(name, _)| name.as_str() != "id" || object.contains_key("properties"))
        .filter_map(|(name, v)| text(v).map(|t| (name.clone(), t)))
        .collect();
    Ok((id, properties, value.clone()))
}

/// Where an import stands, beside its file.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    mode: Option<Mode>,
    /// Every row up to this one has its outcome.
    done: u64,
    /// No row after this one was handed to the batch helper.
    taken: u64,
    /// The file it imports: a resume of any other is refused.
    input: Option<Input>,
}

/// Which file an import state belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Input {
    bytes: u64,
    /// Modified, in nanoseconds since the epoch (when the platform says).
    modified: Option<u128>,
}

impl Input {
    fn of(file: &Path) -> Result<Self, Failure> {
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
    fn path(file: &Path) -> PathBuf {
        state_file::beside(file, ".import-state")
    }

    fn load(file: &Path) -> Result<Option<Self>, Failure> {
        state_file::load(
            &Self::path(file),
            "an import state",
            "import again without --resume",
        )
    }

    fn save(&self, file: &Path) -> Result<(), Failure> {
        state_file::save(&Self::path(file), self)
    }
}

/// The rejects file, and the counts for the summary.
struct Rejects {
    path: PathBuf,
    out: Option<std::io::BufWriter<File>>,
    failed: u64,
    unknown: u64,
}

impl Rejects {
    fn add(&mut self, row: u64, input: &Value, error: &str, unknown: bool) -> Result<(), Failure> {
        if unknown {
            self.unknown += 1;
        } else {
            self.failed += 1;
        }
        let line = json!({"row": row, "input": input, "error": error, "unknown": unknown});
        let out = match &mut self.out {
            Some(out) => out,
            None => {
                let file = state_file::private_file()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .map_err(|e| Failure::file("write", &self.path, e))?;
                self.out.insert(std::io::BufWriter::new(file))
            }
        };
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| Failure::file("write", &self.path, e))
    }
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

/// `deals import`.
pub async fn import(global: &Global, args: ImportArgs) -> Result<ExitCode, Failure> {
    let format = Format::choose(args.format, Some(&args.file));
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
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| state_file::beside(&args.file, ".rejects.jsonl"));
    let mut state = State {
        mode: Some(mode),
        input: Some(Input::of(&args.file)?),
        ..State::default()
    };
    let mut rejects = Rejects {
        path: rejects_path.clone(),
        out: None,
        failed: 0,
        unknown: 0,
    };
    let mut skip_to = 0;
    if args.resume {
        let Some(found) = State::load(&args.file)? else {
            return Err(Failure::Usage(format!(
                "nothing to resume: {} has no import state (the import finished, or never \
                 started)",
                args.file.display()
            )));
        };
        if found.mode != Some(mode) {
            return Err(Failure::Usage(
                "--resume needs the same --mode as the interrupted import".into(),
            ));
        }
        if found.input != state.input {
            return Err(Failure::Usage(format!(
                "{} is not the file the interrupted import read (its size or modification \
                 time changed): a resume would skip rows by number in another file. Import it \
                 again without --resume",
                args.file.display()
            )));
        }
        skip_to = found.done;
        if mode == Mode::Create && found.taken > found.done {
            // Rows that may have been sent: listed, never sent again.
            let mut reader = Reader::open(&args.file, format)?;
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
        state = found;
        state.done = skip_to;
    } else {
        let _ = std::fs::remove_file(&rejects_path);
    }
    let ledger = Arc::new(Mutex::new(Ledger {
        pending: VecDeque::new(),
        rejects,
        state,
        file: args.file.clone(),
        error: None,
    }));
    let rows = Rows {
        reader: Reader::open(&args.file, format)?,
        number: 0,
        skip_to,
        mode,
        id_property: args.id_property.clone(),
        ledger: ledger.clone(),
        handed: 0,
        keeps_state: !args.dry_run,
    };
    if args.dry_run {
        let count = rows.count();
        let mut ledger = lock(&ledger);
        if let Some(error) = ledger.error.take() {
            return Err(error);
        }
        eprintln!(
            "Dry run: {count} rows would be sent ({mode:?}); {} malformed rows listed in {}.",
            ledger.rejects.failed,
            rejects_path.display()
        );
        return Ok(if ledger.rejects.failed > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let client = profile::client(global)?;
    let bar = progress::bar("rows", None);
    let (mut done, mut isolate) = (0u64, Vec::new());
    let verdicts = send(&client, mode, args.id_property.clone(), rows);
    drain(verdicts, &ledger, &bar, &mut done, &mut isolate).await?;
    // Rows of batches refused whole (one bad value): one at a time, each with its own answer.
    // When row after row fails alone too, the problem is not in the rows (an --id-property
    // HubSpot does not have, say): the rest are rejected with their batch's error, unsent.
    let mut failing_alone = 0;
    for (row, batch_error) in isolate {
        let outcome = if failing_alone < GIVE_UP_ALONE {
            let mut verdicts = send(
                &client,
                mode,
                args.id_property.clone(),
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
        let mut ledger = lock(&ledger);
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
    bar.finish_and_clear();
    let mut ledger = lock(&ledger);
    if let Some(error) = ledger.error.take() {
        return Err(error);
    }
    let _ = std::fs::remove_file(State::path(&args.file));
    let (failed, unknown) = (ledger.rejects.failed, ledger.rejects.unknown);
    eprintln!(
        "Imported {done} rows ({mode:?}); {failed} failed, {unknown} unknown{}.",
        if failed + unknown > 0 {
            format!(" (listed in {})", rejects_path.display())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rows_flat_or_with_properties() {
        let (id, properties, _) =
            parse_json(r#"{"id": "7", "properties": {"dealname": "A", "amount": 5}}"#).unwrap();
        assert_eq!(id.as_deref(), Some("7"));
        assert_eq!(properties["amount"], "5");
        let (id, properties, _) = parse_json(r#"{"dealname": "B", "id": 9}"#).unwrap();
        assert_eq!(id.as_deref(), Some("9"));
        assert!(!properties.contains_key("id"));
        assert!(
            parse_json("[1]")
                .unwrap_err()
                .0
                .contains("not a JSON object")
        );
        assert!(parse_json("{").unwrap_err().0.starts_with("not JSON"));
    }
}
