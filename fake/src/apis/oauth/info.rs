//! HubSpot's OAuth endpoints beside the token grant: v1 token information
//! (`GET /oauth/v1/access-tokens/{token}`, `GET`/`DELETE /oauth/v1/refresh-tokens/{token}`)
//! and the v3 token API's introspection and revocation (`/oauth/v3/token/introspect`,
//! `/oauth/v3/token/revoke`, and the same under `/oauth/2026-03/`).
//!
//! The account behind every token is the fake's own: hub [`PORTAL_ID`](crate::PORTAL_ID),
//! user [`FAKE_USER_ID`] (`FAKE_USER_EMAIL`), app [`WEBHOOK_APP_ID`](crate::WEBHOOK_APP_ID).

use crate::auth::{FAKE_HUB_DOMAIN, FAKE_USER_EMAIL, FAKE_USER_ID, Known, TokenAnswer, Tokens};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;

/// A HubSpot-shaped 404 for a token the fake does not know (or that expired or was revoked).
fn unknown_token(what: &str) -> TokenAnswer {
    (
        404,
        json!({"status": "error", "category": "OBJECT_NOT_FOUND",
               "message": format!("{what} not found: it is unknown, expired or revoked")}),
    )
}

fn signed(expires_at: DateTime<Utc>, scopes: &[String]) -> Value {
    json!({
        "appId": crate::WEBHOOK_APP_ID, "appInstallId": "fake-install", "audience": "fake",
        "expiresAt": expires_at.timestamp_millis(), "hubId": crate::PORTAL_ID,
        "hublet": "na1", "installingUserId": FAKE_USER_ID, "isPrivateDistribution": false,
        "isServiceAccount": false, "isUserLevel": false, "newSignature": "fake",
        "scopeToScopeGroupPks": "", "scopes": scopes.join(","), "signature": "fake",
        "trialScopeToScopeGroupPks": "", "trialScopes": "", "userId": FAKE_USER_ID,
    })
}

/// `GET /oauth/v1/access-tokens/{token}`.
pub(crate) fn access_token_info(tokens: &Tokens, token: &str, now: DateTime<Utc>) -> TokenAnswer {
    match tokens.known(token, now) {
        Known::Access { expires_at, scopes } => (
            200,
            json!({
                "token": token, "user": FAKE_USER_EMAIL, "hub_domain": FAKE_HUB_DOMAIN,
                "scopes": scopes, "signed_access_token": signed(expires_at, &scopes),
                "hub_id": crate::PORTAL_ID, "app_id": crate::WEBHOOK_APP_ID,
                "expires_in": (expires_at - now).num_seconds().max(0),
                "user_id": FAKE_USER_ID, "token_type": "access", "is_private_distribution": false,
            }),
        ),
        _ => unknown_token("access token"),
    }
}

/// `GET /oauth/v1/refresh-tokens/{token}`.
pub(crate) fn refresh_token_info(tokens: &Tokens, token: &str, now: DateTime<Utc>) -> TokenAnswer {
    match tokens.known(token, now) {
        Known::Refresh { scopes } => (
            200,
            json!({
                "token": token, "user": FAKE_USER_EMAIL, "hub_domain": FAKE_HUB_DOMAIN,
                "scopes": scopes, "hub_id": crate::PORTAL_ID,
                "client_id": tokens.app.as_ref().map(|a| a.client_id.clone()).unwrap_or_default(),
                "user_id": FAKE_USER_ID, "token_type": "refresh",
            }),
        ),
        _ => unknown_token("refresh token"),
    }
}

/// `POST /oauth/v3/token/introspect`: `{"active": false}` for a token that is not (any more).
pub(crate) fn introspect(
    tokens: &Tokens,
    form: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> TokenAnswer {
    if let Err(refused) = tokens.check_client(form) {
        return refused;
    }
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        return tokens.form_error("invalid_request", "BAD_TOKEN", "token is required");
    };
    let client_id = tokens
        .app
        .as_ref()
        .map(|a| a.client_id.clone())
        .unwrap_or_default();
    let common = json!({
        "active": true, "token": token, "user": FAKE_USER_EMAIL, "hub_domain": FAKE_HUB_DOMAIN,
        "hub_id": crate::PORTAL_ID, "app_id": crate::WEBHOOK_APP_ID, "client_id": client_id,
        "user_id": FAKE_USER_ID,
    });
    let with = |extra: Value| {
        let mut body = common.clone();
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        (200, body)
    };
    match tokens.known(token, now) {
        Known::Access { expires_at, scopes } => with(json!({
            "token_use": "access_token", "token_type": "access", "scopes": scopes,
            "expires_in": (expires_at - now).num_seconds().max(0),
            "is_private_distribution": false, "signed_access_token": signed(expires_at, &scopes),
        })),
        Known::Refresh { scopes } => with(json!({
            "token_use": "refresh_token", "token_type": "refresh", "scopes": scopes,
        })),
        Known::Unknown => (200, json!({"active": false})),
    }
}

/// `POST /oauth/v3/token/revoke`: revokes a refresh token, or ends an access token; an
/// unknown token is fine (as RFC 7009 asks). 200 with no body.
pub(crate) fn revoke(tokens: &mut Tokens, form: &HashMap<String, String>) -> (u16, Option<Value>) {
    if let Err((status, body)) = tokens.check_client(form) {
        return (status, Some(body));
    }
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        let (status, body) = tokens.form_error("invalid_request", "BAD_TOKEN", "token is required");
        return (status, Some(body));
    };
    tokens.revoke_any(token);
    (200, None)
}
