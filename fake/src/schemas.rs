//! `GET /crm/v3/schemas`: the account's custom object schemas. Deals (and every standard
//! object) are not among them, and the fake keeps no custom objects, so the list is empty, as
//! it is in a HubSpot account that has none.

use super::objects::Answer;
use serde_json::json;

/// Every custom object schema: none.
pub(crate) fn get_all() -> Answer {
    Ok((200, Some(json!({"results": []}))))
}
