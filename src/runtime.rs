//! The handwritten runtime every generated call goes through: Progenitor's hooks, and the
//! state they share (the generated client's inner type).
//!
//! `pre` puts the bearer token on the request; `exec` sends it. Rate limiting, retries and
//! refresh-on-401 are planned to live in `exec`, the one place that owns the request and can
//! replay it.

use crate::auth::Auth;
use crate::generated::Client;
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use std::fmt;
use std::sync::Arc;

/// The state every call of a [`Client`](crate::Client) shares: its credentials today, its
/// rate limiter and retry policy as they arrive. Cheap to clone; clones share everything.
///
/// It is built by [`ClientBuilder`](crate::ClientBuilder) and has no public constructor.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

struct Shared {
    auth: Auth,
}

impl Runtime {
    pub(crate) fn new(auth: Auth) -> Self {
        Self {
            shared: Arc::new(Shared { auth }),
        }
    }

    /// The credentials this client authenticates with.
    pub fn auth(&self) -> &Auth {
        &self.shared.auth
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("auth", &self.shared.auth)
            .finish()
    }
}

impl ClientHooks<Runtime> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let authorization = self
            .inner()
            .auth()
            .authorization()
            .await
            .map_err(Error::Custom)?;
        request
            .headers_mut()
            .insert(reqwest::header::AUTHORIZATION, authorization);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.client().execute(request).await
    }
}
