//! What decoding one journal entry's content costs in memory, for two contents of the largest
//! size the feed reads (`MAX_CONTENT_BYTES`, 16 MB): the most events (`MAX_EVENTS`, each
//! changing a property to a long value), and a hostile one of small values (`0,0,0,…`).
//! Each is decoded by `journal::content::decode` (values counted first, then event by event)
//! and, for comparison, parsed whole into a `serde_json::Value` (as the feed did before),
//! each in a process of its own; it prints the peak resident memory added (Linux's `VmHWM`).
//!
//! ```sh
//! cargo run --release --example journal_content_memory
//! ```

use hubspot_deals::journal::{MAX_CONTENT_BYTES, MAX_EVENTS, content};

/// A content of about `MAX_CONTENT_BYTES`, with `MAX_EVENTS` events.
fn content() -> Vec<u8> {
    let value_length = MAX_CONTENT_BYTES / MAX_EVENTS - 300;
    let events: Vec<String> = (0..MAX_EVENTS)
        .map(|i| {
            format!(
                r#"{{"action":"UPDATE","objectTypeId":"0-3","objectId":{i},"occurredAt":1700000000000,"propertyChanges":[{{"propertyName":"description","newValue":"{}"}}]}}"#,
                "é".repeat(value_length / 2)
            )
        })
        .collect();
    format!(
        r#"{{"publishedAt":1700000000000,"journalEvents":[{}]}}"#,
        events.join(",")
    )
    .into_bytes()
}

/// A hostile content of about `MAX_CONTENT_BYTES`: one event, and an array of small values.
fn dense() -> Vec<u8> {
    let event = r#"{"action":"DELETE","objectTypeId":"0-3","objectId":1}"#;
    let zeros = "0,".repeat(MAX_CONTENT_BYTES / 2 - 64);
    format!(r#"{{"journalEvents":[{event}],"padding":[{zeros}0]}}"#).into_bytes()
}

/// Peak resident memory of this process so far, in bytes (Linux).
fn peak() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some(way @ ("typed" | "tree")) => measure(way),
        _ => {
            let me = std::env::current_exe().unwrap();
            let path =
                std::env::temp_dir().join(format!("journal-content-{}.json", std::process::id()));
            println!("one entry's content, decoded (peak resident memory added by decoding)");
            for (kind, bytes) in [("long values", content()), ("small values", dense())] {
                std::fs::write(&path, bytes).unwrap();
                println!("{kind}:");
                for way in ["typed", "tree"] {
                    let out = std::process::Command::new(&me)
                        .arg(way)
                        .arg(&path)
                        .output()
                        .unwrap();
                    report(way, &String::from_utf8_lossy(&out.stdout), &out.stderr);
                }
            }
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Decodes the content in the file named by the second argument `way`'s way; prints its
/// size, the peak memory decoding added and what came of it.
fn measure(way: &str) {
    // Read from a file, so building the content leaves no high-water mark of its own.
    let path = std::env::args().nth(2).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let before = peak().unwrap_or(0);
    let outcome = if way == "typed" {
        match content::decode("o", &bytes) {
            Ok(entry) => format!("{}-changes", entry.changes.len()),
            Err(_) => "refused".to_string(),
        }
    } else {
        let tree: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let events = tree["journalEvents"].as_array().map_or(0, Vec::len);
        format!("{events}-events")
    };
    let after = peak().unwrap_or(0);
    println!("{} {} {outcome}", bytes.len(), after.saturating_sub(before));
}

fn report(way: &str, line: &str, stderr: &[u8]) {
    let label = if way == "typed" {
        "counted, then event by event"
    } else {
        "as one JSON tree (before)"
    };
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [size, added, outcome] = fields[..] else {
        println!("  {label}: {line}{}", String::from_utf8_lossy(stderr));
        return;
    };
    let size: f64 = size.parse().unwrap_or(1.0);
    let added: f64 = added.parse().unwrap_or(0.0);
    println!(
        "  {label:29} {:5.1} MB: {outcome:>13}, +{:7.1} MB ({:4.1}x the content)",
        size / 1e6,
        added / 1e6,
        added / size
    );
}
