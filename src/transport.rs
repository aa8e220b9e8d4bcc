//! How requests travel, for API calls and OAuth token requests alike: the HTTP client
//! (user agent, timeouts, TLS, no redirects), where credentials may be sent, and response
//! bodies read up to a cap.

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use std::time::Duration;

/// The user agent of every request.
const USER_AGENT: &str = concat!("hubspot-deals/", env!("CARGO_PKG_VERSION"), " (Rust)");

/// How long to wait for a connection, unless the client is told otherwise.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may take, from sending to the end of the body, unless told otherwise.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(30);

/// The crate's HTTP client: its user agent, timeouts and TLS setup. It never follows
/// redirects: HubSpot's API does not send them, and a request must never re-send its
/// credentials to another address. The error says why TLS could not be set up.
pub(crate) fn client(
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<reqwest::Client, String> {
    let builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .timeout(timeout);
    #[cfg(feature = "rustls")]
    let builder = builder.tls_backend_preconfigured(crate::tls::rustls_config()?);
    builder.build().map_err(|e| e.to_string())
}

/// Whether credentials may be sent to `url`: over `https`, or over plain `http` to this
/// machine (a loopback address, or `localhost`: a fake HubSpot, a local proxy), where nobody
/// on a network can read them.
pub(crate) fn may_carry_credentials(url: &reqwest::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => url.host_str().is_some_and(|host| {
            host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }),
        _ => false,
    }
}

/// Why a body was not read whole.
#[derive(Debug)]
pub(crate) enum Unread {
    /// It is larger than the cap (declared so, or found so while reading).
    TooLarge,
    /// The connection failed while reading it.
    Failed(reqwest::Error),
}

/// Reads `body` whole, at most `cap` bytes (`declared`: its `Content-Length`, if any).
pub(crate) async fn read_capped(
    mut body: reqwest::Body,
    declared: Option<u64>,
    cap: usize,
) -> Result<Bytes, Unread> {
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(Unread::TooLarge);
    }
    let mut collected = BytesMut::with_capacity(declared.unwrap_or(0).min(cap as u64) as usize);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(Unread::Failed)?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > cap {
                return Err(Unread::TooLarge);
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(collected.freeze())
}

/// The `Content-Length` a response declares, if it is a number.
pub(crate) fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rustfmt::skip]
    #[test]
    fn credentials_go_over_https_or_to_this_machine() {
        for (url, allowed) in [
            ("https://api.hubapi.com", true),
            ("https://10.0.0.5:8443/proxy", true),
            ("http://127.0.0.1:8080", true),
            ("http://127.9.9.9", true),
            ("http://[::1]:8080", true),
            ("http://localhost:3000", true),
            ("http://LOCALHOST", true),
            ("http://api.hubapi.com", false),
            ("http://10.0.0.5:8080", false),
            ("http://localhost.example.com", false),
            ("http://127.0.0.1.example.com", false),
            ("http://[::2]", false),
            ("ftp://127.0.0.1", false),
        ] {
            let parsed = reqwest::Url::parse(url).unwrap();
            assert_eq!(may_carry_credentials(&parsed), allowed, "{url}");
        }
    }
}
