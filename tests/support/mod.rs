#![allow(dead_code)] // each test crate uses part of the support code

pub mod recorder;
pub mod reference;

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
