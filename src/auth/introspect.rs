//! HubSpot's current token API beside the grant: what a token is (introspection), and ending one
//! (revocation). Both authenticate with the app's client id and secret.
//!
//! ```no_run
//! # async fn run(secret: hubspot_deals::Secret, refresh: hubspot_deals::Secret)
//! # -> Result<(), hubspot_deals::AuthError> {
//! use hubspot_deals::auth::{introspect, revoke};
//! use hubspot_deals::DEFAULT_BASE_URL;
//! let info = introspect(DEFAULT_BASE_URL, "client-id", &secret, &refresh).await?;
//! if info.active {
//!     println!("hub {:?}, scopes {:?}", info.hub_id, info.scopes);
//!     revoke(DEFAULT_BASE_URL, "client-id", &secret, &refresh).await?; // log out
//! }
//! # Ok(()) }
//! ```

use super::oauth::{check_token_url, post_form, token_http};
use crate::AuthError;
use crate::secret::Secret;
use chrono::Utc;
use std::time::Duration;

use super::{INTROSPECT_PATH, REVOKE_PATH};

/// Which kind of token a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenUse {
    /// An access token, sent with calls.
    Access,
    /// A refresh token, exchanged for access tokens.
    Refresh,
}

/// What HubSpot says of a token. An inactive token (unknown, expired or revoked) has
/// `active: false` and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TokenInfo {
    /// Whether the token can be used now.
    pub active: bool,
    /// Which kind of token it is.
    pub token_use: Option<TokenUse>,
    /// The HubSpot account (portal) it is for.
    pub hub_id: Option<u64>,
    /// The account's domain.
    pub hub_domain: Option<String>,
    /// The user who installed the app.
    pub user_id: Option<u64>,
    /// That user's email.
    pub user: Option<String>,
    /// The app.
    pub app_id: Option<u64>,
    /// The app's client id.
    pub client_id: Option<String>,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// How long an access token has left.
    pub expires_in: Option<Duration>,
}

impl TokenInfo {
    fn from_json(json: &serde_json::Value) -> Self {
        let text = |key: &str| json[key].as_str().map(str::to_string);
        let number = |key: &str| json[key].as_u64();
        Self {
            active: json["active"].as_bool().unwrap_or(false),
            token_use: match json["token_use"].as_str() {
                Some("access_token") => Some(TokenUse::Access),
                Some("refresh_token") => Some(TokenUse::Refresh),
                _ => None,
            },
            hub_id: number("hub_id"),
            hub_domain: text("hub_domain"),
            user_id: number("user_id"),
            user: text("user"),
            app_id: number("app_id"),
            client_id: text("client_id"),
            scopes: json["scopes"]
                .as_array()
                .map(|s| {
                    s.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            expires_in: number("expires_in").map(Duration::from_secs),
        }
    }
}

/// The URL of an OAuth endpoint under an API base URL, checked like a token URL.
fn endpoint(base_url: &str, path: &str) -> Result<String, AuthError> {
    let url = format!("{}{path}", base_url.trim_end_matches('/'));
    check_token_url(&url, false).map_err(|message| AuthError::InvalidTokenUrl { message })?;
    Ok(url)
}

/// Posts the app's credentials and `token` to the OAuth endpoint at `path` under `base_url`.
async fn post_token(
    base_url: &str,
    path: &str,
    client_id: &str,
    client_secret: &Secret,
    token: &Secret,
) -> Result<serde_json::Value, AuthError> {
    let url = endpoint(base_url, path)?;
    let form = [
        ("client_id", client_id),
        ("client_secret", client_secret.expose()),
        ("token", token.expose()),
    ];
    post_form(&token_http()?, &url, &form, Utc::now()).await
}

/// Asks HubSpot what `token` (an access or a refresh token) is, under the API at `base_url`
/// ([`DEFAULT_BASE_URL`](crate::DEFAULT_BASE_URL) for HubSpot).
pub async fn introspect(
    base_url: &str,
    client_id: &str,
    client_secret: &Secret,
    token: &Secret,
) -> Result<TokenInfo, AuthError> {
    let json = post_token(base_url, INTROSPECT_PATH, client_id, client_secret, token).await?;
    Ok(TokenInfo::from_json(&json))
}

/// Ends `token` at HubSpot: a refresh token can no longer be exchanged (log out), an access
/// token no longer works. An unknown token is not an error.
pub async fn revoke(
    base_url: &str,
    client_id: &str,
    client_secret: &Secret,
    token: &Secret,
) -> Result<(), AuthError> {
    post_token(base_url, REVOKE_PATH, client_id, client_secret, token)
        .await
        .map(drop)
}
