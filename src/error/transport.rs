//! What a transport failure was (a connection refused, a timeout, a TLS failure, a body cut
//! off), told from reqwest's error; and its causes on one line.

use super::{TransportError, TransportKind};
use std::time::Duration;

/// A reqwest error and its causes on one line, the innermost last (`error sending request:
/// client error (Connect): tcp connect error: Connection refused (os error 111)`), without
/// the URL.
pub(crate) fn transport_message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

impl TransportError {
    /// A transport error from reqwest's; `timeout` is the per-attempt timeout, if known.
    pub(crate) fn new(error: reqwest::Error, timeout: Option<Duration>) -> Self {
        let kind = if error.is_timeout() {
            TransportKind::Timeout
        } else if error.is_connect() && is_tls(&error) {
            TransportKind::Tls
        } else if error.is_connect() {
            TransportKind::Connect
        } else if error.is_body() || error.is_decode() {
            TransportKind::Body
        } else {
            TransportKind::Other
        };
        Self {
            operation: None,
            sent: !matches!(kind, TransportKind::Connect | TransportKind::Tls),
            timeout: timeout.filter(|_| kind == TransportKind::Timeout),
            kind,
            source: error.without_url(),
        }
    }

    /// Whether it was a timeout.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportKind::Timeout
    }

    /// Whether the connection failed before anything was sent (TLS included).
    pub fn is_connect(&self) -> bool {
        matches!(self.kind, TransportKind::Connect | TransportKind::Tls)
    }
}

/// Whether a connection failure came from TLS: a rustls error in the chain, or (for a TLS
/// stack of the user's own, whose error types this crate cannot name) words that only TLS
/// failures use.
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(current) = cause {
        // An io::Error's source() skips the error it wraps: look inside.
        if let Some(inner) = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            && is_tls(inner)
        {
            return true;
        }
        #[cfg(feature = "rustls")]
        if current.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        let text = current.to_string().to_lowercase();
        if ["tls", "ssl", "certificate", "handshake"]
            .iter()
            .any(|word| text.contains(word))
        {
            return true;
        }
        cause = current.source();
    }
    false
}
