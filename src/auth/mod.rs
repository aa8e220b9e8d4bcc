//! How calls authenticate: a Service Key or a private app's token (static bearer tokens), or
//! OAuth from a refresh token or an app's client-credentials grant (what the webhooks journal
//! takes), with the access token cached and obtained again ahead of expiry, one request at a
//! time.
//!
//! Since October 2026 HubSpot accounts can no longer create private apps (existing ones keep
//! working); Service Keys replace them for system-to-system work, are scoped the same way and
//! are sent the same way. The scopes each kind of work needs are in [`SCOPES`].
//!
//! ```
//! use hubspot_deals::auth::{Auth, OAuth};
//! let private = Auth::private_app("pat-na1-00000000-0000-0000-0000-000000000000");
//! let key = Auth::service_key("service-key-from-development-keys");
//! let oauth = Auth::oauth(
//!     OAuth::new("client-id", "client-secret", "refresh-token")
//!         .on_refresh(|tokens: &hubspot_deals::auth::Tokens| {
//!             // Persist tokens.refresh_token.expose() and tokens.access_token.expose() here.
//!             let _ = tokens;
//!         }),
//! );
//! assert!(!format!("{private:?}{key:?}{oauth:?}").contains("client-secret"));
//! assert!(!format!("{key:?}").contains("development-keys"));
//! ```

mod authorize;
mod introspect;
mod oauth;

pub use authorize::{AuthorizeUrl, DEFAULT_SCOPES, exchange_code};
pub use introspect::{TokenInfo, TokenUse, introspect, revoke};
pub(crate) use oauth::Session;
pub use oauth::{FAILURE_COOLDOWN, OAuth, TokenApi};

// The OAuth version and endpoint paths the client uses, from the registry (`build.rs` writes
// them): `OAUTH_VERSION`, `TOKEN_PATH`, `INTROSPECT_PATH`, `REVOKE_PATH`, `DEFAULT_TOKEN_URL`.
include!(concat!(env!("OUT_DIR"), "/oauth_paths.rs"));

use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::fmt;

/// How the client authenticates its calls.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// A private app's access token (`pat-na1-…`): static, sent as `Authorization: Bearer`.
    PrivateApp(Secret),
    /// A Service Key (HubSpot: Development > Keys > Service keys): static, sent as
    /// `Authorization: Bearer`, scoped like a private app.
    ServiceKey(Secret),
    /// OAuth from a refresh token.
    OAuth(OAuth),
}

impl Auth {
    /// Authenticates with a private app's access token.
    pub fn private_app(token: impl Into<Secret>) -> Self {
        Self::PrivateApp(token.into())
    }

    /// Authenticates with a Service Key, the successor of private apps for system-to-system
    /// work.
    pub fn service_key(key: impl Into<Secret>) -> Self {
        Self::ServiceKey(key.into())
    }

    /// Authenticates with OAuth.
    pub fn oauth(oauth: OAuth) -> Self {
        Self::OAuth(oauth)
    }

    /// Checks the credentials can be used at all, without saying what they are, for a client
    /// whose API base URL is `base_url`.
    pub(crate) fn validate(&self, base_url: &str, allow_plain_http: bool) -> Result<(), String> {
        match self {
            Self::PrivateApp(token) | Self::ServiceKey(token) => header_value(token).map(drop),
            Self::OAuth(oauth) => oauth.validate(base_url, allow_plain_http),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PrivateApp(token) => f.debug_tuple("PrivateApp").field(token).finish(),
            Self::ServiceKey(key) => f.debug_tuple("ServiceKey").field(key).finish(),
            Self::OAuth(oauth) => f.debug_tuple("OAuth").field(oauth).finish(),
        }
    }
}

/// The scopes a Service Key, private app or OAuth app needs for each kind of work, as
/// HubSpot's documents list them: (work, scopes). A call without one answers 403
/// `MISSING_SCOPES`, whose error names the scope to add
/// ([`ApiError::required_scopes`](crate::ApiError::required_scopes)).
pub const SCOPES: &[(&str, &[&str])] = &[
    (
        "read deals (list, read, search, batch read)",
        &["crm.objects.deals.read"],
    ),
    (
        "write deals (create, update, archive, merge, batch writes, associate)",
        &["crm.objects.deals.write"],
    ),
    (
        "read deal pipelines and stages",
        &["crm.objects.deals.read"],
    ),
    (
        "read deal property definitions",
        &["crm.schemas.deals.read"],
    ),
    (
        "create or change deal pipelines and stages",
        &["crm.schemas.deals.write"],
    ),
    ("create deal properties", &["crm.schemas.deals.write"]),
    (
        "read associations with contacts",
        &["crm.objects.deals.read", "crm.objects.contacts.read"],
    ),
    (
        "read associations with companies",
        &["crm.objects.deals.read", "crm.objects.companies.read"],
    ),
    (
        "read associations with line items",
        &["crm.objects.deals.read", "crm.objects.line_items.read"],
    ),
    // The journal's, as HubSpot's guide names them for a client-credentials token (its
    // OpenAPI document says `webhooks-journal-data-access`, …).
    (
        "read the webhooks journal (an app's client-credentials token)",
        &["developer.webhooks_journal.read"],
    ),
    (
        "manage the webhooks journal's subscriptions",
        &[
            "developer.webhooks_journal.subscriptions.read",
            "developer.webhooks_journal.subscriptions.write",
        ],
    ),
    (
        "ask for CRM snapshots into the webhooks journal",
        &[
            "developer.webhooks_journal.snapshots.read",
            "developer.webhooks_journal.snapshots.write",
        ],
    ),
];

/// Tokens from HubSpot's token endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tokens {
    /// The access token sent with calls.
    pub access_token: Secret,
    /// The refresh token to keep (HubSpot's do not rotate today; if one does, this is the new
    /// one); empty for a client-credentials grant, which has none.
    pub refresh_token: Secret,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
}

/// Receives refreshed tokens, so a service can persist them.
///
/// Any `Fn(&Tokens) + Send + Sync` is one. It is called inside the refresh, so it should
/// return quickly (hand the tokens to a task if persisting is slow).
pub trait TokenStore: Send + Sync {
    /// Called with every newly obtained set of tokens.
    fn store(&self, tokens: &Tokens);
}

impl<F: Fn(&Tokens) + Send + Sync> TokenStore for F {
    fn store(&self, tokens: &Tokens) {
        self(tokens)
    }
}

/// `Bearer <token>`, marked sensitive so HTTP-level logging never prints it.
pub(crate) fn header_value(token: &Secret) -> Result<reqwest::header::HeaderValue, String> {
    if token.expose().trim().is_empty() {
        return Err("the token is empty".into());
    }
    let mut value = reqwest::header::HeaderValue::try_from(format!("Bearer {}", token.expose()))
        .map_err(|_| {
            "the token contains characters that cannot be sent in an HTTP header \
         (a line break or a control character?); copy it again from HubSpot"
                .to_string()
        })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_header_is_sensitive_and_logs_without_the_token() {
        let token = Secret::new("pat-na1-00000000-1111-2222-3333-444444444444");
        let value = header_value(&token).unwrap();
        assert!(value.is_sensitive());
        // What an HTTP logging layer prints when it logs the request's headers.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, value);
        let logged = format!("{headers:?}");
        assert!(logged.contains("Sensitive"), "{logged}");
        assert!(!logged.contains("444444444444"), "{logged}");
    }

    #[test]
    fn unusable_tokens_are_refused_without_being_shown() {
        for token in ["", "   "] {
            assert_eq!(
                header_value(&Secret::new(token)).unwrap_err(),
                "the token is empty"
            );
        }
        for token in ["pat-na1-abc\ndef", "pat-na1-abc\u{7f}def"] {
            let reason = header_value(&Secret::new(token)).unwrap_err();
            assert!(
                reason.contains("cannot be sent in an HTTP header"),
                "{reason}"
            );
            assert!(!reason.contains("abc"), "{reason}");
        }
    }
}
