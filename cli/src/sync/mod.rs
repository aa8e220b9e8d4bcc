//! `sync`: every deal mirrored into a database (`hubspot_deals::mirror`), SQLite by default,
//! PostgreSQL with `--db postgres://`. The first run loads every deal; each later run
//! applies what changed; a reconcile marks deals archived, merged or deleted since. Killed at
//! any point, the next run goes on from the last batch committed.
//!
//! `--watch` keeps going: from the webhooks journal when the profile has app credentials
//! beside it (`auth login --client-credentials`), else by a run every `--interval` seconds.
//! One sync writes to a database at a time (PostgreSQL: a session advisory lock; SQLite: a
//! lock on `PATH.lock` beside the canonical path): a second `--watch` stands by and takes
//! over when the first dies, a second one-shot sync is refused. The lock coordinates syncs;
//! it protects nothing (any role of the database can take PostgreSQL's advisory lock).

mod postgres;
mod postgres_tls;
mod schema;
mod sqlite;
pub mod verify;

use crate::args::{Global, SyncArgs};
use crate::failure::{Failure, with_causes};
use crate::url_secrets::{refuse_visible_password, scrubbed, shown_url};
use crate::{profile, progress};
use hubspot_deals::Client;
use hubspot_deals::mirror::{
    self, Applied, Batch, MirrorError, Options, Position, Sink, SinkError, Summary, WatchEvent,
};
use indicatif::ProgressBar;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Where the mirror goes, from `--db`.
enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

fn database(text: &str) -> Result<Database, Failure> {
    if let Some(path) = text.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err(Failure::Usage(
                "--db sqlite: needs a file, e.g. --db sqlite:deals.sqlite".into(),
            ));
        }
        return Ok(Database::Sqlite(PathBuf::from(path)));
    }
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        return Ok(Database::Postgres(text.to_string()));
    }
    Err(Failure::Usage(format!(
        "--db {:?}: use sqlite:PATH or postgres://USER@HOST/DATABASE",
        shown_url(text)
    )))
}

/// Refuses a `--db` typed on the command line with a password in it (the process list
/// shows it), unless `--allow-password-in-argument`; `sync` and `verify` check it first.
pub fn refuse_password_in_db(global: &Global, db: &str) -> Result<(), Failure> {
    refuse_visible_password(
        "--db",
        "HUBSPOT_DEALS_DB",
        db,
        global.given_on_command_line("db"),
        global.allow_password_in_argument,
    )
}

/// `sync`.
pub async fn sync(global: &Global, mut args: SyncArgs) -> Result<ExitCode, Failure> {
    refuse_password_in_db(global, &args.db)?;
    let client = profile::client(global)?;
    args.history = history_names(&client, &args).await?;
    let app = if args.watch {
        profile::app_client(global)?
    } else {
        None
    };
    let (sink, name) = open(&args.db, args.watch).await?;
    run(&args, &client, app, sink, &name).await
}

/// The mirror's database `--db` names, opened (writer's lock taken, waiting for it when
/// `wait`; schema migrated), with its name as it may be shown.
pub async fn open(db: &str, wait: bool) -> Result<(AnySink, String), Failure> {
    let every = Duration::from_secs(2);
    match database(db)? {
        Database::Sqlite(path) => {
            let name = path.display().to_string();
            let sink = sqlite::SqliteSink::open(&path, wait, every)
                .await
                .map_err(|e| {
                    let e = with_causes(&*e);
                    Failure::Usage(format!(
                        "cannot open {name} as the mirror's SQLite database: {e}"
                    ))
                })?;
            Ok((AnySink::Sqlite(sink), name))
        }
        Database::Postgres(url) => {
            let name = shown_url(&url);
            let sink = postgres::PostgresSink::open(&url, wait, every)
                .await
                .map_err(|e| {
                    let e = scrubbed(&with_causes(&*e), &url);
                    Failure::Usage(format!("cannot use {name} as the mirror's database: {e}"))
                })?;
            Ok((AnySink::Postgres(sink), name))
        }
    }
}

/// The mirror's database, whichever it is.
pub enum AnySink {
    Sqlite(sqlite::SqliteSink),
    Postgres(postgres::PostgresSink),
}

/// Each [`Sink`] method passed to the database's own.
macro_rules! either {
    ($self:ident, $sink:ident => $call:expr) => {
        match $self {
            AnySink::Sqlite($sink) => $call.await,
            AnySink::Postgres($sink) => $call.await,
        }
    };
}

impl Sink for AnySink {
    async fn position(&mut self) -> Result<Position, SinkError> {
        either!(self, sink => sink.position())
    }

    async fn apply(&mut self, batch: Batch) -> Result<Applied, SinkError> {
        either!(self, sink => sink.apply(batch))
    }

    async fn live_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        either!(self, sink => sink.live_ids())
    }

    async fn archived_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        either!(self, sink => sink.archived_ids())
    }

    async fn live_times(
        &mut self,
    ) -> Result<std::collections::BTreeMap<String, chrono::DateTime<chrono::Utc>>, SinkError> {
        either!(self, sink => sink.live_times())
    }
}

/// Every label a set of pipelines gives: (pipeline id, stage id or "" for the pipeline's
/// own, label). Two sets that differ mean a pipeline or stage was renamed, added or removed,
/// and the labels kept on deal rows are rewritten from the new ones.
fn labels<'a>(
    pipelines: impl IntoIterator<Item = &'a mirror::PipelineRow>,
) -> BTreeSet<(String, String, String)> {
    let mut all = BTreeSet::new();
    for p in pipelines {
        all.insert((p.id.clone(), String::new(), p.label.clone()));
        for (stage, label, ..) in &p.stages {
            all.insert((p.id.clone(), stage.clone(), label.clone()));
        }
    }
    all
}

/// The labels held on deal rows, rewritten from the `pipelines` and `stages` tables where
/// they differ (`{distinct}`: the dialect's null-safe "differs"). A deal without a pipeline
/// takes the first stage of that id, as rows are made.
fn relabel_deals(distinct: &str) -> String {
    let pipeline = "(SELECT p.label FROM pipelines p WHERE p.id = deals.pipeline_id)";
    let stage = "(SELECT s.label FROM stages s WHERE s.id = deals.stage_id
        AND (deals.pipeline_id IS NULL OR s.pipeline_id = deals.pipeline_id)
        ORDER BY s.pipeline_id LIMIT 1)";
    format!(
        "UPDATE deals SET pipeline_label = {pipeline}, stage_label = {stage}
         WHERE pipeline_label {distinct} {pipeline} OR stage_label {distinct} {stage}"
    )
}

/// The key in `sync_state` under which the property names of the last run are kept.
const PROPERTY_NAMES_KEY: &str = "property_names";

/// The properties whose values leave every deal: those held before (`held`: the names
/// stored by the last run, or in a database from before they were stored, every name its
/// deals carry) that the account no longer defines (`now`).
fn archived_properties(held: BTreeSet<String>, now: &[String]) -> Vec<String> {
    let now: BTreeSet<&str> = now.iter().map(String::as_str).collect();
    held.into_iter()
        .filter(|name| !now.contains(name.as_str()))
        .collect()
}

/// The names stored under [`PROPERTY_NAMES_KEY`].
fn stored_names(stored: &str) -> Result<BTreeSet<String>, SinkError> {
    Ok(serde_json::from_str(stored)?)
}

/// A second sync found another writing to the database and was not asked to wait.
#[derive(Debug)]
pub struct Held;

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "another sync is writing to this database (it holds the mirror's writer lock); \
             run this one when it has finished, or use --watch to stand by and take over",
        )
    }
}

impl std::error::Error for Held {}

/// Waiting for the writer's lock: said once, checked again every `every`; without `wait`,
/// [`Held`] at once.
pub struct Standby {
    wait: bool,
    every: Duration,
    said: bool,
}

impl Standby {
    fn new(wait: bool, every: Duration) -> Self {
        Self {
            wait,
            every,
            said: false,
        }
    }

    /// The lock is held by another: wait `every` (saying so the first time), or fail.
    async fn wait(&mut self) -> Result<(), SinkError> {
        if !self.wait {
            return Err(Box::new(Held));
        }
        if !self.said {
            eprintln!("another sync is writing to this database: standing by to take over");
            self.said = true;
        }
        tokio::time::sleep(self.every).await;
        Ok(())
    }

    /// The lock is ours.
    fn taken(&self) {
        if self.said {
            eprintln!("the other sync stopped: this one writes now");
        }
    }
}

fn options(args: &SyncArgs) -> Options {
    let mut options = Options::default();
    options.associated = args.associations.clone();
    options.reconcile = args.reconcile;
    options.overlap = Duration::from_secs(args.overlap);
    options.history = args.history.clone();
    options
}

/// `--history`'s names, `all` read as every property the account defines (those HubSpot
/// calculates only with `--history-calculated`).
async fn history_names(client: &Client, args: &SyncArgs) -> Result<Vec<String>, Failure> {
    if !args.history.iter().any(|n| n == "all") {
        return Ok(args.history.clone());
    }
    let listed = client.properties().list_properties().send().await?;
    Ok(listed
        .into_inner()
        .results
        .into_iter()
        .filter(|p| args.history_calculated || p.calculated != Some(true))
        .map(|p| p.name)
        .collect())
}

fn failure(name: &str, e: MirrorError) -> Failure {
    match e {
        MirrorError::Api(e) => Failure::from(e),
        other => Failure::Remote(format!("{name}: {other}")),
    }
}

/// One line on standard error for what a run (or a stretch of a watch) did.
fn report(name: &str, summary: &Summary, calls: u64, took: Duration) {
    eprintln!(
        "{name}: {} deals added, {} changed, {} read again unchanged, {} archived or deleted \
         ({} merged), {} erased, {} association sets written, {} history rows, {calls} calls, \
         {} transactions in {:.1} s{}",
        summary.added,
        summary.changed,
        summary
            .deals
            .saturating_sub(summary.added + summary.changed),
        summary.gone,
        summary.merged,
        summary.erased,
        summary.associations,
        summary.history,
        summary.batches,
        took.as_secs_f64(),
        if summary.first_load {
            " (first load)"
        } else {
            ""
        }
    );
}

/// A sink that moves a progress bar by the deals each batch writes, and keeps the time the
/// database took (the write throughput on its own).
struct Counted<S> {
    inner: S,
    bar: ProgressBar,
    deals: u64,
    writing: Duration,
}

impl<S> Counted<S> {
    fn new(inner: S, bar: ProgressBar) -> Self {
        Self {
            inner,
            bar,
            deals: 0,
            writing: Duration::ZERO,
        }
    }

    /// What the database did on its own: "N deals written in S s (R deals/s)".
    fn throughput(&self) -> String {
        let seconds = self.writing.as_secs_f64();
        let rate = if seconds > 0.0 {
            self.deals as f64 / seconds
        } else {
            0.0
        };
        format!(
            "the database wrote {} deals in {seconds:.2} s ({rate:.0} deals/s)",
            self.deals
        )
    }
}

impl<S: Sink + Send> Sink for Counted<S> {
    async fn position(&mut self) -> Result<Position, SinkError> {
        self.inner.position().await
    }

    async fn apply(&mut self, batch: Batch) -> Result<Applied, SinkError> {
        let deals = batch.deals.len() as u64;
        let started = Instant::now();
        let applied = self.inner.apply(batch).await?;
        self.writing += started.elapsed();
        self.deals += deals;
        self.bar.inc(deals);
        Ok(applied)
    }

    async fn live_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        self.inner.live_ids().await
    }

    async fn archived_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        self.inner.archived_ids().await
    }

    async fn live_times(
        &mut self,
    ) -> Result<std::collections::BTreeMap<String, chrono::DateTime<chrono::Utc>>, SinkError> {
        self.inner.live_times().await
    }
}

async fn run<S: Sink + Send>(
    args: &SyncArgs,
    client: &Client,
    app: Option<(Client, i64)>,
    sink: S,
    name: &str,
) -> Result<ExitCode, Failure> {
    let options = options(args);
    if !args.watch {
        let started = Instant::now();
        let mut sink = Counted::new(sink, progress::bar("deals", None));
        let summary = mirror::sync(client, &mut sink, &options).await;
        sink.bar.finish_and_clear();
        let summary = summary.map_err(|e| failure(name, e))?;
        report(name, &summary, client.calls_sent(), started.elapsed());
        eprintln!("{name}: {}", sink.throughput());
        return Ok(ExitCode::SUCCESS);
    }
    let watching = async {
        match app {
            Some((app, portal)) => follow(args, client, &app, portal, sink, name).await,
            None => poll(args, client, sink, name).await,
        }
    };
    tokio::select! {
        outcome = watching => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("{name}: stopped; the next sync goes on from the last batch committed");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One `sync` run inside a watch, reported when it wrote anything.
async fn pass<S: Sink + Send>(
    client: &Client,
    sink: &mut S,
    options: &Options,
    name: &str,
) -> Result<(), Failure> {
    let started = Instant::now();
    let calls = client.calls_sent();
    let summary = mirror::sync(client, sink, options)
        .await
        .map_err(|e| failure(name, e))?;
    if summary.deals + summary.gone > 0 || summary.first_load {
        let spent = client.calls_sent() - calls;
        report(name, &summary, spent, started.elapsed());
    }
    Ok(())
}

/// `--watch` without app credentials: a run every `--interval` seconds.
async fn poll<S: Sink + Send>(
    args: &SyncArgs,
    client: &Client,
    mut sink: S,
    name: &str,
) -> Result<ExitCode, Failure> {
    let options = options(args);
    eprintln!(
        "{name}: watching by a run every {} s (log in with --client-credentials to follow the \
         webhooks journal instead)",
        args.interval
    );
    loop {
        pass(client, &mut sink, &options, name).await?;
        tokio::time::sleep(Duration::from_secs(args.interval.max(1))).await;
    }
}

/// `--watch` with app credentials: the library's journal loop (`mirror::watch`), each step
/// reported as it comes.
async fn follow<S: Sink + Send>(
    args: &SyncArgs,
    client: &Client,
    app: &Client,
    portal: i64,
    mut sink: S,
    name: &str,
) -> Result<ExitCode, Failure> {
    let options = options(args);
    let (mut since, mut calls) = (Instant::now(), client.calls_sent());
    let watched = mirror::watch(client, app, portal, &mut sink, &options, |event| {
        let spent = client.calls_sent() - calls;
        match event {
            WatchEvent::Ran(summary) if summary.deals + summary.gone > 0 || summary.first_load => {
                report(name, &summary, spent, since.elapsed())
            }
            WatchEvent::Applied(summary) => report(name, &summary, spent, since.elapsed()),
            WatchEvent::Following => eprintln!("{name}: following the webhooks journal"),
            WatchEvent::OffsetExpired(offset) => eprintln!(
                "{name}: the journal no longer holds offset {offset}: reading what changed \
                 since through the CRM, then following the journal again"
            ),
            _ => {}
        }
        (since, calls) = (Instant::now(), client.calls_sent());
    });
    match watched.await {
        Ok(never) => match never {},
        Err(e) => Err(failure(name, e)),
    }
}
