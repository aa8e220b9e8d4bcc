//! The deals client Progenitor generates from `spec/deals.json` (see `build.rs`), with the
//! runtime's hooks. Private: the crate root re-exports what users need.

generated_client!("deals_client.rs");
