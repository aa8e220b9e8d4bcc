//! One attempt: send the request, read the whole body up to a cap; and the response handed
//! back to the generated code, with error bodies it cannot decode put into HubSpot's shape so
//! their status survives.

use crate::error::{EXCERPT_KEY, excerpt};
use crate::transport::{self, Unread};
use crate::types;
use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use std::pin::Pin;
use std::task::{Context, Poll};

/// What one attempt came back with.
pub(crate) enum Received {
    /// A whole response.
    Whole(http::response::Parts, Bytes),
    /// A response whose body is larger than the cap (not read).
    TooLarge(http::response::Parts),
    /// No whole response.
    Failed(reqwest::Error),
}

impl Received {
    /// The response head, when there is one.
    pub fn parts(&self) -> Option<&http::response::Parts> {
        match self {
            Self::Whole(parts, _) | Self::TooLarge(parts) => Some(parts),
            Self::Failed(_) => None,
        }
    }
}

/// Sends `request` and reads its body, at most `max_body` bytes.
pub(crate) async fn send(
    http: &reqwest::Client,
    request: reqwest::Request,
    max_body: usize,
) -> Received {
    let response = match http.execute(request).await {
        Ok(response) => response,
        Err(error) => return Received::Failed(error),
    };
    let response: http::Response<reqwest::Body> = response.into();
    let (parts, body) = response.into_parts();
    let declared = transport::declared_length(&parts.headers);
    match transport::read_capped(body, declared, max_body).await {
        Ok(body) => Received::Whole(parts, body),
        Err(Unread::TooLarge) => Received::TooLarge(parts),
        Err(Unread::Failed(error)) => Received::Failed(error),
    }
}

/// Whether an error body decodes as HubSpot's error shape.
fn hubspot_shaped(body: &[u8]) -> bool {
    serde_json::from_slice::<types::ErrorBody>(body).is_ok()
}

/// An error body the generated code could not decode (HTML from a proxy, JSON of another
/// shape, nothing) becomes HubSpot's shape with an excerpt in `context`, so the status
/// survives decoding.
fn keep_status(parts: &mut http::response::Parts, body: Bytes) -> Bytes {
    if parts.status.as_u16() < 400 || hubspot_shaped(&body) {
        return body;
    }
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .to_string();
    let what = if serde_json::from_slice::<serde_json::Value>(&body).is_ok() {
        "JSON that is not HubSpot's error shape"
    } else {
        "a body that is not HubSpot's JSON"
    };
    let rewritten = serde_json::json!({
        "status": "error",
        "message": format!("HTTP {} with {what} ({content_type})", parts.status),
        "context": {EXCERPT_KEY: [excerpt(&body)]},
    });
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(CONTENT_LENGTH);
    Bytes::from(rewritten.to_string())
}

/// A body that fails when read, with a message saying why: the raw path sees it as a body
/// error; the typed path reports [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
struct Refused(Option<std::io::Error>);

impl futures_core::Stream for Refused {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Err))
    }
}

/// The response the generated code decodes.
pub(crate) fn respond(received: Received, max_body: usize) -> reqwest::Result<reqwest::Response> {
    match received {
        Received::Whole(mut parts, body) => {
            let body = keep_status(&mut parts, body);
            Ok(reqwest::Response::from(http::Response::from_parts(
                parts, body,
            )))
        }
        Received::TooLarge(mut parts) => {
            parts.headers.remove(CONTENT_LENGTH);
            let refused = Refused(Some(std::io::Error::other(format!(
                "the response body is larger than {max_body} bytes, which the client does not read"
            ))));
            let body = reqwest::Body::wrap_stream(refused);
            Ok(reqwest::Response::from(http::Response::from_parts(
                parts, body,
            )))
        }
        Received::Failed(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(status: u16, content_type: &str) -> http::response::Parts {
        let (parts, ()) = http::Response::builder()
            .status(status)
            .header(CONTENT_TYPE, content_type)
            .body(())
            .unwrap()
            .into_parts();
        parts
    }

    #[test]
    fn error_bodies_keep_their_status_whatever_their_shape() {
        let hubspot = Bytes::from_static(
            br#"{"status":"error","message":"nope","category":"VALIDATION_ERROR"}"#,
        );
        let mut p = parts(400, "application/json");
        assert_eq!(
            keep_status(&mut p, hubspot.clone()),
            hubspot,
            "HubSpot's shape stays"
        );

        for (status, content_type, body, said) in [
            (
                502,
                "text/html",
                &b"<html>bad gateway</html>"[..],
                "not HubSpot's JSON (text/html)",
            ),
            (
                500,
                "application/json",
                &br#"{"error":"boom"}"#[..],
                "JSON that is not HubSpot's error shape",
            ),
            (
                503,
                "application/json",
                &b"[1,2]"[..],
                "JSON that is not HubSpot's error shape",
            ),
            (504, "text/plain", &b""[..], "not HubSpot's JSON"),
        ] {
            let mut p = parts(status, content_type);
            let rewritten = keep_status(&mut p, Bytes::from_static(body));
            let decoded: types::ErrorBody = serde_json::from_slice(&rewritten).unwrap();
            assert!(
                decoded.message.contains(&format!("HTTP {status}")),
                "{}",
                decoded.message
            );
            assert!(decoded.message.contains(said), "{}", decoded.message);
            assert_eq!(
                decoded.context[EXCERPT_KEY],
                [String::from_utf8_lossy(body)]
            );
            assert_eq!(p.headers[CONTENT_TYPE], "application/json");
        }
        let ok = Bytes::from_static(b"<html>");
        assert_eq!(
            keep_status(&mut parts(200, "text/html"), ok.clone()),
            ok,
            "success bodies are left alone"
        );
    }
}
