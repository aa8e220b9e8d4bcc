//! The bridge from the generated code's error (Progenitor's) to [`Error`]: what the runtime
//! knew about the call completes it (the operation, the status it returned, whether it
//! writes, the time of the answer), and an auth failure of the `pre` hook crosses Progenitor's
//! `Error::Custom(String)` encoded.

use super::{ApiError, AuthError, Category, DecodeError, Error, TransportError};
use crate::types;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;

/// Marks, inside `Error::Custom`, an auth failure from the `pre` hook: `code: message`.
pub(crate) const AUTH_MARK: &str = "hubspot-deals auth ";
/// Context keys the runtime adds when it turns a non-HubSpot error body into HubSpot's shape.
pub(crate) const EXCERPT_KEY: &str = "hubspot_deals_body_excerpt";

impl AuthError {
    /// Encodes this error into the string `Error::Custom` carries.
    pub(crate) fn to_custom(&self) -> String {
        let (code, message) = match self {
            Self::ReauthorizationRequired { message } => ("reauthorize".to_string(), message),
            Self::TokenEndpointUnreachable { message } => ("unreachable".to_string(), message),
            Self::TokenEndpoint {
                status, message, ..
            } => (status.to_string(), message),
            Self::InvalidTokenUrl { message } => ("token-url".to_string(), message),
        };
        format!("{AUTH_MARK}{code}: {message}")
    }

    fn from_custom(text: &str) -> Option<Self> {
        let (code, message) = text.strip_prefix(AUTH_MARK)?.split_once(": ")?;
        let message = message.to_string();
        Some(match code {
            "reauthorize" => Self::ReauthorizationRequired { message },
            "unreachable" => Self::TokenEndpointUnreachable { message },
            "token-url" => Self::InvalidTokenUrl { message },
            status => Self::TokenEndpoint {
                status: status.parse().ok()?,
                message,
                retry_after: None,
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

/// What the runtime knew about a call, to complete an error the generated code reports.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallFacts {
    pub operation: Option<&'static str>,
    /// The status of the response returned, if any.
    pub status: Option<u16>,
    /// Whether the call changes data.
    pub writes: bool,
    /// The per-attempt timeout, if known.
    pub timeout: Option<Duration>,
    /// When the answer came, by the client's clock (a `Retry-After` date is read against it).
    pub answered: Option<DateTime<Utc>>,
}

impl Error {
    /// The typed view of the generated code's error, with what the runtime knew.
    pub(crate) fn from_generated(
        error: progenitor_client::Error<types::ErrorBody>,
        facts: &CallFacts,
        decode_path: impl FnOnce(&[u8]) -> Option<String>,
    ) -> Self {
        use progenitor_client::Error as E;
        let error = match error {
            E::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let header = |name: &str| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                let correlation_header = header("x-hubspot-correlation-id");
                let now = facts.answered.unwrap_or_else(Utc::now);
                let retry_after =
                    header("retry-after").and_then(|v| crate::classify::retry_after(&v, now));
                let mut body = response.into_inner();
                let body_excerpt = body
                    .context
                    .remove(EXCERPT_KEY)
                    .and_then(|v| v.into_iter().next());
                Error::Api(Box::new(ApiError {
                    operation: None,
                    status,
                    category: body.category.as_deref().map(Category::parse),
                    sub_category: body.sub_category,
                    message: body.message,
                    correlation_id: body.correlation_id.or(correlation_header),
                    errors: body.errors,
                    context: body.context,
                    body_excerpt,
                    retry_after,
                }))
            }
            E::UnexpectedResponse(response) => Error::Api(Box::new(ApiError {
                operation: None,
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
                retry_after: None,
            })),
            E::CommunicationError(e) | E::InvalidUpgrade(e) | E::ResponseBodyError(e) => {
                Error::Transport(TransportError::new(e, facts.timeout))
            }
            E::InvalidResponsePayload(bytes, e) => {
                let success = facts.status.is_some_and(|s| (200..300).contains(&s));
                Error::Decode(DecodeError {
                    operation: None,
                    status: facts.status,
                    path: decode_path(&bytes).unwrap_or_else(|| ".".into()),
                    message: e.to_string(),
                    body_excerpt: excerpt(&bytes),
                    applied: success && facts.writes,
                })
            }
            E::InvalidRequest(message) => Error::InvalidRequest(message),
            E::Custom(text) => match AuthError::from_custom(&text) {
                Some(auth) => Error::Auth(auth),
                None => Error::Other(text),
            },
        };
        match facts.operation {
            Some(name) => error.in_operation(name),
            None => error,
        }
    }
}

impl From<progenitor_client::Error<types::ErrorBody>> for Error {
    /// For the raw path (`send_raw`): the typed view, without the runtime's facts.
    fn from(error: progenitor_client::Error<types::ErrorBody>) -> Self {
        Self::from_generated(error, &CallFacts::default(), |_| None)
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
                retry_after: None,
            },
        ] {
            let converted = Error::from(progenitor_client::Error::Custom(error.to_custom()));
            assert!(
                matches!(&converted, Error::Auth(e) if *e == error),
                "{converted:?}"
            );
        }
        let other = Error::from(progenitor_client::Error::<types::ErrorBody>::Custom(
            "something".into(),
        ));
        assert!(matches!(other, Error::Other(_)));
    }
}
