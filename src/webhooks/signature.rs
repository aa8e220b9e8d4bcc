//! HubSpot's three request signatures, computed: v1 and v2 are hex SHA-256 digests of the
//! client secret followed by the request, v3 is a base64 HMAC-SHA256 keyed with the client
//! secret, over the request and a timestamp.

use base64::Engine;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The signature of a v1 request: hex SHA-256 of `client_secret + body`.
///
/// ```
/// let signature = hubspot_deals::webhooks::sign_v1("secret", b"[]");
/// assert_eq!(signature.len(), 64);
/// ```
pub fn sign_v1(client_secret: &str, body: &[u8]) -> String {
    let mut digest = Sha256::new();
    digest.update(client_secret.as_bytes());
    digest.update(body);
    hex(&digest.finalize())
}

/// The signature of a v2 request: hex SHA-256 of `client_secret + method + uri + body`, the
/// URI exactly as HubSpot called it (scheme, host, path and query).
pub fn sign_v2(client_secret: &str, method: &str, uri: &str, body: &[u8]) -> String {
    let mut digest = Sha256::new();
    for part in [
        client_secret.as_bytes(),
        method.as_bytes(),
        uri.as_bytes(),
        body,
    ] {
        digest.update(part);
    }
    hex(&digest.finalize())
}

/// The signature of a v3 request: base64 HMAC-SHA256, keyed with the client secret, of
/// `method + uri + body + timestamp` (milliseconds since the epoch, as sent in
/// `X-HubSpot-Request-Timestamp`). The URI has HubSpot's few percent-encodings decoded
/// first, as HubSpot does when it signs.
///
/// With this a test can sign requests to its own webhook handler as HubSpot would:
///
/// ```
/// use hubspot_deals::webhooks::{Verifier, sign_v3};
/// let body = br#"[]"#;
/// let now = chrono::Utc::now();
/// let timestamp = now.timestamp_millis().to_string();
/// let uri = "https://example.com/hubspot/events";
/// let signature = sign_v3("secret", "POST", uri, body, &timestamp);
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-hubspot-signature-v3", signature.parse().unwrap());
/// headers.insert("x-hubspot-request-timestamp", timestamp.parse().unwrap());
/// let verifier = Verifier::new("secret");
/// assert!(verifier.verify_at("POST", uri, &headers, body, now).is_ok());
/// ```
pub fn sign_v3(
    client_secret: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
) -> String {
    base64::engine::general_purpose::STANDARD.encode(
        v3_mac(client_secret, method, uri, body, timestamp)
            .finalize()
            .into_bytes(),
    )
}

/// The v3 HMAC, fed and ready to finish or verify.
pub(super) fn v3_mac(
    client_secret: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
) -> HmacSha256 {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = HmacSha256::new_from_slice(client_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    let uri = decode_uri(uri);
    for part in [
        method.as_bytes(),
        uri.as_bytes(),
        body,
        timestamp.as_bytes(),
    ] {
        mac.update(part);
    }
    mac
}

/// The percent-encodings HubSpot decodes in the URI before computing a v3 signature.
const DECODED: [(&str, char); 12] = [
    ("%3A", ':'),
    ("%2F", '/'),
    ("%3F", '?'),
    ("%40", '@'),
    ("%21", '!'),
    ("%24", '$'),
    ("%27", '\''),
    ("%28", '('),
    ("%29", ')'),
    ("%2A", '*'),
    ("%2C", ','),
    ("%3B", ';'),
];

/// The URI with HubSpot's decoded characters decoded (in either case); other encodings stay.
pub(super) fn decode_uri(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest.get(at..at + 3);
        match code.and_then(|code| {
            DECODED
                .iter()
                .find(|(encoded, _)| encoded.eq_ignore_ascii_case(code))
        }) {
            Some((_, decoded)) => {
                out.push(*decoded);
                rest = &rest[at + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_values() {
        // SHA-256("") and SHA-256("abc"), from FIPS 180-2.
        assert_eq!(
            sign_v1("", b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sign_v1("a", b"bc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sign_v2("a", "", "b", b"c"), sign_v1("abc", b""));
        // HMAC-SHA256 test case 2 of RFC 4231: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign_v3("Jefe", "what do ", "ya want ", b"for nothing", "?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
        );
    }

    #[test]
    fn only_hubspots_encodings_are_decoded() {
        assert_eq!(
            decode_uri("https%3A%2f%2Fx.io/a%20b?q=%40me%2c%3b%25%"),
            "https://x.io/a%20b?q=@me,;%25%"
        );
        assert_eq!(decode_uri("%2"), "%2");
        assert_eq!(decode_uri("ünï%28%29"), "ünï()");
    }
}
