//! Errors a call can end in, with everything HubSpot sent.
//!
//! Every generated method returns `Result<ResponseValue<T>, progenitor_client::Error<types::Error>>`;
//! [`Error`] is the typed view of that error, and `?` converts into it:
//!
//! ```no_run
//! use hubspot_deals::{Category, Client, Error};
//!
//! async fn dealname(client: &Client, id: &str) -> Result<Option<String>, Error> {
//!     match client.get_by_id().deal_id(id).send().await.map_err(Error::from) {
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

use crate::types;
use std::collections::HashMap;
use std::fmt;

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
}

/// HubSpot answered with an error status.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status, always kept.
    pub status: u16,
    /// HubSpot's category, when it sent one.
    pub category: Option<Category>,
    /// A finer category, when HubSpot sent one.
    pub sub_category: Option<String>,
    /// What went wrong (for a body that was not JSON, a line saying so).
    pub message: String,
    /// HubSpot's id for the request: quote it to HubSpot support.
    pub correlation_id: Option<String>,
    /// The individual problems (validation errors).
    pub errors: Vec<types::ErrorDetail>,
    /// Details by key, e.g. the ids or property names concerned.
    pub context: HashMap<String, Vec<String>>,
    /// The start of the body when it was not JSON (e.g. a proxy's HTML 502 page).
    pub body_excerpt: Option<String>,
}

/// Credentials could not be obtained; no request was sent.
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
            Self::TokenEndpoint { status, message } => {
                write!(f, "HubSpot's token endpoint answered {status}: {message}")
            }
        }
    }
}

impl std::error::Error for AuthError {}

/// How a call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// HubSpot (or a proxy in front of it) answered with an error status.
    Api(ApiError),
    /// No credentials could be obtained, so nothing was sent.
    Auth(AuthError),
    /// The request or its response did not make it (connection, timeout, cut-off body).
    Transport {
        /// What failed.
        message: String,
        /// Whether it was a timeout.
        timeout: bool,
        /// Whether it failed while connecting, before anything was sent.
        connect: bool,
    },
    /// A success response whose body did not decode into the expected type.
    Decode {
        /// What did not fit, naming the field.
        message: String,
        /// The start of the body.
        body_excerpt: String,
    },
    /// The request was not valid (a builder value that could not be converted).
    InvalidRequest(String),
    /// Anything else.
    Other(String),
}

impl Error {
    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(api) => Some(api.status),
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

    /// 400 `VALIDATION_ERROR`.
    pub fn is_validation(&self) -> bool {
        self.category() == Some(&Category::ValidationError)
    }

    /// 429.
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(api) => {
                write!(f, "HubSpot answered {}", api.status)?;
                if let Some(category) = &api.category {
                    write!(f, " {category:?}")?;
                }
                write!(f, ": {}", api.message)?;
                if let Some(id) = &api.correlation_id {
                    write!(f, " (correlation id {id})")?;
                }
                Ok(())
            }
            Self::Auth(auth) => auth.fmt(f),
            Self::Transport { message, .. } => write!(f, "request failed: {message}"),
            Self::Decode {
                message,
                body_excerpt,
            } => {
                write!(f, "unexpected response body ({message}): {body_excerpt}")
            }
            Self::InvalidRequest(message) => write!(f, "invalid request: {message}"),
            Self::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Auth(auth) => Some(auth),
            _ => None,
        }
    }
}

/// Marks, inside `Error::Custom`, an auth failure from the `pre` hook: `code: message`.
pub(crate) const AUTH_MARK: &str = "hubspot-deals auth ";
/// Context keys the runtime adds when it turns a non-JSON error body into JSON.
pub(crate) const EXCERPT_KEY: &str = "hubspot_deals_body_excerpt";

impl AuthError {
    /// Encodes this error into the string `Error::Custom` carries.
    pub(crate) fn to_custom(&self) -> String {
        let (code, message) = match self {
            Self::ReauthorizationRequired { message } => ("reauthorize".to_string(), message),
            Self::TokenEndpointUnreachable { message } => ("unreachable".to_string(), message),
            Self::TokenEndpoint { status, message } => (status.to_string(), message),
        };
        format!("{AUTH_MARK}{code}: {message}")
    }

    fn from_custom(text: &str) -> Option<Self> {
        let (code, message) = text.strip_prefix(AUTH_MARK)?.split_once(": ")?;
        let message = message.to_string();
        Some(match code {
            "reauthorize" => Self::ReauthorizationRequired { message },
            "unreachable" => Self::TokenEndpointUnreachable { message },
            status => Self::TokenEndpoint {
                status: status.parse().ok()?,
                message,
            },
        })
    }
}

/// The first 500 characters of a body, lossily decoded.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(500).collect();
    if text.chars().count() > 500 {
        out.push('…');
    }
    out
}

fn transport(error: &reqwest::Error) -> Error {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Transport {
        message,
        timeout: error.is_timeout(),
        connect: error.is_connect(),
    }
}

impl From<progenitor_client::Error<types::Error>> for Error {
    fn from(error: progenitor_client::Error<types::Error>) -> Self {
        use progenitor_client::Error as E;
        match error {
            E::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let mut body = response.into_inner();
                let body_excerpt = body
                    .context
                    .remove(EXCERPT_KEY)
                    .and_then(|v| v.into_iter().next());
                Error::Api(ApiError {
                    status,
                    category: body.category.as_deref().map(Category::parse),
                    sub_category: body.sub_category,
                    message: body.message,
                    correlation_id: body.correlation_id,
                    errors: body.errors,
                    context: body.context,
                    body_excerpt,
                })
            }
            E::UnexpectedResponse(response) => Error::Api(ApiError {
                status: response.status().as_u16(),
                category: None,
                sub_category: None,
                message: format!("an undocumented status {}", response.status()),
                correlation_id: response
                    .headers()
                    .get("x-hubspot-correlation-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                errors: Vec::new(),
                context: HashMap::new(),
                body_excerpt: None,
            }),
            E::CommunicationError(e) | E::InvalidUpgrade(e) | E::ResponseBodyError(e) => {
                transport(&e)
            }
            E::InvalidResponsePayload(bytes, e) => Error::Decode {
                message: e.to_string(),
                body_excerpt: excerpt(&bytes),
            },
            E::InvalidRequest(message) => Error::InvalidRequest(message),
            E::Custom(text) => match AuthError::from_custom(&text) {
                Some(auth) => Error::Auth(auth),
                None => Error::Other(text),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_errors_survive_the_custom_string() {
        for error in [
            AuthError::ReauthorizationRequired {
                message: "refresh token is invalid, expired or revoked".into(),
            },
            AuthError::TokenEndpointUnreachable {
                message: "connection refused: x".into(),
            },
            AuthError::TokenEndpoint {
                status: 400,
                message: "missing or unknown client id".into(),
            },
        ] {
            let converted = Error::from(progenitor_client::Error::Custom(error.to_custom()));
            assert!(
                matches!(&converted, Error::Auth(e) if *e == error),
                "{converted:?}"
            );
        }
        let other = Error::from(progenitor_client::Error::<types::Error>::Custom(
            "something".into(),
        ));
        assert!(matches!(other, Error::Other(_)));
    }

    #[test]
    fn unknown_categories_fall_back() {
        assert_eq!(
            Category::parse("OBJECT_NOT_FOUND"),
            Category::ObjectNotFound
        );
        assert_eq!(
            Category::parse("NEW_THING"),
            Category::Other("NEW_THING".into())
        );
    }
}
