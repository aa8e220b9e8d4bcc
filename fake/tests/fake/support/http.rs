//! Raw HTTP calls to the fake, for assertions on exact statuses, headers and bodies.

use serde_json::Value;

pub const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";

/// A response: status, headers and the body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// HubSpot's error category, asserting the body has a correlation id matching the header.
    pub fn category(&self) -> Option<&str> {
        let id = self.json["correlationId"]
            .as_str()
            .expect("error bodies carry a correlationId");
        assert_eq!(Some(id), self.header("x-hubspot-correlation-id"));
        self.json["category"].as_str()
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a whole body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        json,
    }
}

/// A plain reqwest client. The crate enables reqwest's `rustls-no-provider`, so a process
/// building its own reqwest client must install a crypto provider first.
pub fn http() -> reqwest::Client {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::new()
}

/// `method url` with the test token and, when given, a JSON body.
pub async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> Reply {
    let mut request = http().request(method, url).bearer_auth(TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

pub async fn get(url: String) -> Reply {
    call(reqwest::Method::GET, url, None).await
}

pub async fn post(url: String, body: Value) -> Reply {
    call(reqwest::Method::POST, url, Some(body)).await
}

pub async fn patch(url: String, body: Value) -> Reply {
    call(reqwest::Method::PATCH, url, Some(body)).await
}

/// A `PUT` without a body.
pub async fn put(url: String) -> Reply {
    call(reqwest::Method::PUT, url, None).await
}

pub async fn delete(url: String) -> Reply {
    call(reqwest::Method::DELETE, url, None).await
}

/// HubSpot's default deal properties plus the system ones, sorted.
pub const DEFAULT_AND_SYSTEM: [&str; 8] = [
    "amount",
    "closedate",
    "createdate",
    "dealname",
    "dealstage",
    "hs_lastmodifieddate",
    "hs_object_id",
    "pipeline",
];

/// The property names of a deal as returned, sorted.
pub fn property_names(deal: &Value) -> Vec<String> {
    let mut names: Vec<String> = deal["properties"]
        .as_object()
        .expect("a deal has properties")
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}
