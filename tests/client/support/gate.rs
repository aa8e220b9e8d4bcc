//! A gate in front of a token endpoint: each request waits until the test opens the gate for
//! it, runs an optional hook (to move a `ManualClock`, as a slow endpoint would), then is
//! forwarded to the real endpoint (the fake's) and its answer relayed.

use super::recorder::read_request;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub struct Gate {
    /// The base URL to use as the token URL's origin.
    pub base_url: String,
    arrived: Arc<AtomicUsize>,
    open: Arc<Semaphore>,
}

type Hook = Arc<dyn Fn() + Send + Sync>;

impl Gate {
    /// Forwards to `target` (e.g. the fake's base URL); `hook` runs before each answer.
    pub async fn start(target: &str, hook: Option<Hook>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let arrived = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(Semaphore::new(0));
        let http = super::plain_http();
        let (target, counter, gate) = (target.to_string(), arrived.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (http, target, counter, gate, hook) = (
                    http.clone(),
                    target.clone(),
                    counter.clone(),
                    gate.clone(),
                    hook.clone(),
                );
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    while let Some(request) = read_request(&mut reader).await {
                        counter.fetch_add(1, Ordering::SeqCst);
                        let Ok(permit) = gate.acquire().await else {
                            return;
                        };
                        permit.forget();
                        if let Some(hook) = &hook {
                            hook();
                        }
                        let answer = http
                            .post(format!("{target}{}", request.path))
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(request.body)
                            .send()
                            .await
                            .unwrap();
                        let status = answer.status().as_u16();
                        let body = answer.bytes().await.unwrap();
                        let head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        if write.write_all(head.as_bytes()).await.is_err()
                            || write.write_all(&body).await.is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            base_url,
            arrived,
            open,
        }
    }

    /// How many requests have arrived (answered or not).
    pub fn arrived(&self) -> usize {
        self.arrived.load(Ordering::SeqCst)
    }

    /// Lets `n` more requests through.
    pub fn open(&self, n: usize) {
        self.open.add_permits(n);
    }

    /// The token URL through the gate.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/v1/token", self.base_url)
    }
}
