//! A routed request as each API's module reads it, and the request and answer shapes the
//! APIs share (batch inputs and answers, required fields).

use crate::errors::{Answer, ApiError};
use crate::query::Query;
use crate::route::Call;
use crate::store::timestamp;
use crate::world::World;
use hubspot_deals::limits::ASSOCIATIONS_BATCH_READ_INPUTS;
use hubspot_deals::registry::Body;
use serde_json::{Value, json};

/// A routed request, as an API's handler sees it.
pub(crate) struct Request<'a> {
    /// The operation called.
    pub call: &'a Call,
    /// The query string.
    pub query: Query,
    /// The request's headers.
    pub headers: &'a hyper::HeaderMap,
    /// The body, read whole.
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The JSON body the operation takes: an object, or an array where the registry says so.
    pub fn json(&self) -> Result<Value, ApiError> {
        let content_type = self
            .headers
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !content_type.is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        }) {
            return Err(ApiError::unsupported_media_type(content_type));
        }
        let value: Value =
            serde_json::from_slice(self.body).map_err(|e| ApiError::malformed_json(&e))?;
        let array = self.call.operation.body == Body::Array;
        if array && !value.is_array() {
            return Err(ApiError::validation(
                "Invalid input JSON: the body must be a JSON array",
            ));
        }
        if !array && !value.is_object() {
            return Err(ApiError::validation(
                "Invalid input JSON: the body must be a JSON object",
            ));
        }
        Ok(value)
    }

    /// The value of path parameter `name`, decoded.
    pub fn param(&self, name: &str) -> &str {
        self.call.param(name)
    }
}

/// The strings of an array field (absent or not an array: none).
pub(crate) fn strings(body: &Value, name: &str) -> Vec<String> {
    body.get(name)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A required string field of a JSON object.
pub(crate) fn string_field<'a>(body: &'a Value, name: &str, at: &str) -> Result<&'a str, ApiError> {
    body.get(name).and_then(Value::as_str).ok_or_else(|| {
        ApiError::validation(format!(
            "Invalid input JSON: {at}{name} is required and must be a string"
        ))
    })
}

/// The `inputs` of a batch body, at most 1,000 (HubSpot's cap for associations batches).
pub(crate) fn association_inputs(body: &Value) -> Result<&Vec<Value>, ApiError> {
    let inputs = body["inputs"]
        .as_array()
        .ok_or_else(|| ApiError::validation("Invalid input JSON: inputs is required (an array)"))?;
    if inputs.len() > ASSOCIATIONS_BATCH_READ_INPUTS {
        return Err(ApiError::validation(format!(
            "Too many inputs: {} (at most {ASSOCIATIONS_BATCH_READ_INPUTS} in one associations batch)",
            inputs.len()
        )));
    }
    Ok(inputs)
}

/// A batch answer: `results`, and the errors when there are any (then 207).
pub(crate) fn batch_answer(
    world: &World,
    started: String,
    ok: u16,
    results: Vec<Value>,
    errors: Vec<Value>,
) -> Answer {
    let mut answer = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": timestamp(world.now()),
    });
    if errors.is_empty() {
        return Ok((ok, Some(answer)));
    }
    answer["numErrors"] = errors.len().into();
    answer["errors"] = errors.into();
    Ok((207, Some(answer)))
}

/// A batch's answer as the version called declares it, where HubSpot's date versions answer
/// otherwise than v3 and v4 did: from 2026-09 a batch answers 200 whatever it did, partial
/// failures included (its `errors` and `numErrors` say what failed); and where
/// `removals_answer_a_batch` (the associations APIs), a batch that only removes answers 200
/// with an empty batch answer instead of 204 (2026-03 on).
pub(crate) fn versioned_batch(
    answer: Answer,
    request: &Request,
    now: chrono::DateTime<chrono::Utc>,
    removals_answer_a_batch: bool,
) -> Answer {
    let (status, body) = answer?;
    let version = request.call.version.name;
    let dated = version.as_bytes().first().is_some_and(u8::is_ascii_digit);
    if !dated || !request.call.operation.name.contains("batch") {
        return Ok((status, body));
    }
    match status {
        204 if removals_answer_a_batch => {
            let at = timestamp(now);
            Ok((
                200,
                Some(
                    json!({"status": "COMPLETE", "results": [], "startedAt": at, "completedAt": at}),
                ),
            ))
        }
        201 | 207 if version >= "2026-09" => Ok((200, body)),
        _ => Ok((status, body)),
    }
}
