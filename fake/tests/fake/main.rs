//! The fake HubSpot's integration tests, one binary: each module checks one part of what it
//! serves, over real HTTP on loopback (`support` has the HTTP helpers).

mod support;

mod batch_search;
mod connectors;
mod deals;
mod labels;
mod oauth_api;
mod owners;
mod pipelines;
mod process;
mod properties;
mod runtime;
mod taps;
mod versions;
mod webhooks;
