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
                 (cargo xtask update-spec --help for its options)
  documents      the registry's documents, one line each: API, version, and the file in a
                 folder laid out as HubSpot's reference documents (--version V: each API's
                 document of V; default: the version each API follows), for CI's scripts";

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
        Some("documents") => match documents(&args[1..]) {
            Ok(lines) => {
                for line in lines {
                    println!("{line}");
                }
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("error: {message}");
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

/// `cargo xtask documents [--version V]`: each generated API's document, as
/// `api<TAB>version<TAB>hubspot-{reference}-spec/{file}`.
fn documents(args: &[String]) -> Result<Vec<String>, String> {
    let version = match args {
        [] => None,
        [flag, version] if flag == "--version" => Some(version.as_str()),
        _ => return Err("usage: cargo xtask documents [--version V]".into()),
    };
    let mut lines = Vec::new();
    for api in normalize::registry::APIS {
        let Some(document) = api.document else {
            continue;
        };
        let chosen = match version {
            None => api.default_version(),
            Some(wanted) => match api.versions().into_iter().find(|v| v.name == wanted) {
                Some(v) => v.name,
                None => continue,
            },
        };
        let file = api.file(chosen).unwrap_or_default();
        lines.push(format!(
            "{}\t{chosen}\thubspot-{}-spec/{file}",
            api.name, document.reference
        ));
    }
    if lines.is_empty() {
        return Err(format!("no API has version {}", version.unwrap_or("?")));
    }
    Ok(lines)
}
