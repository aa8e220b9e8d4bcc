#![allow(dead_code)] // each test crate uses part of the support code

pub mod fake;
pub mod gate;
pub mod logs;
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

/// An address that refuses connections for as long as the returned socket lives: bound, never
/// listening, so no other test can take the port meanwhile.
pub fn refusing_address() -> (tokio::net::TcpSocket, std::net::SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = socket.local_addr().unwrap();
    (socket, address)
}

/// Makes sure this process may hold `needed` open files, raising the soft limit up to the hard
/// one where the platform allows (the common default of 1,024 is too few for 1,000 concurrent
/// connections with the fake's end of each in the same process).
#[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every platform
pub fn allow_open_files(needed: u64) {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
        unsafe {
            assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
            if (limit.rlim_cur as u64) < needed {
                limit.rlim_cur = limit.rlim_max.min(needed as libc::rlim_t);
                assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
            }
        }
        assert!(
            limit.rlim_cur as u64 >= needed,
            "this test needs {needed} open files; the hard limit is {}",
            limit.rlim_max
        );
    }
}
