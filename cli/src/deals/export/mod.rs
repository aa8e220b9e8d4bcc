//! `deals export`: every deal (a listing), the deals matching `--filter`s (a search past the
//! 10,000-result cap), or those changed `--since` a time (within the filters, if any),
//! streamed to a file or to standard output as JSONL or CSV, with memory flat however many
//! deals pass.
//!
//! Writing to a file keeps a checkpoint beside it (`FILE.checkpoint`), replaced atomically
//! at most every 250 ms: how many bytes of the file are whole, and where the listing stands
//! (the library's resume point). `--resume` cuts the file back to those bytes and goes on
//! from there, so no deal is lost or written twice however the last run ended. The data is
//! on disk before a checkpoint names it, and a checkpoint that names more bytes than the
//! file holds is refused.
//!
//! `--stage-labels` adds `dealstage_label` and `pipeline_label` to every deal (and to the
//! CSV's columns), read from the pipelines API once and again when a stage id is new.
//!
//! `--properties all` asks for every property the account defines (read from the
//! properties API; the library reads them without a 414 however many there are; a resume
//! keeps the first run's list). `--associations contacts,companies` adds each deal's
//! associated objects, read with associations v4's batch read for 1,000 deals at a time
//! (one call per type per 1,000 deals): deals are written, and the checkpoint moved, a
//! thousand at a time.
//!
//! The file is created readable only by the user (0600 on Unix): it holds the account's
//! deals. CSV cells a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a
//! carriage return first, and not a number) get a leading `'` unless `--keep-formulas`.

mod checkpoint;
mod sink;

use crate::args::{ExportArgs, Format, Global};
use crate::failure::Failure;
use crate::private_files::{self, Access};
use crate::{profile, progress};
use checkpoint::{Asked, Checkpoint, Position};
use futures_util::StreamExt;
use hubspot_deals::Client;
use hubspot_deals::limits::ASSOCIATIONS_BATCH_READ_INPUTS;
use hubspot_deals::paging::DealStream;
use hubspot_deals::search::{Changed, SearchStream};
use hubspot_deals::stages::Stages;
use hubspot_deals::types::{Deal, DealWithAssociations, FilterGroup, SearchRequest};
use sink::Sink;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

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

/// The deals to export, as the library streams them.
enum Listing {
    List(DealStream),
    Search(SearchStream<Deal>),
    Changes(SearchStream<Changed>),
}

/// One deal of a listing.
enum Exported {
    Listed(DealWithAssociations),
    Found(Deal),
}

impl Listing {
    /// The listing `asked` for, from `position` (its start when `None`).
    fn of(client: &Client, asked: &Asked, position: Option<Position>) -> Self {
        let deals = client.deals();
        let groups = if asked.filters.is_empty() {
            Vec::new()
        } else {
            vec![FilterGroup {
                filters: asked.filters.clone(),
            }]
        };
        let next = |position| match position {
            Some(Position::Search { next }) => Some(next),
            _ => None,
        };
        match (asked.since, groups.is_empty()) {
            (None, true) => {
                let mut list = deals.list().archived(asked.archived);
                if let Some(Position::List { next: Some(point) }) = position {
                    list = list.resume(point);
                }
                if !asked.properties.is_empty() {
                    list = list.properties(asked.properties.clone());
                }
                Self::List(list.stream())
            }
            (None, false) => {
                let request = SearchRequest {
                    filter_groups: groups,
                    properties: asked.properties.clone(),
                    ..Default::default()
                };
                let mut search = deals.search_all(request);
                if let Some(point) = next(position) {
                    search = search.resume(point);
                }
                Self::Search(search.stream())
            }
            (Some(since), _) => {
                // An explicit time: no overlap for the search index's lag.
                let mut changes = deals
                    .changed_since(since)
                    .overlap(Duration::ZERO)
                    .filter_groups(groups)
                    .properties(asked.properties.clone());
                if let Some(point) = next(position) {
                    changes = changes.resume(point);
                }
                Self::Changes(changes.stream())
            }
        }
    }

    async fn next(&mut self) -> Option<Result<Exported, hubspot_deals::Error>> {
        Some(match self {
            Self::List(deals) => deals.next().await?.map(Exported::Listed),
            Self::Search(deals) => deals.next().await?.map(Exported::Found),
            Self::Changes(changes) => changes.next().await?.map(|c| Exported::Found(c.deal)),
        })
    }

    /// How many deals it had left to give when it started, once HubSpot said (a search's
    /// `total`; a listing has none).
    fn total(&self) -> Option<u64> {
        match self {
            Self::List(_) => None,
            Self::Search(deals) => deals.total(),
            Self::Changes(changes) => changes.total(),
        }
    }

    /// Where the listing stands after the deals taken so far.
    fn position(&self) -> Position {
        match self {
            Self::List(deals) => Position::List {
                next: deals.resume_point(),
            },
            Self::Search(deals) => Position::Search {
                next: deals.resume_point(),
            },
            Self::Changes(changes) => Position::Search {
                next: changes.resume_point(),
            },
        }
    }
}

/// `deals export`.
pub async fn export(global: &Global, args: ExportArgs) -> Result<ExitCode, Failure> {
    let format = Format::choose(args.format, args.output.as_ref());
    let client = profile::client(global)?;
    let all = args
        .properties
        .iter()
        .any(|p| p.eq_ignore_ascii_case("all"));
    if all && args.properties.len() > 1 {
        return Err(Failure::Usage(
            "--properties all asks for every property: name no others beside it".into(),
        ));
    }
    // Each object type once, none blank (a blank one would be a path HubSpot does not have).
    let mut associations: Vec<String> = Vec::new();
    for kind in &args.associations {
        let kind = kind.trim();
        if kind.is_empty() {
            return Err(Failure::Usage(
                "--associations takes object types separated by commas (contacts,companies); one was empty".into(),
            ));
        }
        if !associations.iter().any(|k| k == kind) {
            associations.push(kind.to_string());
        }
    }
    let mut properties = args.properties.clone();
    if all {
        properties = match (&args.output, args.resume) {
            // The columns the interrupted run wrote.
            (Some(output), true) => match Checkpoint::load(output)? {
                Some(found) => found.asked.properties,
                None => Vec::new(),
            },
            _ => every_property(&client).await?,
        };
    }
    if properties.is_empty() && format == Format::Csv {
        properties = DEFAULT_COLUMNS.iter().map(|s| s.to_string()).collect();
    }
    if args.stage_labels && !properties.is_empty() {
        for needed in ["dealstage", "pipeline"] {
            if !properties.iter().any(|p| p == needed) {
                properties.push(needed.into());
            }
        }
    }
    let asked = Asked {
        format,
        properties,
        archived: args.archived,
        since: args.since,
        filters: args.filters.clone(),
        stage_labels: args.stage_labels,
        associations,
    };
    let mut checkpoint = match (&args.output, args.resume) {
        (Some(output), true) => resumed(output, &asked)?,
        _ => Checkpoint {
            asked: asked.clone(),
            bytes: 0,
            rows: 0,
            position: None,
        },
    };
    let (out, file) = match &args.output {
        Some(path) => {
            let (out, file) = output_file(path, args.resume, checkpoint.bytes)?;
            (out, Some(file))
        }
        None => (
            Box::new(BufWriter::with_capacity(
                256 * 1024,
                std::io::stdout().lock(),
            )) as Box<dyn Write>,
            None,
        ),
    };
    let header = checkpoint.bytes == 0;
    let mut columns = asked.properties.clone();
    let mut stages = None;
    if asked.stage_labels {
        columns.extend(LABEL_COLUMNS.map(String::from));
        stages = Some(Stages::load(&client).await?);
    }
    columns.extend(asked.associations.iter().map(|t| format!("associated_{t}")));
    let mut sink =
        Sink::new(out, format, &columns, args.keep_formulas, header).map_err(Failure::write)?;
    let mut listing = Listing::of(&client, &asked, checkpoint.position.take());
    let bar = progress::bar("deals", None);
    bar.set_position(checkpoint.rows);
    let (rows_before, mut total_shown) = (checkpoint.rows, false);
    let mut last_checkpoint = Instant::now();
    // With associations, deals are written a batch read's worth at a time.
    let batch = if asked.associations.is_empty() {
        1
    } else {
        ASSOCIATIONS_BATCH_READ_INPUTS
    };
    let mut pending = Vec::with_capacity(batch);
    loop {
        let next = listing.next().await;
        let done = next.is_none();
        if let Some(deal) = next {
            pending.push(deal?);
        }
        if pending.len() >= batch || (done && !pending.is_empty()) {
            let rows = std::mem::take(&mut pending);
            let written_now = rows.len() as u64;
            write_rows(&client, &asked, &mut stages, &mut sink, rows).await?;
            checkpoint.rows += written_now;
            bar.inc(written_now);
            if let (false, Some(total)) = (total_shown, listing.total()) {
                progress::set_total(&bar, "deals", rows_before + total);
                total_shown = true;
            }
            if let (Some(path), Some(file)) = (&args.output, &file)
                && last_checkpoint.elapsed() >= CHECKPOINT_EVERY
            {
                last_checkpoint = Instant::now();
                checkpoint.position = Some(listing.position());
                written(&mut sink, file, path, &mut checkpoint)?;
            }
        }
        if done {
            break;
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

impl Exported {
    fn id(&self) -> &str {
        match self {
            Self::Listed(deal) => &deal.id,
            Self::Found(deal) => &deal.id,
        }
    }

    fn properties_mut(&mut self) -> &mut HashMap<String, Option<String>> {
        match self {
            Self::Listed(deal) => &mut deal.properties,
            Self::Found(deal) => &mut deal.properties,
        }
    }

    /// Writes it as it is (the fast path: no JSON value in between).
    fn write(&self, sink: &mut Sink) -> std::io::Result<()> {
        match self {
            Self::Listed(deal) => sink.write(&deal.id, deal, &deal.properties),
            Self::Found(deal) => sink.write(&deal.id, deal, &deal.properties),
        }
    }

    /// It as JSON, with `associations` replaced by the ones read for it.
    fn with_associations(
        &self,
        associations: serde_json::Value,
    ) -> std::io::Result<serde_json::Value> {
        let mut json = match self {
            Self::Listed(deal) => serde_json::to_value(deal)?,
            Self::Found(deal) => serde_json::to_value(deal)?,
        };
        json["associations"] = associations;
        Ok(json)
    }
}

/// Writes `deals`, with their stage labels and associations when asked.
async fn write_rows(
    client: &Client,
    asked: &Asked,
    stages: &mut Option<Stages>,
    sink: &mut Sink,
    deals: Vec<Exported>,
) -> Result<(), Failure> {
    // Per deal: `associations` for JSONL, and the `associated_TYPE` cells for CSV.
    let mut associations = vec![serde_json::Map::new(); deals.len()];
    let mut cells = vec![Vec::new(); deals.len()];
    for kind in &asked.associations {
        let ids = deals.iter().map(|deal| deal.id().to_string());
        let found = hubspot_deals::associations::read_many(client, kind, ids).await?;
        for ((deal, listed), cells) in deals.iter().zip(&mut associations).zip(&mut cells) {
            let associated = found.get(deal.id()).map(Vec::as_slice).unwrap_or_default();
            let ids: Vec<&str> = associated.iter().map(|a| a.to_object_id.as_str()).collect();
            cells.push((format!("associated_{kind}"), Some(ids.join(";"))));
            let objects: Vec<serde_json::Value> = associated
                .iter()
                .map(|a| {
                    let labels: Vec<&str> = a
                        .association_types
                        .iter()
                        .filter_map(|t| t.label.as_deref())
                        .collect();
                    serde_json::json!({"id": a.to_object_id.as_str(), "labels": labels})
                })
                .collect();
            listed.insert(kind.clone(), objects.into());
        }
    }
    for ((mut deal, listed), cells) in deals.into_iter().zip(associations).zip(cells) {
        labelled(stages, deal.properties_mut()).await?;
        if asked.associations.is_empty() {
            deal.write(sink)
        } else {
            let json = deal
                .with_associations(listed.into())
                .map_err(Failure::write)?;
            let mut columns = deal.properties_mut().clone();
            columns.extend(cells);
            sink.write(deal.id(), &json, &columns)
        }
        .map_err(Failure::write)?;
    }
    Ok(())
}

/// The name of every deal property the account defines.
async fn every_property(client: &Client) -> Result<Vec<String>, Failure> {
    let all = client
        .properties()
        .list_properties()
        .send()
        .await?
        .into_inner();
    let mut names: Vec<String> = all.results.into_iter().map(|p| p.name).collect();
    names.sort();
    Ok(names)
}

/// The columns `--stage-labels` adds.
const LABEL_COLUMNS: [&str; 2] = ["dealstage_label", "pipeline_label"];

/// Adds the stage's and pipeline's labels to a deal's properties, when asked (`stages`); a
/// stage id the pipelines do not have (even after loading them again) gets no label.
async fn labelled(
    stages: &mut Option<Stages>,
    properties: &mut HashMap<String, Option<String>>,
) -> Result<(), Failure> {
    let Some(stages) = stages else {
        return Ok(());
    };
    let id = |name: &str| properties.get(name).cloned().flatten();
    let (stage_id, pipeline_id) = (id("dealstage"), id("pipeline"));
    let mut labels = (None, None);
    if let Some(stage_id) = stage_id {
        let in_pipeline = pipeline_id
            .as_deref()
            .and_then(|p| stages.get_in(p, &stage_id))
            .cloned();
        let stage = match in_pipeline {
            Some(stage) => Some(stage),
            None => stages.resolve(&stage_id).await?.cloned(),
        };
        if let Some(stage) = stage {
            labels = (Some(stage.label), Some(stage.pipeline_label));
        }
    }
    properties.insert(LABEL_COLUMNS[0].into(), labels.0);
    properties.insert(LABEL_COLUMNS[1].into(), labels.1);
    Ok(())
}

/// The checkpoint of an interrupted export into `output`, which must have asked the same.
fn resumed(output: &Path, asked: &Asked) -> Result<Checkpoint, Failure> {
    let Some(found) = Checkpoint::load(output)? else {
        return Err(Failure::Usage(format!(
            "nothing to resume: {} has no checkpoint (the export finished, or never \
             started); export again without --resume",
            output.display()
        )));
    };
    if found.asked != *asked {
        return Err(Failure::Usage(
            "--resume needs the same --format, --properties, --archived, --since, --filter, \
             --stage-labels and --associations as the interrupted export"
                .into(),
        ));
    }
    Ok(found)
}

/// The output file, the user's alone (made here, or an existing one checked:
/// [`private_files`]), cut back to the `whole` bytes a
/// checkpoint names (or emptied); a writer to it, and its handle for syncing.
fn output_file(path: &Path, resume: bool, whole: u64) -> Result<(Box<dyn Write>, File), Failure> {
    let access = if resume {
        Access::Keep
    } else {
        Access::Replace
    };
    let mut file = private_files::open(path, access)?;
    let length = file
        .metadata()
        .map_err(|e| Failure::file("read", path, e))?
        .len();
    if whole > length {
        return Err(Failure::Usage(format!(
            "the checkpoint says {whole} bytes of {} are whole, but it holds {length}: the file \
             changed since the interrupted export. Export again without --resume",
            path.display()
        )));
    }
    file.set_len(whole)
        .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
        .map_err(|e| Failure::file("cut back", path, e))?;
    let synced = file
        .try_clone()
        .map_err(|e| Failure::file("open", path, e))?;
    Ok((Box::new(BufWriter::with_capacity(256 * 1024, file)), synced))
}

/// The deals written so far put on disk, then the checkpoint that names them.
fn written(
    sink: &mut Sink,
    file: &File,
    path: &Path,
    checkpoint: &mut Checkpoint,
) -> Result<(), Failure> {
    sink.flush().map_err(Failure::write)?;
    file.sync_data()
        .map_err(|e| Failure::file("write", path, e))?;
    checkpoint.bytes = file
        .metadata()
        .map_err(|e| Failure::file("read", path, e))?
        .len();
    checkpoint.save(path)
}
