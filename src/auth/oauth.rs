//! OAuth from a refresh token, or an app's client-credentials grant: the access token is
//! cached with its expiry and obtained again a margin before it expires.
//!
//! - One refresh at a time, detached from any caller: it runs in its own task, so a caller
//!   cancelled mid-refresh aborts nothing, and every waiter gets its result.
//! - A caller that holds a still-valid token never waits: inside the margin it gets the token
//!   and the refresh runs behind it.
//! - A failed refresh is remembered for [`FAILURE_COOLDOWN`] from the moment it failed; callers
//!   without a valid token get its error at once instead of each running a slow refresh again.
//! - The token endpoint's 5xx, 429 and connection failures are retried with backoff.
//! - Token requests never follow redirects (a 307 would re-post the secrets elsewhere), and an
//!   `http://` token URL is refused unless it is loopback.

use super::{TokenStore, Tokens};
use crate::classify;
use crate::clock::SharedClock;
use crate::error::AuthError;
use crate::retry::{self, Decision, RetryPolicy};
use crate::secret::Secret;
use crate::transport;
use chrono::{DateTime, Utc};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;

/// Which of HubSpot's token APIs grants tokens: its current date-versioned one (the
/// default), or an older one. All take the same form and give the same tokens; v1's answer
/// lacks the hub id and scopes.
///
/// ```
/// use hubspot_deals::auth::TokenApi;
/// assert_eq!(TokenApi::default().path(), hubspot_deals::auth::TOKEN_PATH);
/// assert_eq!(TokenApi::named("2026-03").unwrap().path(), "/oauth/2026-03/token");
/// assert_eq!(TokenApi::V1.path(), "/oauth/v1/token");
/// assert!(TokenApi::named("v2").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenApi {
    version: &'static str,
}

impl Default for TokenApi {
    fn default() -> Self {
        Self::CURRENT
    }
}

impl TokenApi {
    /// `POST /oauth/{current}/token`, with introspection and revocation beside it: HubSpot's
    /// current token API (the default).
    pub const CURRENT: TokenApi = TokenApi {
        version: super::OAUTH_VERSION,
    };
    /// `POST /oauth/v1/token`: retired by HubSpot on 2027-02-16.
    pub const V1: TokenApi = TokenApi { version: "v1" };
    /// `POST /oauth/v3/token`: unsupported from September 2027.
    pub const V3: TokenApi = TokenApi { version: "v3" };

    /// The token API of HubSpot's OAuth version `version` (`2026-03`, `v3`), if the registry
    /// knows it.
    pub fn named(version: &str) -> Option<TokenApi> {
        crate::registry::OAUTH
            .versions()
            .into_iter()
            .find(|v| v.name == version)
            .map(|v| TokenApi { version: v.name })
    }

    /// Its version (`2026-09`, `v1`).
    pub fn version(self) -> &'static str {
        self.version
    }

    /// The endpoint's path under the API's base URL.
    pub fn path(self) -> String {
        format!("/oauth/{}/token", self.version)
    }
}

/// Warns once when `token_url` is an OAuth version HubSpot ends soon (`crate::versions`).
fn note_token_api(token_url: &str, clock: &dyn crate::clock::Clock) {
    let Ok(url) = reqwest::Url::parse(token_url) else {
        return;
    };
    if let Ok(found) = crate::registry::find("POST", url.path())
        && found.api.name == crate::registry::OAUTH.name
    {
        let in_use = crate::versions::of(&crate::registry::OAUTH, found.version.name);
        crate::versions::note_version(in_use, clock);
    }
}

/// After a failed refresh, callers without a valid token get its error for this long.
pub const FAILURE_COOLDOWN: Duration = Duration::from_secs(5);

/// OAuth credentials: an app's client id and secret, and a user's refresh token or the
/// app's client-credentials grant.
#[derive(Clone)]
pub struct OAuth {
    client_id: String,
    client_secret: Secret,
    /// A user's refresh token; empty for a client-credentials grant.
    refresh_token: Secret,
    /// The scopes of a client-credentials grant (`None`: the refresh-token grant).
    client_credentials: Option<Vec<String>>,
    token_url: Option<String>,
    token_api: TokenApi,
    refresh_margin: Duration,
    store: Option<Arc<dyn TokenStore>>,
    initial: Option<(Secret, DateTime<Utc>)>,
}

impl OAuth {
    /// Credentials that refresh at the token endpoint of the client's base URL
    /// (`https://api.hubapi.com/oauth/2026-09/token` for HubSpot: [`TOKEN_PATH`](super::TOKEN_PATH)).
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
            client_credentials: None,
            token_url: None,
            token_api: TokenApi::CURRENT,
            refresh_margin: Duration::from_secs(300),
            store: None,
            initial: None,
        }
    }

    /// An app's own token (`grant_type=client_credentials`) with these scopes, as the
    /// webhooks journal asks for (`developer.webhooks_journal.read`, …): no user and no refresh
    /// token; the token is asked again, by one task however many calls wait, a margin
    /// before it expires. The token URL follows the client's base URL like a refresh's.
    ///
    /// ```
    /// use hubspot_deals::auth::{Auth, OAuth};
    /// let journal = Auth::oauth(OAuth::client_credentials(
    ///     "client-id",
    ///     "client-secret",
    ///     ["developer.webhooks_journal.read"],
    /// ));
    /// assert!(!format!("{journal:?}").contains("client-secret"));
    /// ```
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let mut oauth = Self::new(client_id, client_secret, String::new());
        oauth.client_credentials = Some(scopes.into_iter().map(Into::into).collect());
        oauth
    }

    /// Whether it is a client-credentials grant ([`OAuth::client_credentials`]).
    pub fn is_client_credentials(&self) -> bool {
        self.client_credentials.is_some()
    }

    /// Uses this token endpoint instead of the one under the client's base URL. It must be
    /// `https://`, or `http://` on a loopback address.
    #[must_use]
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Refreshes at this token API under the client's base URL (default [`TokenApi::CURRENT`]);
    /// [`OAuth::token_url`] overrides it.
    #[must_use]
    pub fn token_api(mut self, api: TokenApi) -> Self {
        self.token_api = api;
        self
    }

    /// Refreshes this long before the access token expires (default 5 minutes; at most half a
    /// token's lifetime is used, so a short-lived token is not refreshed on every call).
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

    /// The token URL for a client whose API base URL is `base_url`.
    pub(crate) fn resolved_token_url(&self, base_url: &str) -> String {
        self.token_url.clone().unwrap_or_else(|| {
            format!(
                "{}{}",
                base_url.trim_end_matches('/'),
                self.token_api.path()
            )
        })
    }

    /// Checks the credentials and the token URL, without saying what the secrets are.
    pub(crate) fn validate(&self, base_url: &str, allow_plain_http: bool) -> Result<(), String> {
        let empty = |what: &str, value: &str| {
            if value.trim().is_empty() {
                Err(format!("the OAuth {what} is empty"))
            } else {
                Ok(())
            }
        };
        empty("client id", &self.client_id)?;
        empty("client secret", self.client_secret.expose())?;
        match &self.client_credentials {
            None => empty("refresh token", self.refresh_token.expose())?,
            Some(scopes) if scopes.iter().all(|s| s.trim().is_empty()) => {
                return Err("a client-credentials grant needs at least one scope".into());
            }
            Some(_) => {}
        }
        check_token_url(&self.resolved_token_url(base_url), allow_plain_http)
    }
}

/// A token URL must be `https://`, or `http://` on a loopback address (a local fake), unless
/// the client was told to allow plain http ([`ClientBuilder::danger_allow_plain_http`]).
///
/// [`ClientBuilder::danger_allow_plain_http`]: crate::ClientBuilder::danger_allow_plain_http
pub(crate) fn check_token_url(url: &str, allow_plain_http: bool) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("the token URL {url:?} is not a URL ({e})"))?;
    match parsed.scheme() {
        "http" if allow_plain_http => Ok(()),
        _ if transport::may_carry_credentials(&parsed) => Ok(()),
        "http" => Err(format!(
            "the token URL {url:?} is plain http to a host that is not loopback; the client secret \
             and refresh token would travel unencrypted: use https (set OAuth::token_url)"
        )),
        other => Err(format!(
            "the token URL {url:?} has scheme {other}; use https"
        )),
    }
}

/// The largest answer a token endpoint may give: a token response is a few hundred bytes.
const TOKEN_BODY_LIMIT: usize = 64 * 1024;

/// The HTTP client of the token helpers that have no client of their own (the code exchange,
/// introspection, revocation).
pub(crate) fn token_http() -> Result<reqwest::Client, AuthError> {
    transport::client(transport::CONNECT_TIMEOUT, transport::TIMEOUT)
        .map_err(|message| AuthError::TokenEndpointUnreachable { message })
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("refresh_token", &self.refresh_token)
            .field("client_credentials", &self.client_credentials)
            .field("token_url", &self.token_url)
            .field("token_api", &self.token_api)
            .field("refresh_margin", &self.refresh_margin)
            .field("on_refresh", &self.store.is_some())
            .finish()
    }
}

/// Posts a form to one of HubSpot's OAuth endpoints once; its JSON answer (`Null` when the
/// body is empty), or HubSpot's refusal as an [`AuthError`].
pub(crate) async fn post_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    now: DateTime<Utc>,
) -> Result<serde_json::Value, AuthError> {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let unreachable = |e: reqwest::Error| AuthError::TokenEndpointUnreachable {
        message: crate::error::transport_message(&e.without_url()),
    };
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
        .map_err(unreachable)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| classify::retry_after(v, now));
    let response: http::Response<reqwest::Body> = response.into();
    let declared = transport::declared_length(response.headers());
    let bytes = match transport::read_capped(response.into_body(), declared, TOKEN_BODY_LIMIT).await
    {
        Ok(bytes) => bytes,
        Err(transport::Unread::Failed(e)) => return Err(unreachable(e)),
        Err(transport::Unread::TooLarge) => {
            return Err(AuthError::TokenEndpoint {
                status,
                message: format!(
                    "the answer is over {} KiB, more than any token response: is the token \
                     URL HubSpot's?",
                    TOKEN_BODY_LIMIT / 1024
                ),
                retry_after,
            });
        }
    };
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if (200..300).contains(&status) {
        return Ok(json);
    }
    let text = |key: &str| json[key].as_str().map(str::to_string);
    let message = text("message")
        .or_else(|| text("error_description"))
        .unwrap_or_else(|| {
            if (300..400).contains(&status) {
                "a redirect, which token requests never follow".to_string()
            } else {
                crate::error::excerpt(&bytes)
            }
        });
    let rejected = matches!(
        text("status").as_deref(),
        Some("BAD_REFRESH_TOKEN" | "BAD_AUTH_CODE")
    ) || text("error").as_deref() == Some("invalid_grant");
    Err(if rejected {
        AuthError::ReauthorizationRequired { message }
    } else {
        AuthError::TokenEndpoint {
            status,
            message,
            retry_after,
        }
    })
}

/// Posts a form to a token endpoint once and reads the tokens of HubSpot's answer.
pub(crate) async fn token_request(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    now: DateTime<Utc>,
    refresh_token: Option<&Secret>,
) -> Result<Tokens, AuthError> {
    let json = post_form(http, url, form, now).await?;
    let text = |key: &str| json[key].as_str().map(str::to_string);
    // A success answer without what a grant must give.
    let malformed = |what: &str| AuthError::TokenEndpoint {
        status: 200,
        message: format!("the token response lacks {what}"),
        retry_after: None,
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
    // chrono's durations hold up to i64::MAX milliseconds; a longer lifetime is capped.
    const LONGEST: u64 = (i64::MAX / 2_000) as u64;
    let lifetime = chrono::Duration::seconds(expires_in.min(LONGEST) as i64);
    Ok(Tokens {
        access_token: Secret::new(access_token),
        refresh_token,
        expires_at: now.checked_add_signed(lifetime).unwrap_or(now),
    })
}

/// A token request, retried as the policy says on the endpoint's 5xx, 429 and connection
/// failures (a refresh or a code exchange that failed can be asked again).
pub(crate) async fn token_request_with_retries(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    clock: &SharedClock,
    policy: &RetryPolicy,
    refresh_token: Option<&Secret>,
) -> Result<Tokens, AuthError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = token_request(http, url, form, clock.now(), refresh_token).await;
        let class = match &outcome {
            Err(AuthError::TokenEndpoint {
                status,
                retry_after,
                ..
            }) => classify::by_status(*status, *retry_after, || classify::Limit::TenSecondly),
            Err(AuthError::TokenEndpointUnreachable { .. }) => classify::Class::Lost,
            _ => return outcome,
        };
        let input = retry::Input {
            class,
            replay_safe: true,
            attempt,
            throttles: attempt,
            window: Duration::from_secs(10),
            jitter: fastrand::f64(),
        };
        match retry::decide(policy, &input) {
            Decision::Done => return outcome,
            Decision::RetryAfter(wait) => {
                tracing::info!(
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    "token endpoint failed; retrying"
                );
                clock.sleep(wait).await;
            }
        }
    }
}

/// A cached access token.
#[derive(Clone)]
struct Cached {
    token: Secret,
    expires_at: DateTime<Utc>,
    obtained_at: DateTime<Utc>,
}

/// The last refresh, when it failed.
#[derive(Clone)]
struct Failure {
    at: DateTime<Utc>,
    error: AuthError,
}

/// The result every waiter of one refresh receives.
type Refreshed = Option<Result<Secret, AuthError>>;

struct State {
    cached: Option<Cached>,
    refresh_token: Secret,
    /// The refresh in flight, if any.
    in_flight: Option<watch::Receiver<Refreshed>>,
    failure: Option<Failure>,
}

struct Inner {
    config: OAuth,
    token_url: String,
    http: reqwest::Client,
    clock: SharedClock,
    retry: RetryPolicy,
    state: Mutex<State>,
}

/// The running state of OAuth for one client (shared by its clones).
#[derive(Clone)]
pub(crate) struct Session {
    inner: Arc<Inner>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expires_at = self.inner.state().cached.as_ref().map(|c| c.expires_at);
        f.debug_struct("Session")
            .field("config", &self.inner.config)
            .field("token_url", &self.inner.token_url)
            .field("access_token_expires_at", &expires_at)
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// The cached token if it is valid at `now` plus `margin`, the margin being at most half
    /// the token's lifetime.
    fn usable(&self, now: DateTime<Utc>, margin: Duration) -> Option<Secret> {
        let cached = self.cached.as_ref()?;
        let lifetime = (cached.expires_at - cached.obtained_at)
            .to_std()
            .unwrap_or_default();
        let margin =
            chrono::Duration::from_std(margin.min(lifetime / 2)).unwrap_or(chrono::Duration::MAX);
        (cached.expires_at.checked_sub_signed(margin)? > now).then(|| cached.token.clone())
    }

    /// The last failure, while it is recent.
    fn cooling(&self, now: DateTime<Utc>) -> Option<&Failure> {
        self.failure.as_ref().filter(|f| {
            (now - f.at)
                .to_std()
                .is_ok_and(|age| age < FAILURE_COOLDOWN)
                || now < f.at
        })
    }
}

impl Session {
    pub fn new(
        config: OAuth,
        token_url: String,
        http: reqwest::Client,
        clock: SharedClock,
        retry: RetryPolicy,
    ) -> Self {
        let cached = config.initial.clone().map(|(token, expires_at)| Cached {
            token,
            expires_at,
            obtained_at: clock.now().min(expires_at),
        });
        let state = State {
            cached,
            refresh_token: config.refresh_token.clone(),
            in_flight: None,
            failure: None,
        };
        Self {
            inner: Arc::new(Inner {
                config,
                token_url,
                http,
                clock,
                retry,
                state: Mutex::new(state),
            }),
        }
    }

    /// The access token for the next call. A token valid beyond the margin comes at once; one
    /// valid but inside the margin comes at once too while a refresh runs behind it; without a
    /// valid token the caller waits for the refresh in flight (starting one if none runs).
    pub async fn bearer(&self) -> Result<Secret, AuthError> {
        let mut receiver = {
            let mut state = self.inner.state();
            let now = self.inner.clock.now();
            if let Some(token) = state.usable(now, self.inner.config.refresh_margin) {
                return Ok(token);
            }
            if let Some(valid) = state.usable(now, Duration::ZERO) {
                if state.in_flight.is_none() && state.cooling(now).is_none() {
                    self.start(&mut state);
                }
                return Ok(valid);
            }
            match (&state.in_flight, state.cooling(now)) {
                (Some(receiver), _) => receiver.clone(),
                (None, Some(failure)) => return Err(failure.error.clone()),
                (None, None) => self.start(&mut state),
            }
        };
        match receiver.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or_else(|| Err(abandoned())),
            Err(_) => Err(abandoned()),
        }
    }

    /// Starts the one refresh, in its own task.
    fn start(&self, state: &mut State) -> watch::Receiver<Refreshed> {
        let (sender, receiver) = watch::channel(None);
        state.in_flight = Some(receiver.clone());
        let refresh_token = state.refresh_token.clone();
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let outcome = inner.refresh(&refresh_token).await;
            let result = inner.finish(outcome);
            let _ = sender.send(Some(result));
        });
        receiver
    }

    /// Drops the cached token if it is the one HubSpot just rejected.
    pub fn invalidate(&self, rejected: &Secret) {
        let mut state = self.inner.state();
        if state.cached.as_ref().is_some_and(|c| &c.token == rejected) {
            state.cached = None;
        }
    }
}

fn abandoned() -> AuthError {
    AuthError::TokenEndpointUnreachable {
        message: "the token refresh was abandoned (is the tokio runtime shutting down?)".into(),
    }
}

impl Inner {
    async fn refresh(&self, refresh_token: &Secret) -> Result<Tokens, AuthError> {
        note_token_api(&self.token_url, self.clock.as_ref());
        if let Some(scopes) = &self.config.client_credentials {
            let scope = scopes.join(" ");
            let form = [
                ("grant_type", "client_credentials"),
                ("client_id", self.config.client_id.as_str()),
                ("client_secret", self.config.client_secret.expose()),
                ("scope", scope.as_str()),
            ];
            // The grant gives no refresh token: the tokens carry an empty one.
            let none = Secret::new(String::new());
            return token_request_with_retries(
                &self.http,
                &self.token_url,
                &form,
                &self.clock,
                &self.retry,
                Some(&none),
            )
            .await;
        }
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.expose()),
            ("refresh_token", refresh_token.expose()),
        ];
        token_request_with_retries(
            &self.http,
            &self.token_url,
            &form,
            &self.clock,
            &self.retry,
            Some(refresh_token),
        )
        .await
    }

    /// Records a refresh's outcome; every waiter gets the returned result.
    fn finish(&self, outcome: Result<Tokens, AuthError>) -> Result<Secret, AuthError> {
        let now = self.clock.now();
        let mut state = self.state();
        state.in_flight = None;
        match outcome {
            Ok(tokens) => {
                tracing::debug!(
                    expires_at = %tokens.expires_at,
                    client_credentials = self.config.client_credentials.is_some(),
                    "OAuth access token obtained"
                );
                state.refresh_token = tokens.refresh_token.clone();
                state.cached = Some(Cached {
                    token: tokens.access_token.clone(),
                    expires_at: tokens.expires_at,
                    obtained_at: now,
                });
                state.failure = None;
                drop(state);
                if let Some(store) = &self.config.store {
                    store.store(&tokens);
                }
                Ok(tokens.access_token)
            }
            Err(error) => {
                let keeping = state.usable(now, Duration::ZERO).is_some();
                tracing::warn!(error = %error, keeping_valid_token = keeping, "OAuth token refresh failed");
                state.failure = Some(Failure {
                    at: now,
                    error: error.clone(),
                });
                Err(error)
            }
        }
    }
}
