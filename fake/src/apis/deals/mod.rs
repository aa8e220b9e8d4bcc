//! Deals: HubSpot's CRM objects API for deals, in every version the registry lists (v3 and
//! the date versions): the single-deal operations, batches, search, merge, GDPR deletion.

pub(crate) mod batch;
pub(crate) mod objects;
pub(crate) mod search;
pub(crate) mod validate;

use crate::apis::request::Request;
use crate::errors::{Answer, ApiError};
use crate::world::World;
use hubspot_deals::registry::Body;
use serde_json::Value;

/// Runs a deals operation and answers with the status its version's document declares.
pub(crate) fn handle(world: &mut World, request: &Request) -> Answer {
    let operation = request.call.operation;
    let body = if operation.body == Body::None {
        Value::Null
    } else {
        let mut json = request.json()?;
        if operation.name == "search" {
            search::accepted_forms(&mut json)?;
        }
        validate::request_body(operation.name, &json)?;
        json
    };
    let id = request.param("dealId");
    let query = &request.query;
    let version = request.call.version.name;
    world.account_rules = version.as_bytes()[0].is_ascii_digit() && version >= "2026-09";
    let answer = match operation.name {
        "get_page" => objects::get_page(world, query),
        "create" => objects::create(world, &body),
        "get_by_id" => objects::get_by_id(world, id, query),
        "update" => objects::update(world, id, query, &body),
        "archive" => objects::archive(world, id),
        "merge" => objects::merge(world, &body),
        "gdpr_delete" => objects::gdpr_delete(world, &body),
        "batch_read" => batch::read(world, query, &body),
        "batch_create" => batch::create(world, &body),
        "batch_update" => batch::update(world, &body),
        "batch_upsert" => batch::upsert(world, &body),
        "batch_archive" => batch::archive(world, &body),
        "search" => search::search(world, &body),
        _ => Err(ApiError::not_found()),
    };
    world.account_rules = false;
    let (status, body) = answer?;
    Ok((
        declared_status(request.call.version.name, operation.name, status),
        body,
    ))
}

/// The success status a version's document declares for what v3 answers with `status`:
/// the 2025-09 document declares 200 (not 201) for batch create, and neither it nor 2026-09
/// declares 207, so their partial failures get the operation's success status with the same
/// body (`errors`, `numErrors`).
fn declared_status(version: &str, operation: &str, status: u16) -> u16 {
    match (version, operation, status) {
        ("2025-09", "batch_create", 201 | 207) => 200,
        ("2026-09", "batch_create", 207) => 201,
        ("2025-09" | "2026-09", _, 207) => 200,
        _ => status,
    }
}

#[cfg(test)]
mod tests {
    use super::declared_status;

    #[test]
    fn partial_failures_answer_as_each_version_declares() {
        assert_eq!(declared_status("v3", "batch_read", 207), 207);
        assert_eq!(declared_status("2026-03", "batch_update", 207), 207);
        assert_eq!(declared_status("2026-09", "batch_read", 207), 200);
        assert_eq!(declared_status("2026-09", "batch_create", 207), 201);
        assert_eq!(declared_status("2026-09", "batch_create", 201), 201);
        assert_eq!(declared_status("2025-09", "batch_create", 201), 200);
        assert_eq!(declared_status("2025-09", "batch_upsert", 207), 200);
        assert_eq!(declared_status("2026-09-beta", "batch_read", 207), 207);
    }
}
