//! The OAuth login's redirect listener, `http://localhost:PORT/callback`, on both loopback
//! addresses (`localhost` may resolve to either; were one left to another program, it would
//! receive the code). Connections are served concurrently, so an idle one never delays the
//! redirect. The login ends only with a `/callback` whose `state` is this login's; any other
//! request gets an error page, and the listener goes on waiting.

use crate::failure::Failure;
use std::collections::HashMap;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// How long a connection may take to send its request's head.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a request's head read.
const MAX_HEAD: usize = 16 * 1024;

/// The listener, bound.
pub struct Listener {
    sockets: Vec<TcpListener>,
    port: u16,
}

impl Listener {
    /// Listens on 127.0.0.1 and ::1 at `port` (0: a free one, the same on both). A machine
    /// without IPv6 listens on 127.0.0.1 alone.
    pub async fn bind(port: u16) -> Result<Self, Failure> {
        let v4 = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| bind_failure(port, &e))?;
        let port = v4.local_addr().map_or(port, |a| a.port());
        let mut sockets = vec![v4];
        match TcpListener::bind(("::1", port)).await {
            Ok(v6) => sockets.push(v6),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(bind_failure(port, &e));
            }
            Err(_) => {} // no IPv6 loopback here
        }
        Ok(Self { sockets, port })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits for the redirect that carries `state`; its query parameters.
    pub async fn redirect(self, state: &str) -> Result<HashMap<String, String>, Failure> {
        let (found, mut redirects) = mpsc::channel(1);
        let mut tasks = tokio::task::JoinSet::new();
        for socket in self.sockets {
            let (found, state) = (found.clone(), state.to_string());
            tasks.spawn(async move {
                loop {
                    let Ok((stream, _)) = socket.accept().await else {
                        // Out of file descriptors, say: try again shortly.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    let (found, state) = (found.clone(), state.clone());
                    tokio::spawn(async move {
                        if let Some(query) = serve(stream, &state).await {
                            let _ = found.send(query).await;
                        }
                    });
                }
            });
        }
        drop(found);
        let query = redirects.recv().await;
        tasks.abort_all();
        query.ok_or_else(|| Failure::Remote("the login's listener stopped".into()))
    }
}

fn bind_failure(port: u16, error: &std::io::Error) -> Failure {
    Failure::Usage(if error.kind() == std::io::ErrorKind::AddrInUse {
        format!(
            "port {port} is in use (another login, or another program): pass --port N, and \
             register http://localhost:N/callback as a redirect URL on the app"
        )
    } else {
        format!("cannot listen on port {port}: {error}")
    })
}

/// Answers one connection; the redirect's query when it is the one this login waits for.
async fn serve(mut stream: TcpStream, state: &str) -> Option<HashMap<String, String>> {
    let target = request_target(&mut stream).await?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if path != "/callback" {
        respond(
            &mut stream,
            404,
            "Not found",
            "This is hubspot-deals' login listener.",
        )
        .await;
        return None;
    }
    let query: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if !query.get("state").is_some_and(|given| same(given, state)) {
        respond(
            &mut stream,
            400,
            "Not this login",
            "This redirect does not carry this login's state (a stale tab, or a request from \
             elsewhere). The login goes on waiting for its own.",
        )
        .await;
        return None;
    }
    let (title, message) = if query.contains_key("code") {
        (
            "Logged in",
            "You can close this tab and go back to the terminal.",
        )
    } else {
        (
            "Not logged in",
            "The app was not installed. The terminal says what to do.",
        )
    };
    respond(&mut stream, 200, title, message).await;
    Some(query)
}

/// Whether two states are the same, in time that does not depend on where they differ.
fn same(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
}

/// The target of a request's first line (`GET /callback?code=... HTTP/1.1`).
async fn request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        let read = tokio::time::timeout(READ_TIMEOUT, stream.read(&mut buffer))
            .await
            .ok()?
            .ok()?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.lines().next()?.split_whitespace();
    (parts.next()? == "GET").then(|| parts.next().map(str::to_string))?
}

async fn respond(stream: &mut TcpStream, status: u16, title: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>{message}</p></body></html>\n"
    );
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn states_match_whole() {
        assert!(same("abc123", "abc123"));
        assert!(!same("abc124", "abc123"));
        assert!(!same("abc12", "abc123"));
        assert!(!same("", "abc123"));
    }
}
