//! A tiny HTTP/1.1 server on loopback that records each request and answers with the next
//! canned response; anything beyond the canned responses gets a loud 599.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// A canned response.
pub struct Canned {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(String, String)>,
    /// Sent with `Transfer-Encoding: chunked` (in 1,000-byte chunks), without a length.
    pub chunked: bool,
}

impl Canned {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sends the body in chunks, with no length announced.
    pub fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }

    /// The body as it goes on the wire.
    fn wire_body(&self) -> Vec<u8> {
        if !self.chunked {
            return self.body.as_bytes().to_vec();
        }
        let mut out = Vec::new();
        for chunk in self.body.as_bytes().chunks(1_000) {
            out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    }
}

pub fn json(status: u16, body: serde_json::Value) -> Canned {
    raw(status, "application/json;charset=utf-8", &body.to_string())
}

pub fn empty(status: u16) -> Canned {
    raw(status, "text/plain", "")
}

pub fn raw(status: u16, content_type: &'static str, body: &str) -> Canned {
    Canned {
        status,
        content_type,
        body: body.to_string(),
        headers: Vec::new(),
        chunked: false,
    }
}

/// The correlation id every answer carries in its header.
pub const CORRELATION_ID: &str = "3f1e0d52-6c54-4a4f-9e1e-2a8b7f0c9d11";

pub struct Recorder {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    pub async fn start(responses: Vec<Canned>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let responses = Arc::new(Mutex::new(responses.into_iter()));
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (log, responses) = (log.clone(), responses.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    loop {
                        let Some(request) = read_request(&mut reader).await else {
                            return;
                        };
                        log.lock().unwrap().push(request);
                        let next = responses.lock().unwrap().next();
                        let canned =
                            next.unwrap_or_else(|| raw(599, "text/plain", "unexpected request"));
                        let length = if canned.chunked {
                            "transfer-encoding: chunked".to_string()
                        } else {
                            format!("content-length: {}", canned.body.len())
                        };
                        let mut head = format!(
                            "HTTP/1.1 {} X\r\ncontent-type: {}\r\n{length}\r\nx-hubspot-correlation-id: {CORRELATION_ID}\r\n",
                            canned.status, canned.content_type,
                        );
                        for (name, value) in &canned.headers {
                            head.push_str(&format!("{name}: {value}\r\n"));
                        }
                        head.push_str("\r\n");
                        if write.write_all(head.as_bytes()).await.is_err()
                            || write.write_all(&canned.wire_body()).await.is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        Self { base_url, requests }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The only request received; fails if there was not exactly one.
    pub fn single(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected one request, got {requests:#?}");
        requests.into_iter().next().unwrap()
    }
}

pub async fn read_request<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).await.ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target, None),
    };
    Some(Recorded {
        method,
        path,
        query,
        headers,
        body,
    })
}
