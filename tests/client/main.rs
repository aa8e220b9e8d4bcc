//! The client's integration tests, one binary: each module exercises one part of the client
//! over real HTTP on loopback, against the fake HubSpot (`support` sets them up). The
//! multi-process shared-budget run is a binary of its own (`shared_budget_processes.rs`).

mod support;

mod associations;
mod associations_v4;
mod batch;
mod builder;
mod errors;
mod follower;
mod journal;
mod journal_feed;
mod limits;
mod neighbours;
mod oauth;
mod operation_table;
mod operations;
mod owners;
mod paging;
mod retries;
mod search_all;
mod shared_budget;
mod stage_timing;
mod telemetry;
mod versions;
