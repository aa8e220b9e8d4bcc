//! Deal pipelines and their stages: the client Progenitor generates from
//! `spec/pipelines.json` (HubSpot's pipelines API with the object type pinned to deals),
//! through the same runtime as deals (auth, rate limit, retries, errors).
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! let pipelines = client.pipelines().list_pipelines().send().await?.into_inner();
//! for pipeline in &pipelines.results {
//!     for stage in &pipeline.stages {
//!         println!("{} / {}: {}", pipeline.label, stage.label, stage.id);
//!     }
//! }
//! # Ok(()) }
//! ```

generated_client!(
    "pipelines_client.rs",
    pipelines,
    "Deal pipelines and stages ([`crate::pipelines`]), through this client's runtime: the same credentials, rate budget and retries."
);
