//! How calls authenticate: a private-app token, sent as a bearer token on every call.
//!
//! OAuth with token refresh is planned to plug in here, behind the same [`Auth`] value, so
//! the hooks and every generated method stay unchanged.

use crate::secret::Secret;
use reqwest::header::HeaderValue;
use std::fmt;

/// How the client authenticates its calls.
///
/// ```
/// use hubspot_deals::auth::Auth;
/// let auth = Auth::private_app("pat-na1-00000000-0000-0000-0000-000000000000");
/// assert!(!format!("{auth:?}").contains("pat-na1"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// A private app's access token (`pat-na1-…`): static, sent as `Authorization: Bearer`.
    PrivateApp(Secret),
}

impl Auth {
    /// Authenticates with a private app's access token.
    pub fn private_app(token: impl Into<Secret>) -> Self {
        Self::PrivateApp(token.into())
    }

    /// Checks the credentials can be sent at all, without saying what they are.
    pub(crate) fn validate(&self) -> Result<(), String> {
        match self {
            Self::PrivateApp(token) if token.expose().trim().is_empty() => {
                Err("the private-app token is empty".into())
            }
            Self::PrivateApp(token) => bearer(token).map(drop),
        }
    }

    /// The `Authorization` header value for the next call, marked sensitive so HTTP-level
    /// logging never prints it.
    pub(crate) async fn authorization(&self) -> Result<HeaderValue, String> {
        match self {
            Self::PrivateApp(token) => bearer(token),
        }
    }
}

fn bearer(token: &Secret) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
        "the token contains characters that cannot be sent in an HTTP header \
         (a line break or a control character?); copy it again from HubSpot"
            .to_string()
    })?;
    value.set_sensitive(true);
    Ok(value)
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PrivateApp(token) => f.debug_tuple("PrivateApp").field(token).finish(),
        }
    }
}
