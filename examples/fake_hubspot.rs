//! The fake HubSpot as a process, for tools in any language:
//!
//! ```sh
//! cargo run --features mock --example fake_hubspot -- --port 8080 --token pat-na1-test
//! ```
//!
//! `--help` lists every flag. Counters and the request log are at `GET /__fake/stats`.

use hubspot_deals::mock::options::{USAGE, start_from_args};
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match start_from_args(&args).await {
        Ok(Some((_fake, lines))) => {
            for line in lines {
                println!("{line}");
            }
            std::future::pending::<()>().await;
            ExitCode::SUCCESS
        }
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("fake_hubspot: {message}");
            ExitCode::from(2)
        }
    }
}
