//! `fake-hubspot`: the fake HubSpot as a process, for tests in any language.
//!
//! ```sh
//! cargo install --path fake
//! fake-hubspot --port 8080 --token pat-na1-test
//! curl -s localhost:8080/__fake/stats
//! ```
//!
//! `--help` lists every flag. It prints its address, then serves until killed.

#![forbid(unsafe_code)]

use clap::Parser;
use hubspot_deals_fake::options::FakeOptions;
use std::process::ExitCode;

/// Serves a fake HubSpot CRM Deals API on 127.0.0.1 until killed. Counters and the request
/// log are at GET /__fake/stats as JSON.
#[derive(Parser)]
#[command(name = "fake-hubspot", version)]
struct Cli {
    #[command(flatten)]
    options: FakeOptions,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.options.start().await {
        Ok((_fake, lines)) => {
            for line in lines {
                println!("{line}");
            }
            std::future::pending::<()>().await;
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("fake-hubspot: {message}");
            ExitCode::from(2)
        }
    }
}
