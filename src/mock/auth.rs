//! Who may call the fake: private-app tokens, and OAuth access tokens minted by its token
//! endpoint (`POST /oauth/v1/token`), each with scopes; expired and revoked tokens fail as
//! HubSpot's do.

use super::errors::ApiError;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// The scope deal reads need.
pub const READ_SCOPE: &str = "crm.objects.deals.read";
/// The scope deal writes need.
pub const WRITE_SCOPE: &str = "crm.objects.deals.write";

/// What kind of credential made a call (OAuth calls carry fewer rate-limit headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A private app's static token.
    PrivateApp,
    /// An OAuth access token from the token endpoint.
    OAuth,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub kind: TokenKind,
    pub label: String,
    pub scopes: BTreeSet<String>,
}

/// A short, non-secret label for a token: its last six characters.
///
/// ```
/// assert_eq!(hubspot_deals::mock::token_label("pat-na1-0123456789"), "…456789");
/// ```
pub fn token_label(token: &str) -> String {
    let tail: String = token
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

#[derive(Debug, Clone)]
struct AccessToken {
    expires_at: DateTime<Utc>,
    scopes: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug)]
pub(crate) struct Tokens {
    pub private_apps: HashMap<String, BTreeSet<String>>,
    pub app: Option<OAuthApp>,
    pub oauth_scopes: BTreeSet<String>,
    /// Refresh token -> revoked?
    pub refresh_tokens: HashMap<String, bool>,
    /// Authorization code -> (redirect URI, already used?)
    pub codes: HashMap<String, (String, bool)>,
    pub lifetime: Duration,
    access: HashMap<String, AccessToken>,
    minted: u64,
}

impl Tokens {
    /// No credentials yet; OAuth tokens get `scopes` and live for `lifetime`.
    pub fn new(scopes: BTreeSet<String>, lifetime: Duration) -> Self {
        Self {
            private_apps: HashMap::new(),
            app: None,
            oauth_scopes: scopes,
            refresh_tokens: HashMap::new(),
            codes: HashMap::new(),
            lifetime,
            access: HashMap::new(),
            minted: 0,
        }
    }
}

/// An answer of the token endpoint: status and JSON body.
pub(crate) type TokenAnswer = (u16, Value);

fn oauth_error(error: &str, status: &str, message: &str) -> TokenAnswer {
    (
        400,
        json!({"error": error, "error_description": message, "status": status, "message": message}),
    )
}

impl Tokens {
    /// Checks the `Authorization` header.
    pub fn authenticate(
        &self,
        header: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Caller, ApiError> {
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(ApiError::unauthenticated)?;
        if let Some(scopes) = self.private_apps.get(token) {
            return Ok(Caller {
                kind: TokenKind::PrivateApp,
                label: token_label(token),
                scopes: scopes.clone(),
            });
        }
        let access = self
            .access
            .get(token)
            .ok_or_else(ApiError::unauthenticated)?;
        if now >= access.expires_at {
            let minutes = (now - access.expires_at).num_minutes().max(1);
            return Err(ApiError::expired(minutes));
        }
        Ok(Caller {
            kind: TokenKind::OAuth,
            label: token_label(token),
            scopes: access.scopes.clone(),
        })
    }

    /// `POST /oauth/v1/token` with a form body.
    pub fn token_endpoint(
        &mut self,
        form: &HashMap<String, String>,
        now: DateTime<Utc>,
    ) -> TokenAnswer {
        let Some(app) = self.app.clone() else {
            return oauth_error(
                "invalid_client",
                "BAD_CLIENT_ID",
                "this fake HubSpot has no OAuth app configured",
            );
        };
        let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
        if field("client_id") != Some(app.client_id.as_str()) {
            return oauth_error(
                "invalid_client",
                "BAD_CLIENT_ID",
                "missing or unknown client id",
            );
        }
        if field("client_secret") != Some(app.client_secret.as_str()) {
            return oauth_error(
                "invalid_client",
                "BAD_CLIENT_SECRET",
                "missing or invalid client secret",
            );
        }
        match field("grant_type") {
            Some("refresh_token") => {
                let Some(refresh) = field("refresh_token") else {
                    return oauth_error(
                        "invalid_request",
                        "BAD_REFRESH_TOKEN",
                        "missing or invalid refresh token",
                    );
                };
                match self.refresh_tokens.get(refresh) {
                    Some(false) => {
                        let refresh = refresh.to_string();
                        (200, self.mint(&refresh, now))
                    }
                    _ => oauth_error(
                        "invalid_grant",
                        "BAD_REFRESH_TOKEN",
                        "refresh token is invalid, expired or revoked",
                    ),
                }
            }
            Some("authorization_code") => {
                let (Some(code), Some(redirect)) = (field("code"), field("redirect_uri")) else {
                    return oauth_error(
                        "invalid_request",
                        "BAD_AUTH_CODE",
                        "missing code or redirect_uri",
                    );
                };
                match self.codes.get_mut(code) {
                    Some((expected, used)) if !*used => {
                        if expected != redirect {
                            return oauth_error(
                                "invalid_grant",
                                "BAD_REDIRECT_URI",
                                "redirect_uri does not match",
                            );
                        }
                        *used = true;
                        self.minted += 1;
                        let refresh = format!("fake-refresh-{:04}", self.minted);
                        self.refresh_tokens.insert(refresh.clone(), false);
                        (200, self.mint(&refresh, now))
                    }
                    _ => oauth_error(
                        "invalid_grant",
                        "BAD_AUTH_CODE",
                        "authorization code is invalid, expired or used",
                    ),
                }
            }
            other => oauth_error(
                "unsupported_grant_type",
                "BAD_GRANT_TYPE",
                &format!("unsupported grant_type {:?}", other.unwrap_or("")),
            ),
        }
    }

    fn mint(&mut self, refresh: &str, now: DateTime<Utc>) -> Value {
        self.minted += 1;
        let token = format!("fake-access-{:04}-{}", self.minted, "x".repeat(40));
        let lifetime = chrono::Duration::from_std(self.lifetime).unwrap_or(chrono::Duration::MAX);
        self.access.insert(
            token.clone(),
            AccessToken {
                expires_at: now.checked_add_signed(lifetime).unwrap_or(now),
                scopes: self.oauth_scopes.clone(),
            },
        );
        json!({"token_type": "bearer", "refresh_token": refresh, "access_token": token,
               "expires_in": self.lifetime.as_secs()})
    }

    /// Revokes a refresh token (as when a user uninstalls the app); issued access tokens
    /// stay valid until they expire, as at HubSpot.
    pub fn revoke(&mut self, refresh: &str) -> bool {
        match self.refresh_tokens.get_mut(refresh) {
            Some(revoked) => {
                *revoked = true;
                true
            }
            None => false,
        }
    }
}
