//! The handwritten runtime every generated call goes through: Progenitor's hooks, and the
//! state they share (the generated client's inner type).
//!
//! One call, step by step (each step a function of its own):
//! 1. [`admit`]: a rate-limit permit for the operation's budget, then the bearer token (taken
//!    after the permit, right before sending), for the first attempt in the `pre` hook and
//!    for every replay in `exec`;
//! 2. [`send`]: one attempt, body read whole up to a cap;
//! 3. observe: HubSpot's rate-limit headers teach the limiter;
//! 4. [`classify`](crate::classify): what the answer means;
//! 5. [`decide`](crate::retry): done, or how long to wait before a replay (only where the
//!    operation table says a replay is safe);
//! 6. replay: the same request again, byte for byte; a 401 under OAuth refreshes and replays
//!    once.
//!
//! The typed `send()` the generated builders expose runs this inside [`call`], which keeps
//! what the runtime learned (the error it met, the status it returned) for the error the
//! caller gets. Each call is one `tracing` span with its operation, attempts, status,
//! correlation id and the time spent waiting; tokens never appear in it.

mod attempt;
pub(crate) mod call;
mod run;

use crate::auth::{self, Auth, Session};
use crate::clock::SharedClock;
use crate::error::Error;
use crate::operations::Budget;
use crate::rate_limit::{InFlight, Limiter, RateLimit, Refused, SharedBudget};
use crate::retry::RetryPolicy;
use progenitor_client::OperationInfo;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How calls get their `Authorization` header.
enum Credentials {
    /// A Service Key's or private app's token: the header is built once (and marked
    /// sensitive), with the kind of credential for `Debug`.
    Static(HeaderValue, &'static str),
    OAuth(Session),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static(_, kind) => write!(f, "{kind}(<redacted>)"),
            Self::OAuth(session) => f.debug_tuple("OAuth").field(session).finish(),
        }
    }
}

impl Credentials {
    /// The header for the next attempt.
    async fn authorization(&self) -> Result<HeaderValue, Error> {
        match self {
            Self::Static(value, _) => Ok(value.clone()),
            Self::OAuth(session) => {
                let token = session.bearer().await.map_err(Error::Auth)?;
                auth::header_value(&token).map_err(Error::Other)
            }
        }
    }
}

/// The HTTP settings the runtime needs to know.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The per-attempt timeout, when the client was built with it (for error messages).
    pub timeout: Option<Duration>,
    /// The largest response body read.
    pub max_body: usize,
}

/// The state every call of a [`Client`](crate::Client) shares: credentials, the rate limiter,
/// the retry policy and the clock. Cheap to clone; clones share everything.
///
/// It is built by [`ClientBuilder`](crate::ClientBuilder) and has no public constructor.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    credentials: Credentials,
    limiter: Arc<Limiter>,
    retry: RetryPolicy,
    clock: SharedClock,
    limits: Limits,
    /// Attempts sent (every replay counted), for [`Runtime::calls_sent`].
    sent: AtomicU64,
}

/// How the runtime authenticates, with what it needs for OAuth.
pub(crate) struct AuthSetup {
    pub auth: Auth,
    /// The token URL OAuth refreshes at.
    pub token_url: String,
    /// The client for token requests (never follows redirects).
    pub token_http: reqwest::Client,
}

impl Runtime {
    /// Fails only for a private-app token that cannot be a header (`Auth::validate` checks it).
    pub(crate) fn new(
        setup: AuthSetup,
        limit: RateLimit,
        shared: Option<SharedBudget>,
        retry: RetryPolicy,
        clock: SharedClock,
        limits: Limits,
    ) -> Result<Self, String> {
        let credentials = match setup.auth {
            Auth::PrivateApp(token) => {
                Credentials::Static(auth::header_value(&token)?, "PrivateApp")
            }
            Auth::ServiceKey(key) => Credentials::Static(auth::header_value(&key)?, "ServiceKey"),
            Auth::OAuth(oauth) => Credentials::OAuth(Session::new(
                oauth,
                setup.token_url,
                setup.token_http,
                clock.clone(),
                retry,
            )),
        };
        Ok(Self {
            shared: Arc::new(Shared {
                credentials,
                limiter: Limiter::new(limit, clock.clone(), shared),
                retry,
                clock,
                limits,
                sent: AtomicU64::new(0),
            }),
        })
    }

    /// The clock the runtime keeps time by.
    pub(crate) fn clock(&self) -> &SharedClock {
        &self.shared.clock
    }

    /// The retry policy calls follow.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.shared.retry
    }

    /// The HTTP requests this client (and its clones) has sent to HubSpot's API, retries
    /// included: what a run spent of the account's budget. Token refreshes are not counted.
    pub fn calls_sent(&self) -> u64 {
        self.shared.sent.load(Ordering::Relaxed)
    }

    /// The calls per second the ten-second budget allows now (`None`: unlimited).
    pub(crate) fn calls_per_second(&self) -> Option<f64> {
        self.shared.limiter.rate(Budget::TenSecondly)
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("credentials", &self.shared.credentials)
            .field("retry", &self.shared.retry)
            .finish_non_exhaustive()
    }
}

/// Step 1: a permit for `budget`, then the token, on `request`. The permit is spent at the
/// moment this returns (the call goes out next) and held until the call is answered (drop
/// the [`InFlight`] then); a failure spends nothing. Also returns how long it waited.
async fn admit(
    shared: &Shared,
    budget: Budget,
    request: &mut reqwest::Request,
) -> Result<(Duration, InFlight), Error> {
    let permit = shared
        .limiter
        .acquire(budget)
        .await
        .map_err(|refused| match refused {
            Refused::TooLong { wait, max_wait } => Error::RateLimitWait {
                operation: None,
                wait,
                max_wait,
            },
            Refused::Unavailable { name, reason } => Error::SharedBudgetUnavailable {
                operation: None,
                name: name.to_string(),
                reason,
            },
        })?;
    let value = shared.credentials.authorization().await?;
    request.headers_mut().insert(AUTHORIZATION, value);
    let waited = permit.waited();
    shared.sent.fetch_add(1, Ordering::Relaxed);
    Ok((waited, permit.sent()))
}

/// The first attempt's admission, Progenitor's `pre` hook for every generated client. A
/// failure here (no token, a wait beyond the maximum) ends the call before anything is sent.
pub(crate) async fn pre_hook<E>(
    runtime: &Runtime,
    request: &mut reqwest::Request,
    info: &OperationInfo,
) -> Result<(), progenitor_client::Error<E>> {
    let shared = &runtime.shared;
    let policy = crate::operations::CallPolicy::of(info.operation_id, request.method());
    crate::versions::note_call(info.operation_id, shared.clock.as_ref());
    call::note_server(request.url());
    match admit(shared, policy.budget, request).await {
        Ok((waited, in_flight)) => {
            call::note_start(&policy, shared.limits.timeout, waited);
            call::hold(in_flight);
            Ok(())
        }
        Err(error) => {
            call::note_start(&policy, shared.limits.timeout, Duration::ZERO);
            let text = match &error {
                Error::Auth(auth) => auth.to_custom(),
                other => other.to_string(),
            };
            call::fail(error);
            Err(progenitor_client::Error::Custom(text))
        }
    }
}

/// The attempts (send, observe, classify, decide, replay): Progenitor's `exec` hook for
/// every generated client.
pub(crate) async fn exec_hook(
    runtime: &Runtime,
    client: &reqwest::Client,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    run::run(&runtime.shared, client, request, info.operation_id).await
}

/// The runtime's hooks on a generated client (deals, or an API around deals): each API's
/// module registers its own client with this, through `generated_client!`.
macro_rules! hooks {
    ($client:ty) => {
        impl progenitor_client::ClientHooks<$crate::runtime::Runtime> for $client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                let runtime = progenitor_client::ClientInfo::inner(self);
                $crate::runtime::pre_hook(runtime, request, info).await
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                let runtime = progenitor_client::ClientInfo::inner(self);
                let client = progenitor_client::ClientInfo::client(self);
                $crate::runtime::exec_hook(runtime, client, request, info).await
            }
        }
    };
}
pub(crate) use hooks;

/// What a generated client of another API is made of, taken from a deals client: its base
/// URL, HTTP client and runtime, so it shares credentials, budget and retries.
pub(crate) fn parts(client: &crate::Client) -> (&str, reqwest::Client, Runtime) {
    (
        progenitor_client::ClientInfo::baseurl(client),
        progenitor_client::ClientInfo::client(client).clone(),
        progenitor_client::ClientInfo::inner(client).clone(),
    )
}
