//! [`verify`]: the copy compared with HubSpot, deal by deal; [`repair`]: what differs fixed.

use super::follow::Follower;
use super::run::{flush, reconcile, rows_at, sink_error};
use super::{MirrorError, Options, Sink, Summary};
use crate::Client;
use crate::stream::next;

/// Where a copy differs from HubSpot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Drift {
    /// Live at HubSpot, not held as live (never written, or held as archived).
    pub missing: Vec<String>,
    /// Held as live, not live at HubSpot (archived, merged or deleted since).
    pub extra: Vec<String>,
    /// Held as live with another modification time than HubSpot's: a change not applied.
    pub stale: Vec<String>,
    /// How many live deals HubSpot has.
    pub live_at_hubspot: u64,
    /// How many deals the copy holds as live.
    pub held_live: u64,
}

impl Drift {
    /// Whether the copy equals HubSpot (by ids and modification times).
    pub fn is_none(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.stale.is_empty()
    }
}

/// Compares the deals `sink` holds as live, with their modification times, with every live
/// deal HubSpot lists (one call per 100 deals). A deal changed while it runs shows as stale
/// (or missing, when created): run [`sync`](super::sync) and verify again, or
/// [`repair`].
///
/// ```no_run
/// # async fn run<S: hubspot_deals::mirror::Sink>(client: hubspot_deals::Client, mut sink: S)
/// # -> Result<(), hubspot_deals::mirror::MirrorError> {
/// use hubspot_deals::mirror::{self, Options};
/// let drift = mirror::verify(&client, &mut sink).await?;
/// if !drift.is_none() {
///     println!("{} missing, {} extra, {} stale", drift.missing.len(), drift.extra.len(), drift.stale.len());
///     mirror::repair(&client, &mut sink, &drift, &Options::default()).await?;
/// }
/// # Ok(()) }
/// ```
pub async fn verify<S: Sink>(client: &Client, sink: &mut S) -> Result<Drift, MirrorError> {
    let mut held = sink.live_times().await.map_err(sink_error)?;
    let mut drift = Drift {
        held_live: held.len() as u64,
        ..Drift::default()
    };
    let mut listing = client
        .deals()
        .list()
        .properties(["hs_lastmodifieddate"])
        .stream();
    while let Some(deal) = next(&mut listing).await {
        let deal = deal?;
        drift.live_at_hubspot += 1;
        match held.remove(&deal.id) {
            None => drift.missing.push(deal.id),
            // Compared to the millisecond: HubSpot's times are whole milliseconds.
            Some(at) if at.timestamp_millis() != deal.updated_at.timestamp_millis() => {
                drift.stale.push(deal.id)
            }
            Some(_) => {}
        }
    }
    drift.extra = held.into_keys().collect();
    Ok(drift)
}

/// Fixes `drift`: the missing and stale deals read as they are now (with stage history and
/// associations) and written, then a reconcile for the extra ones (archived, merged or
/// deleted at HubSpot). The position is kept as it was.
pub async fn repair<S: Sink>(
    client: &Client,
    sink: &mut S,
    drift: &Drift,
    options: &Options,
) -> Result<Summary, MirrorError> {
    let mut summary = Summary::default();
    let mut position = sink.position().await.map_err(sink_error)?;
    let ids: Vec<String> = drift
        .missing
        .iter()
        .chain(&drift.stale)
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !ids.is_empty() {
        let reader = Follower::new(client).await?;
        for chunk in ids.chunks(options.batch_deals.max(1)) {
            let rows = reader.read(client, chunk, options).await?;
            flush(
                client,
                sink,
                options,
                rows_at(rows, &position),
                &mut summary,
            )
            .await?;
        }
    }
    if !drift.extra.is_empty() {
        reconcile(client, sink, options, &mut position, &mut summary).await?;
    }
    Ok(summary)
}
