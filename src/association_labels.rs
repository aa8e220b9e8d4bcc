//! Association labels from deals: the client Progenitor generates from
//! `spec/association_labels.json` (HubSpot's associations schema v4 with the from-object type
//! pinned to deals): the labels a deal's associations with another object type may carry
//! (list, create, rename, remove) and the limits on how many there may be.
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! let labels = client
//!     .association_labels()
//!     .list_association_labels()
//!     .to_object_type("contacts")
//!     .send()
//!     .await?
//!     .into_inner();
//! for label in &labels.results {
//!     println!("{} {}: {:?}", label.category, label.type_id, label.label);
//! }
//! # Ok(()) }
//! ```

generated_client!(
    "association_labels_client.rs",
    association_labels,
    "The labels deals' associations may carry ([`crate::association_labels`]), through this client's runtime."
);
