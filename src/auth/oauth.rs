//! OAuth from a refresh token: the access token is cached with its expiry, refreshed a margin
//! before it expires, exactly one refresh runs however many calls wait for it, a still-valid
//! token is kept when a refresh fails, and a 401 drops it.

use super::{TokenStore, Tokens};
use crate::clock::SharedClock;
use crate::error::AuthError;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// HubSpot's token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://api.hubapi.com/oauth/v1/token";

/// After a failed refresh, calls reuse its outcome this long instead of asking again.
const FAILURE_COOLDOWN: Duration = Duration::from_secs(5);

/// OAuth credentials: an app's client id and secret and a user's refresh token.
#[derive(Clone)]
pub struct OAuth {
    client_id: String,
    client_secret: Secret,
    refresh_token: Secret,
    token_url: String,
    refresh_margin: Duration,
    store: Option<Arc<dyn TokenStore>>,
    initial: Option<(Secret, DateTime<Utc>)>,
}

impl OAuth {
    /// Credentials that refresh at HubSpot's token endpoint.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
            token_url: DEFAULT_TOKEN_URL.into(),
            refresh_margin: Duration::from_secs(300),
            store: None,
            initial: None,
        }
    }

    /// Uses another token endpoint (a proxy, or the fake HubSpot's `/oauth/v1/token`).
    #[must_use]
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// Refreshes this long before the access token expires (default 5 minutes).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Hands every newly obtained set of tokens to `store`.
    #[must_use]
    pub fn on_refresh(mut self, store: impl TokenStore + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Starts from an access token obtained earlier (e.g. persisted), used until it nears expiry.
    #[must_use]
    pub fn access_token(mut self, token: impl Into<Secret>, expires_at: DateTime<Utc>) -> Self {
        self.initial = Some((token.into(), expires_at));
        self
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let empty = |what: &str, value: &str| {
            if value.trim().is_empty() {
                Err(format!("the OAuth {what} is empty"))
            } else {
                Ok(())
            }
        };
        empty("client id", &self.client_id)?;
        empty("client secret", self.client_secret.expose())?;
        empty("refresh token", self.refresh_token.expose())?;
        match reqwest::Url::parse(&self.token_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
            _ => Err(format!(
                "the token URL {:?} is not an http(s) URL",
                self.token_url
            )),
        }
    }
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("refresh_token", &self.refresh_token)
            .field("token_url", &self.token_url)
            .field("refresh_margin", &self.refresh_margin)
            .field("on_refresh", &self.store.is_some())
            .finish()
    }
}

/// Posts a form to a token endpoint and reads HubSpot's answer.
pub(crate) async fn token_request(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    now: DateTime<Utc>,
    refresh_token: Option<&Secret>,
) -> Result<Tokens, AuthError> {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = http
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| AuthError::TokenEndpointUnreachable {
            message: e.without_url().to_string(),
        })?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| AuthError::TokenEndpointUnreachable {
            message: e.without_url().to_string(),
        })?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let text = |key: &str| json[key].as_str().map(str::to_string);
    if status != 200 {
        let message = text("message")
            .or_else(|| text("error_description"))
            .unwrap_or_else(|| crate::error::excerpt(&bytes));
        let rejected = matches!(
            text("status").as_deref(),
            Some("BAD_REFRESH_TOKEN" | "BAD_AUTH_CODE")
        ) || text("error").as_deref() == Some("invalid_grant");
        return Err(if rejected {
            AuthError::ReauthorizationRequired { message }
        } else {
            AuthError::TokenEndpoint { status, message }
        });
    }
    let malformed = |what: &str| AuthError::TokenEndpoint {
        status,
        message: format!("the token response lacks {what}"),
    };
    let access_token = text("access_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| malformed("access_token"))?;
    let expires_in = json["expires_in"]
        .as_u64()
        .ok_or_else(|| malformed("expires_in"))?;
    let refresh_token = text("refresh_token")
        .filter(|t| !t.is_empty())
        .map(Secret::new)
        .or_else(|| refresh_token.cloned())
        .ok_or_else(|| malformed("refresh_token"))?;
    let lifetime = chrono::Duration::seconds(
        i64::try_from(expires_in)
            .unwrap_or(i64::MAX / 1000)
            .min(i64::MAX / 1000),
    );
    Ok(Tokens {
        access_token: Secret::new(access_token),
        refresh_token,
        expires_at: now.checked_add_signed(lifetime).unwrap_or(now),
    })
}

/// A cached access token.
#[derive(Clone)]
struct Cached {
    token: Secret,
    expires_at: DateTime<Utc>,
}

/// The outcome of the last refresh, when it failed.
struct Failure {
    at: DateTime<Utc>,
    error: AuthError,
}

/// The running state of OAuth for one client (shared by its clones).
pub(crate) struct Session {
    config: OAuth,
    http: reqwest::Client,
    clock: SharedClock,
    cached: RwLock<Option<Cached>>,
    refresh_token: RwLock<Secret>,
    /// Held while refreshing: the single flight. Holds the last failure, if any.
    refreshing: tokio::sync::Mutex<Option<Failure>>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expires_at = self.read_cache().map(|c| c.expires_at);
        f.debug_struct("Session")
            .field("config", &self.config)
            .field("access_token_expires_at", &expires_at)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn new(config: OAuth, http: reqwest::Client, clock: SharedClock) -> Self {
        let cached = config
            .initial
            .clone()
            .map(|(token, expires_at)| Cached { token, expires_at });
        let refresh_token = config.refresh_token.clone();
        Self {
            config,
            http,
            clock,
            cached: RwLock::new(cached),
            refresh_token: RwLock::new(refresh_token),
            refreshing: tokio::sync::Mutex::new(None),
        }
    }

    fn read_cache(&self) -> Option<Cached> {
        self.cached
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The cached token if it is valid at `now` plus `margin`.
    fn usable(&self, now: DateTime<Utc>, margin: Duration) -> Option<Secret> {
        let cached = self.read_cache()?;
        let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::MAX);
        (cached.expires_at.checked_sub_signed(margin)? > now).then_some(cached.token)
    }

    /// The access token for the next call, refreshing it first when it nears expiry.
    pub async fn bearer(&self) -> Result<Secret, AuthError> {
        if let Some(token) = self.usable(self.clock.now(), self.config.refresh_margin) {
            return Ok(token);
        }
        let mut failure = self.refreshing.lock().await;
        let now = self.clock.now();
        if let Some(token) = self.usable(now, self.config.refresh_margin) {
            return Ok(token);
        }
        let still_valid = self.usable(now, Duration::ZERO);
        if let Some(last) = failure.as_ref()
            && (now - last.at)
                .to_std()
                .is_ok_and(|age| age < FAILURE_COOLDOWN)
        {
            return still_valid.ok_or_else(|| last.error.clone());
        }
        match self.refresh(now).await {
            Ok(token) => {
                *failure = None;
                Ok(token)
            }
            Err(error) => {
                tracing::warn!(error = %error, keeping_valid_token = still_valid.is_some(), "OAuth token refresh failed");
                *failure = Some(Failure {
                    at: now,
                    error: error.clone(),
                });
                still_valid.ok_or(error)
            }
        }
    }

    async fn refresh(&self, now: DateTime<Utc>) -> Result<Secret, AuthError> {
        let refresh_token = self
            .refresh_token
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.expose()),
            ("refresh_token", refresh_token.expose()),
        ];
        let tokens = token_request(
            &self.http,
            &self.config.token_url,
            &form,
            now,
            Some(&refresh_token),
        )
        .await?;
        tracing::debug!(expires_at = %tokens.expires_at, "OAuth access token refreshed");
        *self
            .refresh_token
            .write()
            .unwrap_or_else(|e| e.into_inner()) = tokens.refresh_token.clone();
        *self.cached.write().unwrap_or_else(|e| e.into_inner()) = Some(Cached {
            token: tokens.access_token.clone(),
            expires_at: tokens.expires_at,
        });
        if let Some(store) = &self.config.store {
            store.store(&tokens);
        }
        Ok(tokens.access_token)
    }

    /// Drops the cached token if it is the one HubSpot just rejected.
    pub fn invalidate(&self, rejected: &Secret) {
        let mut cached = self.cached.write().unwrap_or_else(|e| e.into_inner());
        if cached.as_ref().is_some_and(|c| &c.token == rejected) {
            *cached = None;
        }
    }
}
