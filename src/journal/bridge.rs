//! [`bridge_gap`]: what a consumer needs to catch up when its journal offset expired.

use super::feed::{Feed, Start};
use crate::associations::{Associations, read_many};
use crate::deals::{MERGED_IDS, merged_ids};
use crate::stream::next;
use crate::types::Deal;
use crate::{Client, Error};
use chrono::{DateTime, Utc};
use progenitor_client::ClientInfo;
use std::collections::{BTreeMap, BTreeSet};

/// The properties HubSpot returns for a deal when none are named; a bridge asked for none
/// reads these.
pub const DEFAULT_DEAL_PROPERTIES: [&str; 5] =
    ["dealname", "amount", "closedate", "pipeline", "dealstage"];

/// What changed while a consumer's journal offset expired, read from the CRM itself.
///
/// **Guarantee.** A consumer that had applied every change up to `since` (the time of the
/// last change it applied) ends with the same deals as one that never stopped, when it
/// applies, in this order: every deal in [`changed`](Bridge::changed) (its values now); the
/// removal of every deal it holds that is not in [`live_ids`](Bridge::live_ids) (archived,
/// merged away or deleted meanwhile; [`merged`](Bridge::merged) says which were merged into
/// what); each live deal's [`associations`](Bridge::associations) as a whole (association
/// changes do not touch a deal's modification time, so every live deal's are read); then
/// the journal from its earliest entry ([`feed`](Bridge::feed)), whose changes that happened
/// before [`covered_before`](Bridge::covered_before) are marked `covered`: the reads above
/// already reflect them, so skipping them is safe and applying them is harmless (the journal
/// replays in order, so the last value wins either way). It holds when HubSpot's search
/// index trails writes by less than the overlap (five minutes by default).
///
/// Cost: one search page per 100 changed deals (past the 10,000 cap), one listing page per
/// 100 live deals, one association batch per 1,000 live deals and object type.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Bridge {
    /// Every deal changed since `since` less the overlap, as it is now, with the properties
    /// asked for (and `hs_merged_object_ids`).
    pub changed: Vec<Deal>,
    /// Every live deal's id now.
    pub live_ids: BTreeSet<String>,
    /// Each object type asked for -> every live deal's associations with it.
    pub associations: BTreeMap<String, Associations>,
    /// Journal changes that happened before this are reflected above.
    pub covered_before: DateTime<Utc>,
}

impl Bridge {
    /// The deals merged away meanwhile: (remaining deal, ids merged into it), from
    /// `hs_merged_object_ids` of the changed deals.
    pub fn merged(&self) -> Vec<(String, Vec<String>)> {
        self.changed
            .iter()
            .filter_map(|deal| {
                let value = deal.properties.get(MERGED_IDS).and_then(Option::as_deref);
                let merged: Vec<String> = merged_ids(&deal.id, value).map(str::to_string).collect();
                (!merged.is_empty()).then(|| (deal.id.clone(), merged))
            })
            .collect()
    }

    /// The journal from its earliest entry, the changes the reads reflect marked `covered`.
    pub fn feed(&self, client: &Client) -> Feed {
        Feed::new(client, Start::Earliest).covered_before(self.covered_before)
    }
}

/// Reads what changed since `since` (the time of the last change applied) through the CRM
/// itself, for a consumer whose journal offset expired ([`Error::JournalOffsetExpired`]):
/// deals changed since then (`changed_since`, with `properties`, or with
/// [`DEFAULT_DEAL_PROPERTIES`] when none are named), every live id, and every
/// live deal's associations with `associated` (`contacts`, `companies`). See [`Bridge`] for
/// how to apply it and what it guarantees.
///
/// ```no_run
/// # async fn run(app: hubspot_deals::Client, crm: hubspot_deals::Client,
/// #     last_applied: chrono::DateTime<chrono::Utc>) -> Result<(), hubspot_deals::Error> {
/// use hubspot_deals::journal::{bridge_gap, Feed, Start};
/// let mut feed = Feed::new(&app, Start::After("…stored offset…".into()));
/// match feed.poll().await {
///     Err(hubspot_deals::Error::JournalOffsetExpired { .. }) => {
///         let bridge = bridge_gap(&crm, last_applied, &["dealname", "amount"], &["contacts"]).await?;
///         // apply bridge.changed, drop what is not in bridge.live_ids, replace associations…
///         feed = bridge.feed(&app);
///     }
///     other => { other?; }
/// }
/// # Ok(()) }
/// ```
pub async fn bridge_gap(
    client: &Client,
    since: DateTime<Utc>,
    properties: &[&str],
    associated: &[&str],
) -> Result<Bridge, Error> {
    let overlap = crate::search::DEFAULT_OVERLAP;
    let started = client.inner().clock().now();
    let covered_before = started
        .checked_sub_signed(chrono::Duration::from_std(overlap).unwrap_or(chrono::Duration::MAX))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut wanted: Vec<&str> = if properties.is_empty() {
        DEFAULT_DEAL_PROPERTIES.to_vec()
    } else {
        properties.to_vec()
    };
    if !wanted.contains(&MERGED_IDS) {
        wanted.push(MERGED_IDS);
    }
    let mut changed = Vec::new();
    let mut stream = client
        .deals()
        .changed_since(since)
        .overlap(overlap)
        .properties(wanted)
        .stream();
    while let Some(item) = next(&mut stream).await {
        changed.push(item?.deal);
    }
    let mut live_ids = BTreeSet::new();
    let mut listing = client.deals().list().properties(["hs_object_id"]).stream();
    while let Some(deal) = next(&mut listing).await {
        live_ids.insert(deal?.id);
    }
    let mut associations = BTreeMap::new();
    for object_type in associated {
        let read = read_many(client, object_type, live_ids.iter().cloned()).await?;
        associations.insert(object_type.to_string(), read);
    }
    // A deal changed more than once is given once, as it is now.
    let mut seen = BTreeSet::new();
    changed.reverse();
    changed.retain(|deal: &Deal| seen.insert(deal.id.clone()));
    changed.reverse();
    Ok(Bridge {
        changed,
        live_ids,
        associations,
        covered_before,
    })
}
