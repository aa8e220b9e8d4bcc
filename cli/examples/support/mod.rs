//! What the command-line benchmarks share: the built binary, the fake in a process of its
//! own, and a child process measured to its end.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Instant;

/// The token the benchmarks' fake accepts.
pub const TOKEN: &str = "pat-na1-bench-0000-0000-000000000000";

type Failed = Box<dyn std::error::Error>;

/// The release binary beside this example.
pub fn binary() -> Result<PathBuf, Failed> {
    std::env::current_exe()?
        .parent()
        .and_then(|examples| examples.parent())
        .map(|profile| profile.join("hubspot-deals"))
        .filter(|path| path.exists())
        .ok_or_else(|| "build the binary first: cargo build --release -p hubspot-deals-cli".into())
}

/// `hubspot-deals fake` with `seed` (its seeding flags), unlimited, in a process of its own
/// (so a measured process stays small: a child's peak memory counts what it inherits before
/// it starts its program); the process and its base URL.
pub fn start_fake(binary: &Path, seed: &[String]) -> Result<(Child, String), Failed> {
    let mut fake = Command::new(binary)
        .args([
            "fake",
            "--port",
            "0",
            "--rate-limit",
            "unlimited",
            "--token",
            TOKEN,
        ])
        .args(seed)
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut lines = std::io::BufReader::new(fake.stdout.take().ok_or("no stdout")?);
    let mut first = String::new();
    std::io::BufRead::read_line(&mut lines, &mut first)?;
    // The rest of what it prints, read so it never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let base_url = first
        .split_whitespace()
        .last()
        .ok_or("the fake did not say where it listens")?
        .to_string();
    Ok((fake, base_url))
}

/// Runs a process to its end: wall seconds, CPU seconds (user and system), peak RSS in MiB.
pub fn measure(command: &mut Command) -> Result<(f64, f64, u64), Failed> {
    let start = Instant::now();
    let child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct the call fills; `pid` is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid || status != 0 {
        return Err(format!("{command:?} failed (status {status})").into());
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    Ok((
        start.elapsed().as_secs_f64(),
        cpu,
        usage.ru_maxrss as u64 / 1024,
    ))
}
