//! Owners: the fake account's users and queues who own records. They are fixed (HubSpot
//! manages them in its settings, not through this API): four people, one of them archived
//! (a deactivated user, who keeps only `userIdIncludingInactive`), and a queue. Listed 100 a
//! page by default (500 at most), `archived=true` lists only the archived one, `email` finds
//! one; read by owner id, or with `idProperty=userId` (an active user) or
//! `userIdIncludingInactive` (any user).

use crate::apis::request::Request;
use crate::errors::{Answer, ApiError};
use crate::store::{account_created, timestamp};
use crate::world::World;
use serde_json::{Value, json};

/// One owner: id, first and last name, email, user id (`None`: not a user, or
/// deactivated), user id including inactive ones, archived, type.
type Owner = (
    u64,
    &'static str,
    &'static str,
    &'static str,
    Option<u64>,
    Option<u64>,
    bool,
    &'static str,
);

/// The fake account's owners, in id order.
const OWNERS: &[Owner] = &[
    (
        101,
        "Ada",
        "Lovelace",
        "ada@example.test",
        Some(9001),
        Some(9001),
        false,
        "PERSON",
    ),
    (
        102,
        "Grace",
        "Hopper",
        "grace@example.test",
        Some(9002),
        Some(9002),
        false,
        "PERSON",
    ),
    (
        103,
        "Alan",
        "Turing",
        "alan@example.test",
        None,
        Some(9003),
        true,
        "PERSON",
    ),
    (
        104,
        "Katherine",
        "Johnson",
        "katherine@example.test",
        Some(9004),
        Some(9004),
        false,
        "PERSON",
    ),
    (105, "Renewals", "Queue", "", None, None, false, "QUEUE"),
];

/// Owners in a page unless `limit` says otherwise, and at most.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 500;

/// Runs an owners operation.
pub(crate) fn handle(_world: &mut World, request: &Request) -> Answer {
    let archived = request.query.get("archived") == Some("true");
    match request.call.operation.name {
        "list_owners" => list(request, archived),
        "get_owner" => get(request, archived),
        _ => Err(ApiError::not_found()),
    }
}

fn render(owner: &Owner) -> Value {
    let (id, first, last, email, user, including_inactive, archived, kind) = *owner;
    let at = timestamp(account_created());
    let teams = if kind == "PERSON" && !archived {
        json!([{"id": "1", "name": "Sales", "primary": true}])
    } else {
        json!([])
    };
    let mut body = json!({
        "id": id.to_string(), "firstName": first, "lastName": last, "email": email,
        "archived": archived, "type": kind, "teams": teams,
        "createdAt": at, "updatedAt": at,
    });
    if let Some(user) = user {
        body["userId"] = user.into();
    }
    if let Some(user) = including_inactive {
        body["userIdIncludingInactive"] = user.into();
    }
    body
}

/// `GET /crm/owners/{version}`: a page of the (archived, or live) owners after `after`.
fn list(request: &Request, archived: bool) -> Answer {
    let limit = match request.query.get("limit") {
        None => DEFAULT_PAGE,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::validation(format!(
                    "limit must be a whole number from 1 to {MAX_PAGE}, got {text:?}"
                ))
            })?,
    };
    let after: u64 = match request.query.get("after") {
        None => 0,
        Some(cursor) => cursor.parse().map_err(|_| {
            ApiError::validation(format!("after {cursor:?} is not a cursor of this list"))
        })?,
    };
    let email = request.query.get("email");
    let matching: Vec<&Owner> = OWNERS
        .iter()
        .filter(|o| o.6 == archived && o.0 >= after)
        .filter(|o| email.is_none_or(|e| o.3.eq_ignore_ascii_case(e)))
        .collect();
    let page: Vec<Value> = matching.iter().take(limit).map(|o| render(o)).collect();
    let mut body = json!({"results": page});
    if let Some(next) = matching.get(limit) {
        body["paging"] = json!({"next": {"after": next.0.to_string()}});
    }
    Ok((200, Some(body)))
}

/// `GET /crm/owners/{version}/{ownerId}`: one owner by id, user id, or user id including
/// inactive ones.
fn get(request: &Request, archived: bool) -> Answer {
    let key = request.param("ownerId");
    let key: u64 = key.parse().map_err(|_| ApiError::not_numeric(key))?;
    let found = match request.query.get("idProperty").unwrap_or("id") {
        "id" => OWNERS.iter().find(|o| o.0 == key),
        "userId" => OWNERS.iter().find(|o| o.4 == Some(key)),
        "userIdIncludingInactive" => OWNERS.iter().find(|o| o.5 == Some(key)),
        other => {
            return Err(ApiError::validation(format!(
                "idProperty {other:?} is not one of id, userId, userIdIncludingInactive"
            )));
        }
    };
    match found {
        Some(owner) if owner.6 == archived => Ok((200, Some(render(owner)))),
        _ => Err(ApiError::not_found()),
    }
}
