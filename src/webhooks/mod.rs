//! Webhooks: checking that a request came from HubSpot, and reading its deal events.
//!
//! HubSpot signs each webhook request with your app's client secret. [`Verifier`] checks the
//! v3 signature (`X-HubSpot-Signature-v3`, an HMAC over the method, URI, body and a
//! timestamp, refused when older than five minutes). HubSpot also sends the older v1 or v2
//! (`X-HubSpot-Signature`, a digest without a timestamp; v1 signs the body alone) beside it,
//! for older apps: a request signed only that way could have been captured and sent again,
//! at any time, so the verifier refuses it unless told
//! [`Verifier::accept_replayable_v1_v2`]. Comparisons take constant time. Then
//! [`parse_events`] reads the body's events, or [`Verifier::events`] does both.
//!
//! The URI to pass is the full URL HubSpot called (`https://host/path?query`) as HubSpot saw
//! it: behind a proxy, rebuild it from the forwarded scheme and host.
//!
//! ```
//! use hubspot_deals::webhooks::{DealChange, Verifier, WebhookError};
//!
//! fn handle(method: &str, uri: &str, headers: &http::HeaderMap, body: &[u8])
//!     -> Result<(), WebhookError>
//! {
//!     let verifier = Verifier::new(std::env::var("HUBSPOT_CLIENT_SECRET").unwrap_or_default());
//!     for event in verifier.events(method, uri, headers, body)? {
//!         if let DealChange::PropertyChanged { name, value } = &event.change {
//!             println!("deal {}: {name} = {value}", event.object_id);
//!         }
//!     }
//!     Ok(())
//! }
//! # let _ = handle;
//! ```

mod events;
mod signature;

pub use events::{DealChange, DealEvent, parse_events};
pub use signature::{sign_v1, sign_v2, sign_v3};

use crate::Secret;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::Mac;
use http::HeaderMap;
use std::fmt;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// How old a v3 request may be, by its timestamp: HubSpot's five minutes.
pub const MAX_AGE: Duration = Duration::from_secs(300);

/// The header of v3 signatures.
pub const SIGNATURE_V3: &str = "x-hubspot-signature-v3";
/// The header of v3 timestamps (milliseconds since the epoch).
pub const TIMESTAMP: &str = "x-hubspot-request-timestamp";
/// The header of v1 and v2 signatures.
pub const SIGNATURE: &str = "x-hubspot-signature";
/// The header naming the version of `X-HubSpot-Signature` (`v1` or `v2`).
pub const SIGNATURE_VERSION: &str = "x-hubspot-signature-version";

/// A version of HubSpot's request signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureVersion {
    /// SHA-256 of the secret and the body.
    V1,
    /// SHA-256 of the secret, method, URI and body.
    V2,
    /// HMAC-SHA256 of method, URI, body and timestamp.
    V3,
}

impl fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
            Self::V3 => "v3",
        })
    }
}

/// Why a webhook request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// A header the signature needs is missing.
    MissingHeader(&'static str),
    /// A header is there but cannot be read.
    InvalidHeader {
        /// The header.
        name: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The v3 timestamp is further from now than the verifier allows.
    Stale {
        /// How far from now it is (in the past or the future).
        off_by: Duration,
        /// What the verifier allows.
        max_age: Duration,
    },
    /// The signature's version is one the verifier refuses.
    VersionRefused(SignatureVersion),
    /// The signature does not match the request.
    Mismatch(SignatureVersion),
    /// The body is not a JSON array of events.
    Body(String),
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHeader(name) => write!(
                f,
                "the request has no {name} header: it was not signed by HubSpot, or a proxy removed the header"
            ),
            Self::InvalidHeader { name, problem } => write!(f, "the {name} header {problem}"),
            Self::Stale { off_by, max_age } => write!(
                f,
                "the request's timestamp is {}s from now, more than the {}s allowed: a replayed request, or this machine's clock is off",
                off_by.as_secs(),
                max_age.as_secs()
            ),
            Self::VersionRefused(version) => write!(
                f,
                "the request is signed with {version} only, which this verifier refuses: {version} \
                 signs no timestamp, so a captured request could be sent again (HubSpot sends v3 \
                 beside it to current apps; Verifier::accept_replayable_v1_v2 accepts it)"
            ),
            Self::Mismatch(version) => write!(
                f,
                "the {version} signature does not match: check the client secret (your app's, not an access token), and that the method, the full URI HubSpot called and the body are passed exactly as received"
            ),
            Self::Body(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for WebhookError {}

/// Checks HubSpot's signatures with an app's client secret. Build one and share it.
#[derive(Clone)]
pub struct Verifier {
    client_secret: Secret,
    max_age: Duration,
    accept_v1_v2: bool,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("client_secret", &self.client_secret)
            .field("max_age", &self.max_age)
            .field("accept_v1_v2", &self.accept_v1_v2)
            .finish()
    }
}

impl Verifier {
    /// A verifier with the app's client secret, accepting v3 requests up to [`MAX_AGE`] old.
    pub fn new(client_secret: impl Into<Secret>) -> Self {
        Self {
            client_secret: client_secret.into(),
            max_age: MAX_AGE,
            accept_v1_v2: false,
        }
    }

    /// How far from now a v3 timestamp may be, in the past or the future.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Also accepts requests signed only with v1 or v2 (`X-HubSpot-Signature`), for an app
    /// whose subscriptions send nothing newer. Neither signs a timestamp (v1 not even the
    /// URI): whoever captured one such request can send it again, at any time, and it
    /// passes.
    pub fn accept_replayable_v1_v2(mut self) -> Self {
        self.accept_v1_v2 = true;
        self
    }

    /// Checks the request's signature now; the version that matched.
    pub fn verify(
        &self,
        method: &str,
        uri: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<SignatureVersion, WebhookError> {
        self.verify_at(method, uri, headers, body, Utc::now())
    }

    /// Checks the request's signature as of `now`.
    pub fn verify_at(
        &self,
        method: &str,
        uri: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<SignatureVersion, WebhookError> {
        let secret = self.client_secret.expose();
        if let Some(signature) = header(headers, SIGNATURE_V3)? {
            let timestamp =
                header(headers, TIMESTAMP)?.ok_or(WebhookError::MissingHeader(TIMESTAMP))?;
            self.check_age(timestamp, now)?;
            let signature = base64::engine::general_purpose::STANDARD
                .decode(signature)
                .map_err(|_| WebhookError::InvalidHeader {
                    name: SIGNATURE_V3,
                    problem: "is not base64".into(),
                })?;
            return signature::v3_mac(secret, method, uri, body, timestamp)
                .verify_slice(&signature)
                .map(|()| SignatureVersion::V3)
                .map_err(|_| WebhookError::Mismatch(SignatureVersion::V3));
        }
        // No v3 signature: a request signed the old way only, or not at all.
        let signature =
            header(headers, SIGNATURE)?.ok_or(WebhookError::MissingHeader(SIGNATURE_V3))?;
        let version = match header(headers, SIGNATURE_VERSION)? {
            None | Some("v1") => SignatureVersion::V1,
            Some("v2") => SignatureVersion::V2,
            Some(other) => {
                return Err(WebhookError::InvalidHeader {
                    name: SIGNATURE_VERSION,
                    problem: format!("says {other:?}; v1 and v2 are known"),
                });
            }
        };
        if !self.accept_v1_v2 {
            return Err(WebhookError::VersionRefused(version));
        }
        let expected = match version {
            SignatureVersion::V2 => sign_v2(secret, method, uri, body),
            _ => sign_v1(secret, body),
        };
        let given = signature.to_ascii_lowercase();
        if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            Ok(version)
        } else {
            Err(WebhookError::Mismatch(version))
        }
    }

    /// Checks the request's signature now, then reads its events.
    pub fn events(
        &self,
        method: &str,
        uri: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<DealEvent>, WebhookError> {
        self.verify(method, uri, headers, body)?;
        parse_events(body)
    }

    fn check_age(&self, timestamp: &str, now: DateTime<Utc>) -> Result<(), WebhookError> {
        let sent = timestamp
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .ok_or_else(|| WebhookError::InvalidHeader {
                name: TIMESTAMP,
                problem: format!("is {timestamp:?}, not milliseconds since the epoch"),
            })?;
        let off_by = (now - sent).abs().to_std().unwrap_or(Duration::MAX);
        if off_by > self.max_age {
            return Err(WebhookError::Stale {
                off_by,
                max_age: self.max_age,
            });
        }
        Ok(())
    }
}

/// A header's value, if present; an error if it is not text.
fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, WebhookError> {
    headers
        .get(name)
        .map(|value| {
            value
                .to_str()
                .map(str::trim)
                .map_err(|_| WebhookError::InvalidHeader {
                    name,
                    problem: "is not text".into(),
                })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "app-secret-1234";
    const URI: &str = "https://example.com/hooks?portal=1";
    const BODY: &[u8] = br#"[{"eventId":1}]"#;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    fn v3(at: DateTime<Utc>) -> HeaderMap {
        let timestamp = at.timestamp_millis().to_string();
        let signature = sign_v3(SECRET, "POST", URI, BODY, &timestamp);
        headers(&[(SIGNATURE_V3, &signature), (TIMESTAMP, &timestamp)])
    }

    fn check(verifier: &Verifier, headers: &HeaderMap) -> Result<SignatureVersion, WebhookError> {
        verifier.verify_at("POST", URI, headers, BODY, now())
    }

    #[test]
    fn v3_within_the_window_passes_and_outside_it_fails() {
        let verifier = Verifier::new(SECRET);
        assert_eq!(check(&verifier, &v3(now())), Ok(SignatureVersion::V3));
        let edge = now() - chrono::Duration::seconds(300);
        assert_eq!(
            check(&verifier, &v3(edge)),
            Ok(SignatureVersion::V3),
            "exactly 5 min: in"
        );
        let stale = now() - chrono::Duration::milliseconds(300_001);
        assert!(matches!(
            check(&verifier, &v3(stale)),
            Err(WebhookError::Stale { .. })
        ));
        let future = now() + chrono::Duration::seconds(301);
        assert!(matches!(
            check(&verifier, &v3(future)),
            Err(WebhookError::Stale { .. })
        ));
        let short = Verifier::new(SECRET).max_age(Duration::from_secs(10));
        let eleven = now() - chrono::Duration::seconds(11);
        let error = check(&short, &v3(eleven)).unwrap_err();
        assert_eq!(
            error.to_string().split(':').next().unwrap(),
            "the request's timestamp is 11s from now, more than the 10s allowed"
        );
    }

    #[test]
    fn v3_refuses_any_change_to_the_request() {
        let verifier = Verifier::new(SECRET);
        let signed = v3(now());
        let mismatch = Err(WebhookError::Mismatch(SignatureVersion::V3));
        assert_eq!(
            verifier.verify_at("GET", URI, &signed, BODY, now()),
            mismatch
        );
        assert_eq!(
            verifier.verify_at("POST", "https://example.com/hooks", &signed, BODY, now()),
            mismatch
        );
        assert_eq!(
            verifier.verify_at("POST", URI, &signed, b"[]", now()),
            mismatch
        );
        assert_eq!(check(&Verifier::new("other"), &signed), mismatch);
        // The timestamp is signed too: moving it breaks the signature.
        let mut moved = signed.clone();
        let later = (now().timestamp_millis() + 1).to_string();
        moved.insert(TIMESTAMP, later.parse().unwrap());
        assert_eq!(check(&verifier, &moved), mismatch);
        // HubSpot's decoded characters: an encoded URI verifies as the decoded one.
        let encoded = "https%3A%2F%2Fexample.com/hooks%3Fportal=1";
        assert_eq!(
            verifier.verify_at("POST", encoded, &signed, BODY, now()),
            Ok(SignatureVersion::V3)
        );
    }

    #[test]
    fn v3_headers_that_cannot_be_read_are_named() {
        let verifier = Verifier::new(SECRET);
        let no_timestamp = headers(&[(SIGNATURE_V3, "abc=")]);
        assert_eq!(
            check(&verifier, &no_timestamp),
            Err(WebhookError::MissingHeader(TIMESTAMP))
        );
        let bad_time = headers(&[(SIGNATURE_V3, "abc="), (TIMESTAMP, "yesterday")]);
        let error = check(&verifier, &bad_time).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("\"yesterday\", not milliseconds"),
            "{error}"
        );
        let timestamp = now().timestamp_millis().to_string();
        let not_base64 = headers(&[(SIGNATURE_V3, "%%%"), (TIMESTAMP, &timestamp)]);
        assert!(
            check(&verifier, &not_base64)
                .unwrap_err()
                .to_string()
                .contains("not base64")
        );
        let mut binary = HeaderMap::new();
        binary.insert(
            SIGNATURE_V3,
            http::HeaderValue::from_bytes(&[0xff]).unwrap(),
        );
        assert!(
            check(&verifier, &binary)
                .unwrap_err()
                .to_string()
                .contains("not text")
        );
        assert_eq!(
            check(&verifier, &HeaderMap::new()),
            Err(WebhookError::MissingHeader(SIGNATURE_V3))
        );
    }

    #[test]
    fn v1_and_v2_are_refused_unless_accepted() {
        let legacy = Verifier::new(SECRET).accept_replayable_v1_v2();
        let v1 = sign_v1(SECRET, BODY);
        assert_eq!(
            check(&legacy, &headers(&[(SIGNATURE, &v1)])),
            Ok(SignatureVersion::V1)
        );
        let upper = v1.to_ascii_uppercase();
        let v1_headers = headers(&[(SIGNATURE, &upper), (SIGNATURE_VERSION, "v1")]);
        assert_eq!(check(&legacy, &v1_headers), Ok(SignatureVersion::V1));
        let v2 = sign_v2(SECRET, "POST", URI, BODY);
        let v2_headers = headers(&[(SIGNATURE, &v2), (SIGNATURE_VERSION, "v2")]);
        assert_eq!(check(&legacy, &v2_headers), Ok(SignatureVersion::V2));
        let wrong = headers(&[(SIGNATURE, &v1), (SIGNATURE_VERSION, "v2")]);
        assert_eq!(
            check(&legacy, &wrong),
            Err(WebhookError::Mismatch(SignatureVersion::V2))
        );
        let tampered = headers(&[(SIGNATURE, &v1[1..])]);
        assert_eq!(
            check(&legacy, &tampered),
            Err(WebhookError::Mismatch(SignatureVersion::V1))
        );
        let unknown = headers(&[(SIGNATURE, &v1), (SIGNATURE_VERSION, "v9")]);
        assert!(
            check(&legacy, &unknown)
                .unwrap_err()
                .to_string()
                .contains("\"v9\"")
        );
        let default = Verifier::new(SECRET);
        assert_eq!(
            check(&default, &v2_headers),
            Err(WebhookError::VersionRefused(SignatureVersion::V2))
        );
        assert_eq!(check(&default, &v3(now())), Ok(SignatureVersion::V3));
        assert_eq!(check(&legacy, &v3(now())), Ok(SignatureVersion::V3));
    }

    #[test]
    fn a_request_with_its_v3_headers_removed_does_not_pass_as_v1() {
        // What HubSpot sends: v3 with its timestamp, and v1 beside it.
        let mut captured = v3(now());
        captured.insert(SIGNATURE, sign_v1(SECRET, BODY).parse().unwrap());
        captured.insert(SIGNATURE_VERSION, "v1".parse().unwrap());
        let verifier = Verifier::new(SECRET);
        assert_eq!(check(&verifier, &captured), Ok(SignatureVersion::V3));
        // Replayed an hour later without the v3 headers, whose timestamp would be stale.
        captured.remove(SIGNATURE_V3);
        captured.remove(TIMESTAMP);
        let an_hour_later = now() + chrono::Duration::hours(1);
        let replayed = verifier.verify_at("POST", URI, &captured, BODY, an_hour_later);
        assert_eq!(
            replayed,
            Err(WebhookError::VersionRefused(SignatureVersion::V1))
        );
        assert!(
            replayed
                .unwrap_err()
                .to_string()
                .contains("accept_replayable_v1_v2"),
            "the error names the opt-in"
        );
    }

    #[test]
    fn the_secret_never_shows() {
        let verifier = Verifier::new(SECRET);
        assert!(!format!("{verifier:?}").contains(SECRET));
        let error = check(&verifier, &headers(&[(SIGNATURE, "00")])).unwrap_err();
        assert!(!error.to_string().contains(SECRET));
    }

    #[test]
    fn events_checks_then_parses() {
        let verifier = Verifier::new(SECRET);
        let body = br#"[{"subscriptionType":"deal.creation","objectId":5,"occurredAt":1}]"#;
        let timestamp = Utc::now().timestamp_millis().to_string();
        let signature = sign_v3(SECRET, "POST", URI, body, &timestamp);
        let signed = headers(&[(SIGNATURE_V3, &signature), (TIMESTAMP, &timestamp)]);
        let events = verifier.events("POST", URI, &signed, body).unwrap();
        assert_eq!(events[0].object_id, 5);
        assert!(verifier.events("POST", URI, &signed, b"[]").is_err());
    }
}
