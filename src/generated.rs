//! The client Progenitor generates from `spec/deals.json` (see `build.rs`). Private: the
//! crate root re-exports what users need.
#![allow(
    missing_docs,
    unused_imports,
    clippy::all,
    unreachable_pub,
    rustdoc::all
)]

include!(concat!(env!("OUT_DIR"), "/deals_client.rs"));
