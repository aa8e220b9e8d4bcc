//! Deal property definitions: the client Progenitor generates from `spec/properties.json`
//! (HubSpot's properties API with the object type pinned to deals), through the same runtime
//! as deals (auth, rate limit, retries, errors).
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! let all = client.properties().list_properties().send().await?.into_inner();
//! for property in &all.results {
//!     println!("{}: {}", property.name, property.type_);
//! }
//! # Ok(()) }
//! ```

#[allow(
    missing_docs,
    unused_imports,
    clippy::all,
    unreachable_pub,
    rustdoc::all
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/properties_client.rs"));
}

pub use generated::{Client, builder, types};
