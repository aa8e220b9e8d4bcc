#![allow(dead_code)] // each test crate uses part of the support code

pub mod fake;
pub mod gate;
pub mod recorder;
pub mod reference;
pub mod stepped;

/// Waits until `done` holds, checking every millisecond for at most 10 seconds: for effects
/// that happen in a task of their own (a refresh behind a call), waited for as events, not
/// by sleeping a guessed time.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    panic!("still not true after 10 s: {what}");
}

/// A plain reqwest client for test plumbing. The crate enables reqwest's
/// `rustls-no-provider`, so a process building its own reqwest client installs a crypto
/// provider first.
pub fn plain_http() -> reqwest::Client {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::new()
}
