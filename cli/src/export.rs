//! `deals export`: every deal, or every deal changed since a time, streamed to a file or to
//! standard output as JSONL or CSV, with memory flat however many deals pass.
//!
//! Writing to a file keeps a checkpoint beside it (`FILE.checkpoint`), replaced atomically
//! after every page: how many bytes of the file are whole, and where the listing stands.
//! `--resume` cuts the file back to those bytes and goes on from there, so no deal is lost or
//! written twice however the last run ended. The data is on disk before a checkpoint names
//! it, and a checkpoint that names more bytes than the file holds is refused.
//!
//! The file is created readable only by the user (0600 on Unix): it holds the account's
//! deals. CSV cells a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a
//! carriage return first, and not a number) get a leading `'` unless `--keep-formulas`.

use crate::failure::Failure;
use crate::{Format, Global, profile, progress, state_file};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use hubspot_deals::paging::ResumePoint;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The columns of a CSV export when no properties are asked for: HubSpot's default ones.
const DEFAULT_COLUMNS: &[&str] = &[
    "dealname",
    "amount",
    "dealstage",
    "pipeline",
    "closedate",
    "createdate",
    "hs_lastmodifieddate",
];

/// Write the checkpoint at most this often (a resume fetches again what came after it).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// What to export, and where.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The properties to export (comma-separated; default HubSpot's default properties).
    #[arg(long, value_delimiter = ',')]
    properties: Vec<String>,
    /// Export archived deals instead.
    #[arg(long, conflicts_with = "since")]
    archived: bool,
    /// Only deals changed since this time (RFC 3339, or a date: 2026-01-31).
    #[arg(long, value_parser = parse_time)]
    since: Option<DateTime<Utc>>,
    /// jsonl or csv (default: the output file's extension, else jsonl).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// The file to write (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Continue an interrupted export into --output from its checkpoint.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Write CSV cells exactly as HubSpot has them, even those a spreadsheet would run as a
    /// formula (by default they get a leading `'`; numbers are left alone).
    #[arg(long)]
    keep_formulas: bool,
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{text:?} is not a time: use 2026-01-31 or 2026-01-31T08:00:00Z"))
}

/// Where an export stands, stored beside its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    format: Format,
    properties: Vec<String>,
    archived: bool,
    since: Option<DateTime<Utc>>,
    /// The bytes of the file that are whole deals.
    bytes: u64,
    /// Deals written.
    rows: u64,
    /// Where the listing goes on (list exports).
    list: Option<ResumePoint>,
    /// The last modification time written, and the deals written with it (changed-since
    /// exports go on from it, skipping those).
    watermark: Option<DateTime<Utc>>,
    at_watermark: BTreeSet<String>,
}

impl Checkpoint {
    fn path(output: &Path) -> PathBuf {
        state_file::beside(output, ".checkpoint")
    }

    fn load(output: &Path) -> Result<Option<Self>, Failure> {
        state_file::load(
            &Self::path(output),
            "an export checkpoint",
            "export again without --resume",
        )
    }

    /// Replaces the checkpoint file at once.
    fn save(&self, output: &Path) -> Result<(), Failure> {
        state_file::save(&Self::path(output), self)
    }
}

/// Deals to a JSONL or CSV writer.
enum Sink {
    Jsonl(Box<dyn Write>),
    Csv {
        out: Box<csv::Writer<Box<dyn Write>>>,
        columns: Vec<String>,
        keep_formulas: bool,
    },
}

/// A CSV cell a spreadsheet would take for a formula gets a leading `'`: HubSpot's values
/// are typed by anyone with access to the portal (CWE-1236). Numbers (`-12.5`) are left alone.
fn defused(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

impl Sink {
    fn write(
        &mut self,
        id: &str,
        deal: &impl Serialize,
        properties: &HashMap<String, Option<String>>,
    ) -> std::io::Result<()> {
        match self {
            Self::Jsonl(out) => {
                serde_json::to_writer(&mut *out, deal)?;
                out.write_all(b"\n")
            }
            Self::Csv {
                out,
                columns,
                keep_formulas,
            } => {
                let mut record = Vec::with_capacity(columns.len() + 1);
                record.push(std::borrow::Cow::Borrowed(id));
                for column in columns.iter() {
                    let value = properties
                        .get(column)
                        .and_then(|v| v.as_deref())
                        .unwrap_or("");
                    record.push(if *keep_formulas {
                        std::borrow::Cow::Borrowed(value)
                    } else {
                        defused(value)
                    });
                }
                out.write_record(record.iter().map(|c| c.as_bytes()))
                    .map_err(std::io::Error::other)
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Jsonl(out) => out.flush(),
            Self::Csv { out, .. } => out.flush(),
        }
    }
}

/// `deals export`.
pub async fn export(global: &Global, args: ExportArgs) -> Result<ExitCode, Failure> {
    let format = Format::choose(args.format, args.output.as_ref());
    let mut properties = args.properties.clone();
    if properties.is_empty() && format == Format::Csv {
        properties = DEFAULT_COLUMNS.iter().map(|s| s.to_string()).collect();
    }
    let fresh = Checkpoint {
        format,
        properties: properties.clone(),
        archived: args.archived,
        since: args.since,
        bytes: 0,
        rows: 0,
        list: None,
        watermark: args.since,
        at_watermark: BTreeSet::new(),
    };
    let mut checkpoint = match (&args.output, args.resume) {
        (Some(output), true) => {
            let Some(found) = Checkpoint::load(output)? else {
                return Err(Failure::Usage(format!(
                    "nothing to resume: {} has no checkpoint (the export finished, or never \
                     started); export again without --resume",
                    output.display()
                )));
            };
            let same = Checkpoint {
                bytes: found.bytes,
                rows: found.rows,
                list: found.list.clone(),
                watermark: found.watermark,
                at_watermark: found.at_watermark.clone(),
                ..fresh.clone()
            };
            if same != found {
                return Err(Failure::Usage(
                    "--resume needs the same --format, --properties, --archived and --since as \
                     the interrupted export"
                        .into(),
                ));
            }
            found
        }
        _ => fresh,
    };
    let client = profile::client(global)?;
    // The file's own handle, to put the data on disk before a checkpoint names it.
    let mut synced = None;
    let out: Box<dyn Write> = match &args.output {
        Some(path) => {
            let mut file = state_file::private_file()
                .create(true)
                .truncate(!args.resume)
                .open(path)
                .map_err(|e| Failure::file("open", path, e))?;
            let length = file
                .metadata()
                .map_err(|e| Failure::file("read", path, e))?
                .len();
            if checkpoint.bytes > length {
                return Err(Failure::Usage(format!(
                    "the checkpoint says {} bytes of {} are whole, but it holds {length}: the \
                     file changed since the interrupted export. Export again without --resume",
                    checkpoint.bytes,
                    path.display()
                )));
            }
            file.set_len(checkpoint.bytes)
                .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
                .map_err(|e| Failure::file("cut back", path, e))?;
            synced = Some(
                file.try_clone()
                    .map_err(|e| Failure::file("open", path, e))?,
            );
            Box::new(BufWriter::with_capacity(256 * 1024, file))
        }
        None => Box::new(BufWriter::with_capacity(
            256 * 1024,
            std::io::stdout().lock(),
        )),
    };
    let mut sink = match format {
        Format::Jsonl => Sink::Jsonl(out),
        Format::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(out);
            if checkpoint.bytes == 0 {
                let mut header = vec!["id".to_string()];
                header.extend(properties.iter().cloned());
                writer.write_record(&header).map_err(Failure::write)?;
            }
            Sink::Csv {
                out: Box::new(writer),
                columns: properties.clone(),
                keep_formulas: args.keep_formulas,
            }
        }
    };
    let mut last_checkpoint = std::time::Instant::now();
    let mut due = move || {
        let now = std::time::Instant::now();
        let due = now.duration_since(last_checkpoint) >= CHECKPOINT_EVERY;
        if due {
            last_checkpoint = now;
        }
        due
    };
    let bar = progress::bar("deals", None);
    bar.set_position(checkpoint.rows);
    let output = args.output.clone();
    let written = |sink: &mut Sink, checkpoint: &mut Checkpoint| -> Result<(), Failure> {
        sink.flush().map_err(Failure::write)?;
        if let (Some(path), Some(file)) = (&output, &synced) {
            file.sync_data()
                .map_err(|e| Failure::file("write", path, e))?;
            checkpoint.bytes = file
                .metadata()
                .map_err(|e| Failure::file("read", path, e))?
                .len();
            checkpoint.save(path)?;
        }
        Ok(())
    };
    match args.since {
        None => {
            let mut list = client
                .deals()
                .list()
                .archived(args.archived)
                .resume(checkpoint.list.clone().unwrap_or_default());
            if !args.properties.is_empty() || format == Format::Csv {
                list = list.properties(properties.clone());
            }
            let mut deals = list.stream();
            while let Some(deal) = deals.next().await {
                let deal = deal?;
                sink.write(&deal.id, &deal, &deal.properties)
                    .map_err(Failure::write)?;
                checkpoint.rows += 1;
                bar.inc(1);
                if due() {
                    checkpoint.list = deals.resume_point();
                    written(&mut sink, &mut checkpoint)?;
                }
            }
        }
        Some(_) => {
            let from = checkpoint.watermark.unwrap_or_default();
            let mut changes = client
                .deals()
                .changed_since(from)
                .overlap(Duration::ZERO)
                .properties(properties.clone())
                .stream();
            while let Some(change) = changes.next().await {
                let change = change?;
                let id = change.deal.id.clone();
                if checkpoint.watermark == Some(change.watermark) {
                    if !checkpoint.at_watermark.insert(id.clone()) {
                        continue; // written before the interruption
                    }
                } else {
                    checkpoint.watermark = Some(change.watermark);
                    checkpoint.at_watermark = BTreeSet::from([id.clone()]);
                }
                sink.write(&id, &change.deal, &change.deal.properties)
                    .map_err(Failure::write)?;
                checkpoint.rows += 1;
                bar.inc(1);
                if due() {
                    written(&mut sink, &mut checkpoint)?;
                }
            }
        }
    }
    sink.flush().map_err(Failure::write)?;
    drop(sink);
    bar.finish_and_clear();
    if let Some(path) = &args.output {
        let _ = std::fs::remove_file(Checkpoint::path(path));
        eprintln!("Exported {} deals to {}.", checkpoint.rows, path.display());
    } else {
        eprintln!("Exported {} deals.", checkpoint.rows);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc_3339_or_dates() {
        assert_eq!(
            parse_time("2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-01-31T08:00:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-01-31T07:00:00+00:00"
        );
        assert!(parse_time("yesterday").unwrap_err().contains("2026-01-31"));
    }

    #[test]
    fn cells_a_spreadsheet_would_run_get_an_apostrophe() {
        for (cell, shown) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1 555 0100", "'+1 555 0100"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("-1500.50", "-1500.50"),
            ("+42", "+42"),
            ("Acme = good", "Acme = good"),
            ("", ""),
        ] {
            assert_eq!(defused(cell), shown, "{cell:?}");
        }
    }

    #[test]
    fn the_checkpoint_sits_beside_the_file() {
        assert_eq!(
            Checkpoint::path(Path::new("out/deals.csv")),
            PathBuf::from("out/deals.csv.checkpoint")
        );
    }
}
