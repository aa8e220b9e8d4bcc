//! Building a [`Client`]: base URL, credentials, timeouts and the HTTP stack.

use crate::auth::{Auth, OAuth};
use crate::clock::{SharedClock, SystemClock};
use crate::generated::Client;
use crate::rate_limit::{RateLimit, SharedBudget};
use crate::retry::RetryPolicy;
use crate::runtime::{AuthSetup, Limits, Runtime};
use crate::secret::Secret;
use crate::transport;
use std::fmt;
use std::time::Duration;

/// HubSpot's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

/// The default cap on a response body: HubSpot's largest pages are well under 10 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Configures and builds a [`Client`].
///
/// ```
/// use hubspot_deals::ClientInfo;
/// use std::time::Duration;
/// let client = hubspot_deals::Client::builder()
///     .private_app_token("pat-na1-00000000-0000-0000-0000-000000000000")
///     .base_url("http://127.0.0.1:8080")
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// assert_eq!(client.baseurl(), "http://127.0.0.1:8080");
/// # Ok::<(), hubspot_deals::BuildError>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    auth: Option<Auth>,
    connect_timeout: Duration,
    timeout: Duration,
    http: Option<reqwest::Client>,
    rate_limit: RateLimit,
    shared_budget: Option<SharedBudget>,
    retry: RetryPolicy,
    clock: SharedClock,
    max_response_bytes: usize,
    allow_plain_http: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.into(),
            auth: None,
            connect_timeout: transport::CONNECT_TIMEOUT,
            timeout: transport::TIMEOUT,
            http: None,
            rate_limit: RateLimit::default(),
            shared_budget: None,
            retry: RetryPolicy::default(),
            clock: std::sync::Arc::new(SystemClock),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_plain_http: false,
        }
    }
}

impl ClientBuilder {
    /// Sends calls to this base URL instead of `https://api.hubapi.com` (a proxy, or the fake
    /// HubSpot). A trailing `/` is ignored. It must be `https://`, or `http://` to a loopback
    /// address (`127.0.0.1`, `[::1]`, `localhost`): the client's token travels with every call.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Authenticates with a private app's access token.
    pub fn private_app_token(self, token: impl Into<Secret>) -> Self {
        self.auth(Auth::private_app(token))
    }

    /// Authenticates with a Service Key, which replaces private apps for system-to-system
    /// work since HubSpot stopped letting accounts create private apps (October 2026). It is
    /// sent as a bearer token; [`auth::SCOPES`](crate::auth::SCOPES) lists the scopes to give it.
    ///
    /// ```
    /// let client = hubspot_deals::Client::builder()
    ///     .service_key("a-service-key")
    ///     .build()
    ///     .unwrap();
    /// # drop(client);
    /// ```
    pub fn service_key(self, key: impl Into<Secret>) -> Self {
        self.auth(Auth::service_key(key))
    }

    /// Authenticates with OAuth from a refresh token. Unless the `OAuth` sets its own token
    /// URL, it refreshes at [`auth::TOKEN_PATH`](crate::auth::TOKEN_PATH) (HubSpot's current
    /// token API) under this client's base URL, so a client pointed at a proxy or the fake
    /// never sends the client secret to HubSpot itself.
    pub fn oauth(self, oauth: OAuth) -> Self {
        self.auth(Auth::oauth(oauth))
    }

    /// Keeps calls within these budgets (default [`RateLimit::FREE_STARTER`]; the limiter also
    /// follows HubSpot's `X-HubSpot-RateLimit-*` headers).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Spends the budgets together with every other process given the same shared budget
    /// (the same store and name): see [`SharedBudget`]. Every process still sets the same
    /// [`RateLimit`]; the shared store enforces it for all of them together.
    pub fn shared_budget(mut self, shared: SharedBudget) -> Self {
        self.shared_budget = Some(shared);
        self
    }

    /// Retries as this policy says (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Uses this clock for token expiry, rate limits and retry waits (tests inject a
    /// [`ManualClock`](crate::clock::ManualClock)).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Authenticates as `auth` says.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from sending to the end of the body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Uses this `reqwest::Client` (your proxy, TLS or pool settings) for API calls instead of
    /// building one; the timeouts above are then the ones configured on it. OAuth token
    /// requests still go through a client of the crate's own, which never follows redirects.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The largest response body the client reads (default 16 MiB); a larger one fails the
    /// call with [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Lets the client send its token (and an OAuth app's secret and refresh token) over plain
    /// `http://` to a host that is not this machine: a fake HubSpot on another host of a
    /// test network. Anyone on the network path can read and reuse them; never use it with
    /// real credentials.
    pub fn danger_allow_plain_http(mut self) -> Self {
        self.allow_plain_http = true;
        self
    }

    /// Builds the client, checking the base URL and credentials.
    pub fn build(self) -> Result<Client, BuildError> {
        let auth = self.auth.ok_or(BuildError::MissingAuth)?;
        let base_url = checked_base_url(&self.base_url, self.allow_plain_http)?;
        auth.validate(&base_url, self.allow_plain_http)
            .map_err(BuildError::InvalidCredentials)?;
        let token_url = match &auth {
            Auth::OAuth(oauth) => oauth.resolved_token_url(&base_url),
            Auth::PrivateApp(_) | Auth::ServiceKey(_) => String::new(),
        };
        let token_http =
            transport::client(self.connect_timeout, self.timeout).map_err(BuildError::Tls)?;
        let (http, timeout) = match self.http {
            Some(client) => (client, None),
            None => (token_http.clone(), Some(self.timeout)),
        };
        let setup = AuthSetup {
            auth,
            token_url,
            token_http,
        };
        let limits = Limits {
            timeout,
            max_body: self.max_response_bytes,
        };
        let runtime = Runtime::new(
            setup,
            self.rate_limit,
            self.shared_budget,
            self.retry,
            self.clock,
            limits,
        )
        .map_err(BuildError::InvalidCredentials)?;
        Ok(Client::new_with_client(&base_url, http, runtime))
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("custom_http_client", &self.http.is_some())
            .field("rate_limit", &self.rate_limit)
            .field("shared_budget", &self.shared_budget)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("allow_plain_http", &self.allow_plain_http)
            .finish()
    }
}

fn checked_base_url(url: &str, allow_plain_http: bool) -> Result<String, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidBaseUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment"));
    }
    if !allow_plain_http && !transport::may_carry_credentials(&parsed) {
        return Err(invalid(
            "it is plain http to a host that is not this machine, so the token would travel \
             unencrypted: use https (plain http is allowed to 127.0.0.1, [::1] and localhost; \
             ClientBuilder::danger_allow_plain_http allows it anywhere, for a test network)",
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

impl Client {
    /// Starts configuring a client; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The requests this client and its clones have sent to HubSpot's API, retries included
    /// (token refreshes not counted): what a job spent of the account's budget.
    ///
    /// ```
    /// let client = hubspot_deals::Client::builder()
    ///     .private_app_token("pat-na1-00000000-0000-0000-0000-000000000000")
    ///     .build()?;
    /// assert_eq!(client.calls_sent(), 0);
    /// # Ok::<(), hubspot_deals::BuildError>(())
    /// ```
    pub fn calls_sent(&self) -> u64 {
        use progenitor_client::ClientInfo;
        self.inner().calls_sent()
    }
}

/// Why a [`Client`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// No credentials were given.
    MissingAuth,
    /// The credentials cannot be used (the reason never contains them).
    InvalidCredentials(String),
    /// The base URL is not an http(s) URL.
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP or TLS stack could not be set up.
    Tls(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingAuth => f.write_str(
                "no credentials: call .service_key(..), .private_app_token(..) or .auth(..) on the builder",
            ),
            Self::InvalidCredentials(reason) => write!(f, "unusable credentials: {reason}"),
            Self::InvalidBaseUrl { url, reason } => write!(
                f,
                "invalid base URL {url:?}: {reason} (expected e.g. https://api.hubapi.com)"
            ),
            Self::Tls(reason) => write!(f, "cannot set up HTTPS: {reason}"),
        }
    }
}

impl std::error::Error for BuildError {}
