//! The fake's side of each API of the registry, a module each, named as the registry names
//! them; each runs its operations by the client's operation names. The server has already
//! routed the request, admitted the caller and read the body whole.

pub(crate) mod association_labels;
pub(crate) mod associations;
pub(crate) mod deals;
pub(crate) mod legacy_crm;
pub(crate) mod oauth;
pub(crate) mod owners;
pub(crate) mod pipelines;
pub(crate) mod properties;
pub(crate) mod request;
pub(crate) mod webhooks_journal;

use crate::errors::{Answer, ApiError};
use crate::world::World;
pub(crate) use request::Request;

/// Runs the operation `request` calls, in the module of its API.
pub(crate) fn handle(world: &mut World, request: &Request) -> Answer {
    match request.call.api.name {
        "deals" => deals::handle(world, request),
        "pipelines" => pipelines::handle(world, request),
        "properties" => properties::handle(world, request),
        "associations" => associations::handle(world, request),
        "association_labels" => association_labels::handle(world, request),
        "webhooks_journal" => webhooks_journal::handle(world, request),
        "legacy_crm" => legacy_crm::handle(world, request),
        "owners" => owners::handle(world, request),
        _ => Err(ApiError::not_found()),
    }
}
