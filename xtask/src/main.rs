//! Maintainer tasks for hubspot-deals, run as `cargo xtask <task>`.
//!
//! - `update-spec`: fetch HubSpot's documents of the registry's APIs, normalize them, prove
//!   they generate, and write `spec/` (see `cargo xtask update-spec --help`).

#[path = "../../spec/generate.rs"]
mod generate;
#[path = "../../spec/normalize.rs"]
mod normalize;
#[path = "../../spec/surface.rs"]
mod surface;

mod descriptions;
mod diff;
#[cfg(test)]
mod reference_tests;
mod update_spec;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  update-spec    fetch HubSpot's OpenAPI documents, normalize them and write spec/
                 (cargo xtask update-spec --help for its options)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("update-spec") => match update_spec::Options::parse(&args[1..]) {
            Ok(None) => {
                println!("{}", update_spec::USAGE);
                ExitCode::SUCCESS
            }
            Ok(Some(options)) => match update_spec::run(&options) {
                Ok(outcome) => outcome,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(2)
                }
            },
            Err(message) => {
                eprintln!("error: {message} (see `cargo xtask update-spec --help`)");
                ExitCode::from(2)
            }
        },
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown task `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
