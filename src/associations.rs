//! Associations from deals: the client Progenitor generates from `spec/associations.json`
//! (HubSpot's associations API, 2026-09, with the from-object type pinned to deals), through the
//! same runtime as deals (auth, rate limit, retries, errors), and [`read_many`], which reads
//! the associations of any number of deals in HubSpot's batches of 1,000.
//!
//! Reading associations needs the read scope of deals or of the other object type
//! (`crm.objects.deals.read`, `crm.objects.contacts.read`, …); creating and removing them a
//! write scope (`crm.objects.deals.write`); see [`crate::auth::SCOPES`].
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! use hubspot_deals::associations::types;
//! let read = types::AssociationsBatchRead {
//!     inputs: vec![types::AssociationsReadInput { id: "12345".into(), after: None }],
//! };
//! let batch = client
//!     .associations()
//!     .batch_read_associations()
//!     .to_object_type("contacts")
//!     .body(read)
//!     .send()
//!     .await?
//!     .into_inner();
//! for deal in &batch.results {
//!     for contact in &deal.to {
//!         let labels: Vec<_> = contact.association_types.iter().filter_map(|t| t.label.as_deref()).collect();
//!         println!("deal {} -> contact {}: {labels:?}", deal.from.id, contact.to_object_id);
//!     }
//! }
//! # Ok(()) }
//! ```

generated_client!(
    "associations_client.rs",
    associations,
    "Deals' associations with contacts, companies, line items… ([`crate::associations`]), through this client's runtime."
);

use crate::cursors::CursorGuard;
use crate::limits::ASSOCIATIONS_BATCH_READ_INPUTS;
use std::collections::BTreeMap;

/// The associations of many deals with one object type: for each deal id that has any, the
/// objects it is associated with and their association types (with labels).
pub type Associations = BTreeMap<String, Vec<types::LabelledAssociation>>;

/// Reads the associations of `deal_ids` with `to_object_type` (`contacts`, `companies`,
/// `line_items`, or a type id such as `0-1`), in HubSpot's batches of at most 1,000 deals,
/// following each deal's own paging past 500 associations: every association of every
/// deal, in as few calls as HubSpot allows (one per 1,000 deals with fewer than 500 each).
///
/// A deal with no associations (or that does not exist) is absent from the map: HubSpot
/// reports it as a batch error (`NO_ASSOCIATIONS_FOUND`), which this helper reads as none.
/// Any other per-deal error ends the read with [`Error::Other`](crate::Error::Other) naming
/// the deal and HubSpot's message.
///
/// ```no_run
/// # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
/// let contacts = hubspot_deals::associations::read_many(&client, "contacts", ["101", "102"]).await?;
/// for (deal, associated) in &contacts {
///     for contact in associated {
///         let labels: Vec<_> = contact.association_types.iter().filter_map(|t| t.label.clone()).collect();
///         println!("deal {deal} -> contact {} {labels:?}", contact.to_object_id);
///     }
/// }
/// # Ok(()) }
/// ```
pub async fn read_many(
    client: &crate::Client,
    to_object_type: &str,
    deal_ids: impl IntoIterator<Item = impl Into<String>>,
) -> Result<Associations, crate::Error> {
    let api = client.associations();
    let mut found = Associations::new();
    // Each pending input is a deal id and where its associations continue (`None`: from
    // the start); a deal with more than a page comes back with its cursor.
    let mut seen = std::collections::HashSet::new();
    let mut pending: Vec<(String, Option<String>)> = deal_ids
        .into_iter()
        .map(Into::into)
        .filter(|id: &String| seen.insert(id.clone()))
        .map(|id| (id, None))
        .collect();
    // Each deal's cursors: one seen before, or empty pages that keep naming a next one, stop
    // the read instead of looping.
    let mut guards: std::collections::HashMap<String, CursorGuard> = Default::default();
    while !pending.is_empty() {
        let mut next = Vec::new();
        for chunk in pending.chunks(ASSOCIATIONS_BATCH_READ_INPUTS) {
            let inputs = chunk
                .iter()
                .map(|(id, after)| types::AssociationsReadInput {
                    id: id.clone(),
                    after: after.clone(),
                })
                .collect();
            let answer = api
                .batch_read_associations()
                .to_object_type(to_object_type)
                .body(types::AssociationsBatchRead { inputs })
                .send()
                .await?
                .into_inner();
            for error in &answer.errors {
                if error.category.as_deref() != Some("OBJECT_NOT_FOUND") {
                    let deal = error
                        .context
                        .get("fromObjectId")
                        .and_then(|ids| ids.first())
                        .map_or("?", String::as_str);
                    return Err(crate::Error::Other(format!(
                        "batch_read_associations: deal {deal} to {to_object_type}: {}",
                        error.message
                    )));
                }
            }
            for result in answer.results {
                let after = result
                    .paging
                    .and_then(|paging| paging.next)
                    .map(|next| next.after);
                if let Some(after) = after {
                    guards
                        .entry(result.from.id.clone())
                        .or_insert_with(|| CursorGuard::new("batch_read_associations", None))
                        .check(result.to.len(), Some(&after))?;
                    next.push((result.from.id.clone(), Some(after)));
                }
                found.entry(result.from.id).or_default().extend(result.to);
            }
        }
        pending = next;
    }
    Ok(found)
}

/// The id of an associated object (a contact, a company…), as text. HubSpot's documents say
/// associations v4 answer ids as text, and HubSpot sends numbers (`"toObjectId": 12675602284`):
/// this type reads either, so an answer decodes whichever HubSpot sends.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ObjectId(pub String);

impl ObjectId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ObjectId {
    fn from(id: &str) -> Self {
        Self(id.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for ObjectId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ObjectId;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object id (a number, or digits as text)")
            }
            fn visit_u64<E: serde::de::Error>(self, id: u64) -> Result<ObjectId, E> {
                Ok(ObjectId(id.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, id: i64) -> Result<ObjectId, E> {
                Ok(ObjectId(id.to_string()))
            }
            fn visit_str<E: serde::de::Error>(self, id: &str) -> Result<ObjectId, E> {
                Ok(ObjectId(id.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectId;

    #[test]
    fn an_object_id_reads_a_number_or_text_and_writes_text() {
        let number: ObjectId = serde_json::from_str("12675602284").unwrap();
        let text: ObjectId = serde_json::from_str("\"12675602284\"").unwrap();
        assert_eq!(number, text);
        assert_eq!(number.as_str(), "12675602284");
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"12675602284\"");
        let refused = serde_json::from_str::<ObjectId>("[1]").unwrap_err();
        assert!(refused.to_string().contains("an object id"), "{refused}");
    }
}
