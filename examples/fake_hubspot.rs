//! The fake HubSpot as a process, for tools in any language:
//!
//! ```sh
//! cargo run --features mock --example fake_hubspot -- --port 8080 --token pat-na1-test
//! ```
//!
//! `--help` lists every flag. Counters and the request log are at `GET /__fake/stats`.

use hubspot_deals::mock::options::{Options, USAGE};
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (builder, summary) = match Options::parse(&args) {
        Ok(Options::Run { builder, summary }) => (builder, summary),
        Ok(Options::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("fake_hubspot: {message}");
            return ExitCode::from(2);
        }
    };
    let fake = match (*builder).start().await {
        Ok(fake) => fake,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "fake_hubspot: the port is busy ({e}); choose another with --port, or --port 0 for any free one"
            );
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("fake_hubspot: cannot listen: {e}");
            return ExitCode::from(1);
        }
    };
    println!("fake HubSpot listening on {}", fake.base_url());
    println!(
        "  deals API at {0}/crm/v3/objects/deals and {0}/crm/v3/objects/0-3",
        fake.base_url()
    );
    for line in &summary {
        println!("  {line}");
    }
    println!(
        "  stats and request log at {}/__fake/stats",
        fake.base_url()
    );
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
