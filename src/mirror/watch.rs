//! [`watch`]: a mirror kept current from the webhooks journal, the whole loop (head,
//! catch-up, offsets, the periodic reconcile).

use super::run::sink_error;
use super::{Batch, Follower, MirrorError, Options, Sink, Summary};
use crate::journal::{self, Feed, Start};
use crate::{Client, Error};
use progenitor_client::ClientInfo;
use std::time::Duration;

/// How long a watch waits before asking the journal again when it had nothing new.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// What a [`watch`] tells as it goes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WatchEvent {
    /// A [`sync`](super::sync) run finished: the first one (bringing the mirror to where the
    /// journal starts), one after an offset the journal no longer held, or the periodic
    /// reconcile.
    Ran(Summary),
    /// From here on the journal is followed.
    Following,
    /// Journal entries were applied.
    Applied(Summary),
    /// The journal no longer holds this offset (HubSpot keeps entries three days): what
    /// changed since is read through the CRM (a run with a reconcile), then the journal goes
    /// on from its head.
    OffsetExpired(String),
}

/// Keeps `sink` current for ever: subscribes the app to `portal`'s deal events, brings the
/// mirror to the journal's head (a [`sync`](super::sync) run, unless the sink already
/// follows the journal from a stored offset), then applies each group of entries as it
/// comes ([`Follower`]), with a run every [`Options::reconcile_every`] (by the client's
/// clock) for what no entry tells (hard deletions, associations). Returns only with an
/// error; stop it by dropping its future (every transaction is whole: the next watch goes on
/// from the last one committed).
///
/// ```no_run
/// # async fn run<S: hubspot_deals::mirror::Sink>(crm: hubspot_deals::Client, app: hubspot_deals::Client, mut sink: S)
/// # -> Result<(), hubspot_deals::mirror::MirrorError> {
/// use hubspot_deals::mirror::{self, Options, WatchEvent};
/// let options = Options::default();
/// let stopped = mirror::watch(&crm, &app, 62515, &mut sink, &options, |event| {
///     match event {
///         WatchEvent::Applied(summary) | WatchEvent::Ran(summary) => {
///             println!("{} deals written, {} gone", summary.deals, summary.gone)
///         }
///         WatchEvent::Following => println!("following the journal"),
///         WatchEvent::OffsetExpired(offset) => println!("offset {offset} expired: catching up"),
///         _ => {}
///     }
/// });
/// let error = stopped.await.unwrap_err();
/// eprintln!("the watch stopped: {error}");
/// # Ok(()) }
/// ```
pub async fn watch<S: Sink>(
    client: &Client,
    app: &Client,
    portal: i64,
    sink: &mut S,
    options: &Options,
    mut on: impl FnMut(WatchEvent),
) -> Result<std::convert::Infallible, MirrorError> {
    let local = i32::try_from(portal).map_err(|_| {
        Error::InvalidRequest(format!("portal id {portal} is out of the journal's range"))
    })?;
    journal::subscribe_deals(app, portal, &[]).await?;
    let clock = client.inner().clock().clone();
    let held = sink.position().await.map_err(sink_error)?;
    let mut feed = match held.journal_offset.clone() {
        Some(offset) if held.loaded => Feed::new(app, Start::After(offset)).local(local),
        _ => catch_up(client, app, local, sink, options, &mut on).await?,
    };
    on(WatchEvent::Following);
    let mut follower = Follower::new(client).await?;
    let mut position = sink.position().await.map_err(sink_error)?;
    let mut last_run = clock.now();
    let every =
        chrono::Duration::from_std(options.reconcile_every).unwrap_or(chrono::Duration::MAX);
    loop {
        let entries = match feed.poll().await {
            Ok(entries) => entries,
            Err(Error::JournalOffsetExpired { offset }) => {
                on(WatchEvent::OffsetExpired(offset));
                let mut reconciling = options.clone();
                reconciling.reconcile = true;
                feed = catch_up(client, app, local, sink, &reconciling, &mut on).await?;
                position = sink.position().await.map_err(sink_error)?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if entries.is_empty() {
            if last_run
                .checked_add_signed(every)
                .is_none_or(|due| due <= clock.now())
            {
                // The periodic run: what the journal does not tell (hard deletions,
                // associations, what the app was not subscribed to).
                on(WatchEvent::Ran(super::sync(client, sink, options).await?));
                position = sink.position().await.map_err(sink_error)?;
                last_run = clock.now();
            }
            tokio::time::sleep(POLL_EVERY).await;
            continue;
        }
        let summary = follower
            .apply(client, sink, options, &entries, &mut position)
            .await?;
        on(WatchEvent::Applied(summary));
    }
}

/// Takes the journal's head as the place to follow from, then runs a sync (everything
/// changed until now), then stores the head as the position: whatever changes after the head
/// was taken is in the journal, and applying it again is harmless.
async fn catch_up<S: Sink>(
    client: &Client,
    app: &Client,
    local: i32,
    sink: &mut S,
    options: &Options,
    on: &mut impl FnMut(WatchEvent),
) -> Result<Feed, MirrorError> {
    let mut feed = Feed::new(app, Start::Latest).local(local);
    let head = feed.fix_start().await?.clone();
    on(WatchEvent::Ran(super::sync(client, sink, options).await?));
    let mut position = sink.position().await.map_err(sink_error)?;
    position.journal_offset = match &head {
        Start::After(offset) => Some(offset.clone()),
        // An empty journal: from its earliest entry, whenever one comes.
        _ => None,
    };
    let mark = Batch {
        position,
        ..Batch::default()
    };
    sink.apply(mark).await.map_err(sink_error)?;
    Ok(feed)
}
