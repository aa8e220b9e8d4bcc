//! Errors a call can end in, with everything HubSpot sent: the public types here, what a
//! transport failure was in [`transport`], and the bridge from the generated code's error in
//! [`generated`].
//!
//! Every generated method's `send()` returns [`Error`]: `?` gives the message and the
//! predicates with no conversion.
//!
//! ```no_run
//! use hubspot_deals::{Category, Client, Error};
//!
//! async fn dealname(client: &Client, id: &str) -> Result<Option<String>, Error> {
//!     match client.get_by_id().deal_id(id).send().await {
//!         Ok(deal) => Ok(deal.properties.get("dealname").cloned().flatten()),
//!         // Not found: no such deal (or it is archived).
//!         Err(e) if e.is_not_found() => Ok(None),
//!         // Validation: HubSpot says what was wrong, property by property.
//!         Err(Error::Api(api)) if api.category == Some(Category::ValidationError) => {
//!             for detail in &api.errors {
//!                 eprintln!("{}: {}", detail.code.as_deref().unwrap_or("?"), detail.message);
//!             }
//!             Err(Error::Api(api))
//!         }
//!         // Rate limited even after the client's own retries.
//!         Err(e) if e.is_rate_limited() => Err(e),
//!         // The refresh token was revoked: the user must authorize the app again.
//!         Err(e) if e.needs_reauthorization() => Err(e),
//!         // The token lacks a scope (403 MISSING_SCOPES).
//!         Err(e) if e.is_missing_scopes() => Err(e),
//!         Err(e) => Err(e),
//!     }
//! }
//! ```

mod generated;
mod transport;

pub(crate) use transport::transport_message as with_causes;

pub(crate) use generated::{CallFacts, EXCERPT_KEY, excerpt};
pub(crate) use transport::transport_message;

use crate::types;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// HubSpot's error category, with a fallback for values this crate does not know yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// `VALIDATION_ERROR`: the request was wrong; see `errors`.
    ValidationError,
    /// `OBJECT_NOT_FOUND`.
    ObjectNotFound,
    /// `RATE_LIMITS` (HubSpot's search limit; its other 429s carry no category).
    RateLimits,
    /// `INVALID_AUTHENTICATION`: no or unknown credentials.
    InvalidAuthentication,
    /// `EXPIRED_AUTHENTICATION`: an expired OAuth access token.
    ExpiredAuthentication,
    /// `MISSING_SCOPES`: the token lacks a scope the call needs.
    MissingScopes,
    /// `CONFLICT`.
    Conflict,
    /// `OBJECT_ALREADY_EXISTS`.
    ObjectAlreadyExists,
    /// Any other category, as HubSpot spelled it.
    Other(String),
}

impl Category {
    /// Reads HubSpot's spelling.
    pub fn parse(value: &str) -> Self {
        match value {
            "VALIDATION_ERROR" => Self::ValidationError,
            "OBJECT_NOT_FOUND" => Self::ObjectNotFound,
            "RATE_LIMITS" => Self::RateLimits,
            "INVALID_AUTHENTICATION" => Self::InvalidAuthentication,
            "EXPIRED_AUTHENTICATION" => Self::ExpiredAuthentication,
            "MISSING_SCOPES" => Self::MissingScopes,
            "CONFLICT" => Self::Conflict,
            "OBJECT_ALREADY_EXISTS" => Self::ObjectAlreadyExists,
            other => Self::Other(other.to_string()),
        }
    }

    /// HubSpot's spelling (`VALIDATION_ERROR`, …).
    pub fn as_str(&self) -> &str {
        match self {
            Self::ValidationError => "VALIDATION_ERROR",
            Self::ObjectNotFound => "OBJECT_NOT_FOUND",
            Self::RateLimits => "RATE_LIMITS",
            Self::InvalidAuthentication => "INVALID_AUTHENTICATION",
            Self::ExpiredAuthentication => "EXPIRED_AUTHENTICATION",
            Self::MissingScopes => "MISSING_SCOPES",
            Self::Conflict => "CONFLICT",
            Self::ObjectAlreadyExists => "OBJECT_ALREADY_EXISTS",
            Self::Other(other) => other,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HubSpot (or a proxy in front of it) answered with an error status.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation (`get_by_id`, …), when known.
    pub operation: Option<&'static str>,
    /// The HTTP status, always kept.
    pub status: u16,
    /// HubSpot's category, when it sent one.
    pub category: Option<Category>,
    /// A finer category, when HubSpot sent one.
    pub sub_category: Option<String>,
    /// What went wrong (for a body that was not HubSpot's JSON, a line saying so).
    pub message: String,
    /// HubSpot's id for the request (from the body, else the `X-HubSpot-Correlation-Id`
    /// header): quote it to HubSpot support.
    pub correlation_id: Option<String>,
    /// The individual problems (validation errors).
    pub errors: Vec<types::ErrorDetail>,
    /// Details by key, e.g. the ids or property names concerned.
    pub context: HashMap<String, Vec<String>>,
    /// The start of the body when it was not HubSpot's JSON (e.g. a proxy's HTML 502 page).
    pub body_excerpt: Option<String>,
    /// The wait HubSpot asked for with `Retry-After`, if any (a wait longer than the retry
    /// policy allows ends the call at once, with this set).
    pub retry_after: Option<Duration>,
}

/// Credentials could not be obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// HubSpot rejected the refresh token (`BAD_REFRESH_TOKEN` / `invalid_grant`): it was
    /// revoked or expired, and the user must authorize the app again.
    ReauthorizationRequired {
        /// HubSpot's explanation.
        message: String,
    },
    /// The token endpoint could not be reached (network, timeout); retrying later may work.
    TokenEndpointUnreachable {
        /// What failed.
        message: String,
    },
    /// The token endpoint answered with another error (bad client id or secret, 5xx, …).
    TokenEndpoint {
        /// Its HTTP status.
        status: u16,
        /// Its explanation.
        message: String,
        /// The wait it asked for with `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The token URL cannot be used (not https, and not loopback): nothing was sent.
    InvalidTokenUrl {
        /// Why.
        message: String,
    },
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReauthorizationRequired { message } => write!(
                f,
                "HubSpot rejected the refresh token ({message}); the user must authorize the app again"
            ),
            Self::TokenEndpointUnreachable { message } => {
                write!(f, "cannot reach HubSpot's token endpoint: {message}")
            }
            Self::TokenEndpoint {
                status, message, ..
            } => {
                write!(f, "HubSpot's token endpoint answered {status}: {message}")
            }
            Self::InvalidTokenUrl { message } => f.write_str(message),
        }
    }
}

impl std::error::Error for AuthError {}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made (refused, DNS): nothing was sent.
    Connect,
    /// The TLS handshake failed (a certificate not trusted, a server that does not speak
    /// TLS): nothing was sent.
    Tls,
    /// The attempt took longer than the client's timeout.
    Timeout,
    /// The response body was cut off or could not be read.
    Body,
    /// Anything else on the way.
    Other,
}

/// The request or its response did not make it.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The operation, when known.
    pub operation: Option<&'static str>,
    /// What kind of failure.
    pub kind: TransportKind,
    /// Whether the request may have reached HubSpot (false only when the connection failed).
    pub sent: bool,
    /// The per-attempt timeout that ran out, when that is what happened and it is known.
    pub timeout: Option<Duration>,
    source: reqwest::Error,
}

/// A response body that did not decode into the type the operation returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation, when known.
    pub operation: Option<&'static str>,
    /// The HTTP status of the response, when known.
    pub status: Option<u16>,
    /// Where in the body decoding failed (`results[3].properties.amount`; `.` for the top).
    pub path: String,
    /// What did not fit.
    pub message: String,
    /// The start of the body.
    pub body_excerpt: String,
    /// The call changed data and HubSpot answered with success: the change was applied even
    /// though its answer could not be read. Do not send it again.
    pub applied: bool,
}

/// How a call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// HubSpot (or a proxy in front of it) answered with an error status (boxed: it is the
    /// largest variant, and errors travel in every call's `Result`).
    Api(Box<ApiError>),
    /// Credentials could not be obtained: nothing was sent, or a 401's refresh failed.
    Auth(AuthError),
    /// The request or the response did not make it (connection, timeout, cut-off body).
    Transport(TransportError),
    /// A response body did not decode into the expected type.
    Decode(DecodeError),
    /// The client's rate limiter would have held the call longer than
    /// [`RateLimit::max_wait`](crate::RateLimit::max_wait); nothing was sent.
    RateLimitWait {
        /// The operation, when known.
        operation: Option<&'static str>,
        /// How long the call would have waited.
        wait: Duration,
        /// The maximum.
        max_wait: Duration,
    },
    /// The rate budget this client shares with other processes could not be reached (its
    /// store, e.g. Redis, is down or too slow) and its policy is
    /// [`WhenUnavailable::Fail`](crate::WhenUnavailable::Fail); nothing was sent.
    SharedBudgetUnavailable {
        /// The operation, when known.
        operation: Option<&'static str>,
        /// The shared budget's name.
        name: String,
        /// Why the store did not answer.
        reason: String,
    },
    /// A response body was larger than the client accepts (see
    /// [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
    ResponseTooLarge {
        /// The operation, when known.
        operation: Option<&'static str>,
        /// The HTTP status of the response.
        status: u16,
        /// The cap, in bytes.
        limit: usize,
    },
    /// HubSpot gave a paging cursor it had given before: following it would loop for ever,
    /// so the stream ended (a server bug; the stream's resume point is where it stood).
    RepeatedCursor {
        /// The operation, when known.
        operation: Option<&'static str>,
        /// The cursor.
        cursor: String,
    },
    /// HubSpot gave [`cursors::EMPTY_PAGES`](crate::cursors::EMPTY_PAGES) empty pages in a
    /// row that each still named a next page: following them could go on for ever, so the
    /// stream ended (a server bug; nothing it had listed was lost).
    EmptyPages {
        /// The operation, when known.
        operation: Option<&'static str>,
        /// How many empty pages came in a row.
        pages: usize,
    },
    /// The webhooks journal no longer holds the offset a feed was to continue after (HubSpot
    /// keeps entries three days): changes between it and the journal's earliest entry can
    /// only be recovered by reading deals again; see
    /// [`journal::bridge_gap`](crate::journal::bridge_gap). Nothing was skipped silently.
    JournalOffsetExpired {
        /// The offset the feed stood at.
        offset: String,
    },
    /// The content of a journal entry could not be fetched from the URL HubSpot handed out
    /// (not HubSpot's API: its presigned storage), even after asking for a fresh URL.
    JournalContent {
        /// The entry's offset.
        offset: String,
        /// What went wrong (the URL is left out: it grants access).
        reason: String,
    },
    /// The request was not valid (a builder value that could not be converted, or a helper's
    /// input it cannot use).
    InvalidRequest(String),
    /// Anything else.
    Other(String),
}

impl Error {
    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::Decode(decode) => decode.status,
            Self::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// HubSpot's category, when it sent one.
    pub fn category(&self) -> Option<&Category> {
        match self {
            Self::Api(api) => api.category.as_ref(),
            _ => None,
        }
    }

    /// 404: no such deal (or it is archived, or the route does not exist).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 410: HubSpot no longer serves the API version called (a client generated from a
    /// retired document, or a fake HubSpot on a later `--as-of` day). Regenerate for a
    /// current version (`cargo xtask update-spec --document all`) or update the crate;
    /// [`versions`](crate::versions) says what this build calls.
    pub fn is_retired(&self) -> bool {
        self.status() == Some(410)
    }

    /// 400 `VALIDATION_ERROR`.
    pub fn is_validation(&self) -> bool {
        self.category() == Some(&Category::ValidationError)
    }

    /// 429 (after the client's own retries).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// 401, or no credentials could be obtained.
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Auth(_)) || self.status() == Some(401)
    }

    /// The refresh token was rejected: the user must authorize the app again.
    pub fn needs_reauthorization(&self) -> bool {
        matches!(self, Self::Auth(AuthError::ReauthorizationRequired { .. }))
    }

    /// 403 `MISSING_SCOPES`.
    pub fn is_missing_scopes(&self) -> bool {
        self.category() == Some(&Category::MissingScopes)
    }

    /// A timeout of one attempt (after the client's own retries).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Transport(t) if t.kind == TransportKind::Timeout)
    }

    /// The call changed data at HubSpot although its outcome reads as a failure (a write
    /// whose success answer could not be decoded): do not send it again.
    pub fn was_applied(&self) -> bool {
        matches!(self, Self::Decode(DecodeError { applied: true, .. }))
    }

    /// The operation the error belongs to, when known.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Api(e) => e.operation,
            Self::Transport(e) => e.operation,
            Self::Decode(e) => e.operation,
            Self::RateLimitWait { operation, .. }
            | Self::SharedBudgetUnavailable { operation, .. }
            | Self::ResponseTooLarge { operation, .. }
            | Self::RepeatedCursor { operation, .. }
            | Self::EmptyPages { operation, .. } => *operation,
            _ => None,
        }
    }

    /// Names the operation the error belongs to.
    pub(crate) fn in_operation(mut self, name: &'static str) -> Self {
        match &mut self {
            Self::Api(e) => e.operation = Some(name),
            Self::Transport(e) => e.operation = Some(name),
            Self::Decode(e) => e.operation = Some(name),
            Self::RateLimitWait { operation, .. }
            | Self::SharedBudgetUnavailable { operation, .. }
            | Self::ResponseTooLarge { operation, .. }
            | Self::RepeatedCursor { operation, .. }
            | Self::EmptyPages { operation, .. } => *operation = Some(name),
            _ => {}
        }
        self
    }
}

/// `operation: ` when known.
struct Prefix(Option<&'static str>);

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(operation) => write!(f, "{operation}: "),
            None => Ok(()),
        }
    }
}

fn seconds(duration: Duration) -> String {
    let s = duration.as_secs_f64();
    if s >= 10.0 || s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

impl ApiError {
    /// For a 403 `MISSING_SCOPES`: the scopes HubSpot says the call needs (any one of them
    /// will do), from `requiredGranularScopes` in its error details; empty otherwise.
    pub fn required_scopes(&self) -> Vec<&str> {
        let mut scopes: Vec<&str> = Vec::new();
        let details = self.errors.iter().map(|e| &e.context);
        for context in std::iter::once(&self.context).chain(details) {
            for scope in context.get("requiredGranularScopes").into_iter().flatten() {
                if !scopes.contains(&scope.as_str()) {
                    scopes.push(scope);
                }
            }
        }
        scopes
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Prefix(self.operation), self.status)?;
        if let Some(category) = &self.category {
            write!(f, " {category}")?;
        }
        write!(f, ": {}", self.message)?;
        let scopes = self.required_scopes();
        if !scopes.is_empty() {
            write!(
                f,
                " (add {} to the Service Key, private app or OAuth app's scopes)",
                scopes.join(" or ")
            )?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (HubSpot asks to retry after {})", seconds(wait))?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " (correlation id {id})")?;
        }
        Ok(())
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match (self.kind, self.timeout) {
            (TransportKind::Connect, _) => "cannot connect".to_string(),
            (TransportKind::Tls, _) => "TLS handshake failed".to_string(),
            (TransportKind::Timeout, Some(after)) => format!("timed out after {}", seconds(after)),
            (TransportKind::Timeout, None) => "timed out".to_string(),
            (TransportKind::Body, _) => "the response was cut off".to_string(),
            (TransportKind::Other, _) => "the request failed".to_string(),
        };
        write!(
            f,
            "{}{what}: {}",
            Prefix(self.operation),
            transport_message(&self.source)
        )
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Prefix(self.operation))?;
        if let Some(status) = self.status {
            write!(f, "{status} ")?;
        }
        write!(
            f,
            "with a body that does not decode at {}: {}",
            self.path, self.message
        )?;
        if self.applied {
            f.write_str(" (HubSpot applied the change: do not send it again)")?;
        }
        write!(f, "; the body starts {:?}", self.body_excerpt)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(api) => api.fmt(f),
            Self::Auth(auth) => auth.fmt(f),
            Self::Transport(transport) => transport.fmt(f),
            Self::Decode(decode) => decode.fmt(f),
            Self::RateLimitWait {
                operation,
                wait,
                max_wait,
            } => write!(
                f,
                "{}the rate limiter would hold this call {}, longer than its maximum wait of {}: \
                 send fewer calls at once, or raise RateLimit::max_wait",
                Prefix(*operation),
                seconds(*wait),
                seconds(*max_wait)
            ),
            Self::SharedBudgetUnavailable {
                operation,
                name,
                reason,
            } => write!(
                f,
                "{}the shared rate budget {name:?} cannot be reached ({reason}), and its policy \
                 is to fail calls meanwhile; nothing was sent. Check the store, or choose \
                 WhenUnavailable::local to go on at a share of the budget",
                Prefix(*operation)
            ),
            Self::ResponseTooLarge {
                operation,
                status,
                limit,
            } => write!(
                f,
                "{}{status} with a body larger than {limit} bytes, which the client does not read \
                 (raise ClientBuilder::max_response_bytes, or ask for fewer properties)",
                Prefix(*operation)
            ),
            Self::RepeatedCursor { operation, cursor } => write!(
                f,
                "{}HubSpot returned the paging cursor {cursor:?} a second time; the stream \
                 stopped instead of looping",
                Prefix(*operation)
            ),
            Self::EmptyPages { operation, pages } => write!(
                f,
                "{}HubSpot returned {pages} empty pages in a row that each named a next page; \
                 the stream stopped instead of following them for ever",
                Prefix(*operation)
            ),
            Self::JournalOffsetExpired { offset } => write!(
                f,
                "the webhooks journal no longer holds offset {offset} (entries are kept three \
                 days): bridge the gap by reading deals changed since the last change applied \
                 (journal::bridge_gap), then continue from the journal's earliest entry"
            ),
            Self::JournalContent { offset, reason } => write!(
                f,
                "the content of journal entry {offset} could not be fetched: {reason}"
            ),
            Self::InvalidRequest(message) => write!(f, "invalid request: {message}"),
            Self::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Auth(auth) => Some(auth),
            Self::Transport(transport) => Some(transport),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_and_print_as_hubspot_spells_them() {
        for spelling in [
            "VALIDATION_ERROR",
            "OBJECT_NOT_FOUND",
            "RATE_LIMITS",
            "INVALID_AUTHENTICATION",
            "EXPIRED_AUTHENTICATION",
            "MISSING_SCOPES",
            "CONFLICT",
            "OBJECT_ALREADY_EXISTS",
            "NEW_THING",
        ] {
            assert_eq!(Category::parse(spelling).to_string(), spelling);
        }
        assert_eq!(
            Category::parse("NEW_THING"),
            Category::Other("NEW_THING".into())
        );
    }

    #[test]
    fn api_errors_print_operation_status_category_message_and_correlation_id() {
        let error = Error::Api(Box::new(ApiError {
            operation: Some("get_by_id"),
            status: 404,
            category: Some(Category::ObjectNotFound),
            sub_category: None,
            message: "resource not found".into(),
            correlation_id: Some("3f1e0d52-6c54-4a4f-9e1e-2a8b7f0c9d11".into()),
            errors: vec![],
            context: HashMap::new(),
            body_excerpt: None,
            retry_after: None,
        }));
        assert_eq!(
            error.to_string(),
            "get_by_id: 404 OBJECT_NOT_FOUND: resource not found (correlation id 3f1e0d52-6c54-4a4f-9e1e-2a8b7f0c9d11)"
        );
        let Error::Api(mut api) = error else {
            unreachable!()
        };
        api.operation = None;
        api.category = None;
        api.correlation_id = None;
        api.retry_after = Some(Duration::from_secs(3600));
        assert_eq!(
            api.to_string(),
            "404: resource not found (HubSpot asks to retry after 3600 s)"
        );
    }
}
