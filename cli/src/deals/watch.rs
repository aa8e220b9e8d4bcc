//! `deals watch`: deal changes as JSON lines as they happen. From the webhooks journal when
//! the profile has app credentials beside it (`auth login --client-credentials`): the
//! subscriptions it needs are made when missing, each journal entry's changes printed in
//! order, an expired offset bridged through the CRM (`journal::bridge_gap`) and said so.
//! Otherwise by polling the deals changed since the last pass (`changed_since`, with its
//! overlap; a deal given again at the same modification time is not printed twice).
//!
//! With `--state FILE`, the position (journal offset, or watermark) is replaced atomically
//! after each printed entry or deal, so a restart goes on from there: nothing lost; a kill
//! between printing and saving prints that one entry again. `FILE.lock` is held while the
//! watch runs: a second watch on the same state file is refused.

use crate::args::{Global, WatchArgs};
use crate::failure::Failure;
use crate::private_files::{self, Access};
use crate::{profile, state_file};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use hubspot_deals::journal::{self, ChangeKind, DealChange, Feed, Start};
use hubspot_deals::{Client, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The object types whose associations a watch follows.
const ASSOCIATED: [&str; 2] = ["contacts", "companies"];

/// Where a watch stands.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Position {
    /// The journal offset of the last entry printed.
    offset: Option<String>,
    /// The watch began: without an offset, it goes on from the journal's earliest entry
    /// (the journal was empty when it began, or a gap was bridged).
    #[serde(default)]
    began: bool,
    /// When the last change printed happened (where a gap bridge starts).
    last_change_at: Option<DateTime<Utc>>,
    /// Polling: the watermark to poll from.
    watermark: Option<DateTime<Utc>>,
    /// Polling: deals printed within the overlap, with the modification time printed.
    recent: BTreeMap<String, DateTime<Utc>>,
}

/// The position and the file it is kept in.
struct Kept {
    position: Position,
    file: Option<PathBuf>,
    /// `FILE.lock` (beside the state file's canonical path), locked while this watch runs.
    _lock: Option<std::fs::File>,
}

/// Locks the lock of state file `path`: one watch per state file (two would both print
/// every change, and each overwrite the other's position).
fn lock(path: &Path) -> Result<std::fs::File, Failure> {
    let lock_path = state_file::beside(&private_files::canonical(path)?, ".lock");
    let lock = private_files::open(&lock_path, Access::Keep)?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(Failure::Usage(format!(
            "another `deals watch` is using the state file {}: stop it first, or give this \
             one a --state file of its own",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Failure::file("lock", &lock_path, e)),
    }
}

impl Kept {
    fn load(file: Option<PathBuf>) -> Result<Self, Failure> {
        let lock = file.as_deref().map(lock).transpose()?;
        let position = match &file {
            Some(path) => state_file::load(
                path,
                "a state file `deals watch` wrote",
                "give another --state file, or delete it to start from now",
            )?
            .unwrap_or_default(),
            None => Position::default(),
        };
        Ok(Self {
            position,
            file,
            _lock: lock,
        })
    }

    fn save(&self) -> Result<(), Failure> {
        match &self.file {
            Some(path) => state_file::save(path, &self.position),
            None => Ok(()),
        }
    }
}

/// Prints one line and flushes it (a reader of a pipe sees each as it comes).
fn print(line: &Value) -> Result<(), Failure> {
    let line = crate::terminal::json_line(line)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").map_err(Failure::write)?;
    out.flush().map_err(Failure::write)
}

/// The line of one journal change.
fn change_line(change: &DealChange, offset: &str) -> Value {
    let mut line = json!({
        "dealId": change.deal_id.map(|id| id.to_string()),
        "at": change.occurred_at,
        "offset": offset,
    });
    let (kind, details) = match &change.kind {
        ChangeKind::Created { properties } => ("created", json!({ "properties": properties })),
        ChangeKind::PropertyChanged { name, old, new } => (
            "property_changed",
            json!({"property": name, "old": old, "new": new}),
        ),
        ChangeKind::Deleted => ("deleted", json!({})),
        ChangeKind::Restored => ("restored", json!({})),
        ChangeKind::Merged { merged, .. } => ("merged", json!({ "merged": merged })),
        ChangeKind::AssociationAdded(a) | ChangeKind::AssociationRemoved(a) => (
            if matches!(change.kind, ChangeKind::AssociationAdded(_)) {
                "association_added"
            } else {
                "association_removed"
            },
            json!({"objectTypeId": a.object_type_id, "objectId": a.object_id,
                   "category": a.category, "typeId": a.type_id}),
        ),
        ChangeKind::Snapshot { properties } => ("snapshot", json!({ "properties": properties })),
        ChangeKind::Other { action, event } => ("other", json!({"action": action, "event": event})),
        _ => ("other", json!({})),
    };
    line["kind"] = json!(kind);
    if let (Some(line), Some(details)) = (line.as_object_mut(), details.as_object()) {
        line.extend(details.clone());
    }
    line
}

/// The line of a deal as a read gives it (polling, or a gap bridge).
fn deal_line(deal: &hubspot_deals::types::Deal, kind: &str) -> Value {
    json!({"dealId": deal.id, "kind": kind, "at": deal.updated_at, "properties": deal.properties})
}

/// `deals watch`.
pub async fn watch(global: &Global, args: WatchArgs) -> Result<ExitCode, Failure> {
    let mut kept = Kept::load(args.state.clone())?;
    match profile::app_client(global)? {
        Some((app, portal)) => journal_watch(global, &args, &mut kept, app, portal).await,
        None => poll_watch(&profile::client(global)?, &args, &mut kept).await,
    }
}

async fn journal_watch(
    global: &Global,
    args: &WatchArgs,
    kept: &mut Kept,
    app: Client,
    portal: i64,
) -> Result<ExitCode, Failure> {
    let local = i32::try_from(portal)
        .map_err(|_| Failure::Usage(format!("portal id {portal} is out of the journal's range")))?;
    let properties: Vec<&str> = args.properties.iter().map(String::as_str).collect();
    journal::subscribe_deals(&app, portal, &properties).await?;
    let start = match (&args.from_offset, &kept.position.offset) {
        (Some(offset), _) | (None, Some(offset)) => Start::After(offset.clone()),
        (None, None) if kept.position.began => Start::Earliest,
        (None, None) => Start::Latest,
    };
    let mut feed = Feed::new(&app, start).local(local);
    let start = feed.fix_start().await?.clone();
    if let Some(since) = args.since.filter(|_| kept.position.offset.is_none()) {
        // The deals changed since then, read after the journal's position was taken: the
        // journal gives whatever comes later.
        let crm = profile::client(global)?;
        let mut changed = crm
            .deals()
            .changed_since(since)
            .properties(args.properties.clone())
            .stream();
        while let Some(change) = changed.next().await {
            print(&deal_line(&change?.deal, "changed"))?;
        }
    }
    if let Start::After(offset) = &start {
        kept.position.offset = Some(offset.clone());
    }
    kept.position.began = true;
    kept.save()?;
    loop {
        let entries = match feed.poll().await {
            Ok(entries) => entries,
            Err(Error::JournalOffsetExpired { offset }) => {
                feed = bridge(global, args, kept, &app, &offset)
                    .await?
                    .local(local);
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if entries.is_empty() {
            if args.once {
                return Ok(ExitCode::SUCCESS);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        for entry in entries {
            for change in entry.changes.iter().filter(|c| !c.covered) {
                print(&change_line(change, &entry.offset))?;
                kept.position.last_change_at = change.occurred_at.or(kept.position.last_change_at);
            }
            kept.position.offset = Some(entry.offset.clone());
            kept.save()?;
        }
    }
}

/// After an expired offset: the deals changed since the last change printed, as they are
/// now, a `gap` line, and the journal from its earliest entry (changes the reads reflect
/// left out).
async fn bridge(
    global: &Global,
    args: &WatchArgs,
    kept: &mut Kept,
    app: &Client,
    offset: &str,
) -> Result<Feed, Failure> {
    let crm = profile::client(global).map_err(|e| {
        Failure::Auth(format!(
            "the journal no longer holds offset {offset}, and bridging the gap reads deals with \
             the profile's own credentials, which failed: {e}"
        ))
    })?;
    let since = kept
        .position
        .last_change_at
        .or(args.since)
        .unwrap_or_else(|| Utc::now() - chrono::Duration::days(3));
    let properties: Vec<&str> = args.properties.iter().map(String::as_str).collect();
    let bridge = journal::bridge_gap(&crm, since, &properties, &ASSOCIATED).await?;
    for deal in &bridge.changed {
        print(&deal_line(deal, "resynced"))?;
    }
    for (survivor, merged) in bridge.merged() {
        print(&json!({"dealId": survivor, "kind": "merged", "merged": merged}))?;
    }
    print(&json!({
        "kind": "gap",
        "expiredOffset": offset,
        "since": since,
        "liveDeals": bridge.live_ids.len(),
        "note": "the journal no longer held the offset: deals changed since were read again \
                 (resynced); a deal you hold that is not live was archived, merged or deleted",
    }))?;
    kept.position.offset = None;
    kept.save()?;
    Ok(bridge.feed(app))
}

async fn poll_watch(crm: &Client, args: &WatchArgs, kept: &mut Kept) -> Result<ExitCode, Failure> {
    let overlap = chrono::Duration::from_std(hubspot_deals::search::DEFAULT_OVERLAP)
        .unwrap_or(chrono::Duration::MAX);
    if kept.position.watermark.is_none() {
        kept.position.watermark = Some(args.since.unwrap_or_else(Utc::now));
    }
    loop {
        let since = kept.position.watermark.unwrap_or_else(Utc::now);
        let mut changed = crm
            .deals()
            .changed_since(since)
            .properties(args.properties.clone())
            .stream();
        while let Some(change) = changed.next().await {
            let change = change?;
            let (id, at) = (change.deal.id.clone(), change.deal.updated_at);
            if kept.position.recent.get(&id) == Some(&at) {
                continue;
            }
            print(&deal_line(&change.deal, "changed"))?;
            let watermark = kept
                .position
                .watermark
                .map_or(change.watermark, |w| w.max(change.watermark));
            kept.position.watermark = Some(watermark);
            kept.position.recent.insert(id, at);
            let oldest = watermark - overlap - overlap;
            kept.position.recent.retain(|_, at| *at >= oldest);
            kept.save()?;
        }
        if args.once {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(Duration::from_secs(args.poll_interval.max(1))).await;
    }
}
