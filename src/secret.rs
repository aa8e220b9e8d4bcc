//! A string that must never be printed: tokens and client secrets.

use std::fmt;
use std::sync::Arc;

/// A secret value (an access token, a refresh token, a client secret).
///
/// Its `Debug` prints a placeholder and it has no `Display`, so a secret cannot reach logs or
/// error messages by accident; [`Secret::expose`] is the one, greppable, way to read it.
///
/// ```
/// use hubspot_deals::Secret;
/// let token = Secret::new("pat-na1-00000000-0000-0000-0000-000000000000");
/// assert_eq!(format!("{token:?}"), "Secret(<redacted>)");
/// assert!(token.expose().starts_with("pat-na1-"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::from(value.into()))
    }

    /// The secret itself; call this only where the value is sent to HubSpot.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}
