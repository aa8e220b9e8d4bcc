//! OAuth: the token grant (authorization code, refresh token, the app's client credentials)
//! in every version the registry lists (v1, v3, the date versions), v1's token information,
//! and the token API's introspection and revocation; and the authorize page a person
//! approves the app on. Calls authenticate with the app's credentials in a form, outside
//! the account's rate budget.

pub(crate) mod authorize;
pub(crate) mod info;

use crate::apis::request::Request;
use crate::errors::ApiError;
use crate::world::World;
use serde_json::Value;
use std::collections::HashMap;

/// The fields of a token request's body: a form, as HubSpot's documents declare it, or a JSON
/// object of text, as HubSpot's own generated SDK (`hubspot-sdk`) sends it.
fn fields(request: &Request) -> HashMap<String, String> {
    let json = request
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if json {
        let object: serde_json::Map<String, Value> =
            serde_json::from_slice(request.body).unwrap_or_default();
        return object
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_string())))
            .collect();
    }
    form_urlencoded::parse(request.body).into_owned().collect()
}

/// Runs an OAuth operation: the status and body to answer (errors in OAuth's own shape).
pub(crate) fn handle(
    world: &mut World,
    request: &Request,
) -> Result<(u16, Option<Value>), ApiError> {
    let now = world.now();
    let form = || fields(request);
    let token = request.param("token");
    let (status, answer) = match request.call.operation.name {
        "oauth_token" => {
            // v1 also reads `client_secret` and `refresh_token` from the query; the form wins.
            let mut fields = request.query.pairs();
            fields.extend(form());
            let World {
                tokens, secrets, ..
            } = world;
            let (status, mut answer) = tokens.token_endpoint(&fields, now, secrets);
            if request.call.version.name == "v1"
                && let Some(fields) = answer.as_object_mut()
            {
                // v3 and the date versions added these to the grant's answer; v1's has none.
                for newer in ["hub_id", "scopes", "user_id", "token_use"] {
                    fields.remove(newer);
                }
            }
            (status, Some(answer))
        }
        "oauth_access_token_info" => {
            let (status, answer) = info::access_token_info(&world.tokens, token, now);
            (status, Some(answer))
        }
        "oauth_refresh_token_info" => {
            let (status, answer) = info::refresh_token_info(&world.tokens, token, now);
            (status, Some(answer))
        }
        "oauth_delete_refresh_token" if world.tokens.revoke(token) => (204, None),
        "oauth_introspect" => {
            let (status, answer) = info::introspect(&world.tokens, &form(), now);
            (status, Some(answer))
        }
        "oauth_revoke" => info::revoke(&mut world.tokens, &form()),
        _ => return Err(ApiError::not_found()),
    };
    Ok((status, answer))
}
