//! The authorization-code flow's manual steps: the URL to send the user to, and the exchange
//! of the code HubSpot redirects back with for tokens.

use super::Tokens;
use super::oauth::{check_token_url, token_http, token_request};
use crate::error::AuthError;
use crate::secret::Secret;
use chrono::Utc;

/// The scopes asked for unless others are given: reading and writing deals, and reading
/// their property definitions (what exports of every property and the CLI read).
pub const DEFAULT_SCOPES: &[&str] = &[
    crate::registry::DEALS_READ,
    crate::registry::DEALS_WRITE,
    crate::registry::SCHEMAS_READ,
];

const AUTHORIZE_URL: &str = "https://app.hubspot.com/oauth/authorize";

/// The URL that asks a user to install the app, with a random `state` against CSRF.
///
/// ```
/// use hubspot_deals::auth::AuthorizeUrl;
/// let request = AuthorizeUrl::new("client-id", "http://localhost:8765/callback")
///     .optional_scope("crm.objects.contacts.read");
/// let url = request.url();
/// assert!(url.starts_with("https://app.hubspot.com/oauth/authorize?client_id=client-id"));
/// assert!(url.contains("scope=crm.objects.deals.read+crm.objects.deals.write"));
/// assert!(url.contains(&format!("state={}", request.state())));
/// // Keep request.state() and compare it with the `state` HubSpot redirects back with.
/// ```
#[derive(Debug, Clone)]
pub struct AuthorizeUrl {
    endpoint: String,
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    optional_scopes: Vec<String>,
    state: String,
}

impl AuthorizeUrl {
    /// For this app and redirect URI, with the deal read and write scopes and a random state.
    pub fn new(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            endpoint: AUTHORIZE_URL.into(),
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scopes: DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
            optional_scopes: Vec::new(),
            state: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// Replaces the required scopes.
    #[must_use]
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a scope the user may decline.
    #[must_use]
    pub fn optional_scope(mut self, scope: impl Into<String>) -> Self {
        self.optional_scopes.push(scope.into());
        self
    }

    /// Uses this `state` instead of a random one.
    #[must_use]
    pub fn with_state(mut self, state: impl Into<String>) -> Self {
        self.state = state.into();
        self
    }

    /// Sends the user to another authorize endpoint (e.g. a fake).
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = url.into();
        self
    }

    /// The `state` to expect back.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The URL to open.
    pub fn url(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("client_id", &self.client_id);
        query.append_pair("redirect_uri", &self.redirect_uri);
        query.append_pair("scope", &self.scopes.join(" "));
        if !self.optional_scopes.is_empty() {
            query.append_pair("optional_scope", &self.optional_scopes.join(" "));
        }
        query.append_pair("state", &self.state);
        format!("{}?{}", self.endpoint, query.finish())
    }
}

/// Exchanges the `code` HubSpot redirected back with for tokens, at `token_url`
/// ([`DEFAULT_TOKEN_URL`](super::DEFAULT_TOKEN_URL) for HubSpot).
///
/// A used, expired or unknown code is [`AuthError::ReauthorizationRequired`]: send the user
/// through [`AuthorizeUrl`] again.
pub async fn exchange_code(
    token_url: &str,
    client_id: &str,
    client_secret: &Secret,
    redirect_uri: &str,
    code: &str,
) -> Result<Tokens, AuthError> {
    check_token_url(token_url, false).map_err(|message| AuthError::InvalidTokenUrl { message })?;
    let http = token_http()?;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id),
        ("client_secret", client_secret.expose()),
        ("redirect_uri", redirect_uri),
        ("code", code),
    ];
    token_request(&http, token_url, &form, Utc::now(), None).await
}
