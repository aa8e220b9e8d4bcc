//! A string that must never be printed: tokens and client secrets.
//!
//! Built on `secrecy`'s `SecretString`, which wipes the value from memory when it is dropped.
//! This type adds what `secrecy` leaves out on purpose but a client needs: clones share one
//! copy of the secret (an `Arc`: a cloned client does not copy its tokens), equality (the
//! runtime drops exactly the token HubSpot rejected), and conversions from `&str` and
//! `String` for the builders.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;

/// A secret value (an access token, a refresh token, a client secret), wiped from memory when
/// its last clone is dropped.
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
#[derive(Clone)]
pub struct Secret(Arc<SecretString>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::new(SecretString::from(value.into())))
    }

    /// The secret itself; call this only where the value is sent to HubSpot.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

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
