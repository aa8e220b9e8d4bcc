//! `hubspot-deals`: log in to HubSpot once, export and import deals, serve a fake HubSpot.
//!
//! Built on the `hubspot-deals` library's public API only. Exit codes: 0 done, 1 some rows
//! failed (import), 2 usage error, 3 auth error, 4 HubSpot or network error after retries.

#![forbid(unsafe_code)]

mod export;
mod failure;
mod fake;
mod import;
mod listener;
mod login;
mod profile;
mod progress;
mod read;
mod records;
mod state_file;
mod terminal;

use clap::{Args, Parser, Subcommand, ValueEnum};
use failure::Failure;
use std::path::PathBuf;
use std::process::ExitCode;

/// Work with HubSpot deals from the command line.
#[derive(Debug, Parser)]
#[command(name = "hubspot-deals", version, about)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The stored credentials to use (several portals keep apart by name).
    #[arg(
        long,
        global = true,
        default_value = "default",
        env = "HUBSPOT_PROFILE"
    )]
    pub profile: String,
    /// HubSpot's API base URL (a proxy, or a fake HubSpot). A stored profile's credentials
    /// go only to the origin they were logged in for.
    #[arg(long, global = true, env = "HUBSPOT_BASE_URL")]
    pub base_url: Option<String>,
    /// Send a stored profile's credentials to a --base-url of another origin than the one
    /// it was logged in for.
    #[arg(long, global = true)]
    pub allow_other_origin: bool,
    /// The account's rate budget: free (100 calls per 10 s), professional, enterprise (190),
    /// unlimited, or a number of calls per 10 s.
    #[arg(long, global = true, env = "HUBSPOT_RATE_LIMIT", default_value = "free",
          value_parser = parse_rate_limit)]
    pub budget: hubspot_deals::RateLimit,
}

fn parse_rate_limit(text: &str) -> Result<hubspot_deals::RateLimit, String> {
    use hubspot_deals::RateLimit;
    Ok(match text.to_ascii_lowercase().as_str() {
        "free" | "starter" => RateLimit::FREE_STARTER,
        "professional" => RateLimit::PROFESSIONAL,
        "enterprise" => RateLimit::ENTERPRISE,
        "unlimited" => RateLimit::unlimited(),
        number => RateLimit::per_ten_seconds(number.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            format!("{text:?}: use free, professional, enterprise, unlimited or a number of calls per 10 s")
        })?),
    })
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Log in, see who you are, log out.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Export, import, read, search and archive deals.
    #[command(subcommand)]
    Deals(DealsCommand),
    /// Serve a fake HubSpot (the same options as `fake-hubspot`).
    Fake(Box<fake::FakeArgs>),
}

#[derive(Debug, Subcommand)]
enum AuthCommand {
    /// Log in with an OAuth app (in a browser), or with a private app's token.
    Login(login::LoginArgs),
    /// Who the stored credentials belong to, their scopes, when the access token expires.
    Status,
    /// Delete the stored credentials (and revoke the refresh token at HubSpot).
    Logout,
}

#[derive(Debug, Subcommand)]
enum DealsCommand {
    /// Every deal (or every deal changed since a time) to a file or stdout.
    Export(export::ExportArgs),
    /// Create, update or upsert deals from a JSONL or CSV file.
    Import(import::ImportArgs),
    /// One deal, by id.
    Get(read::GetArgs),
    /// Deals matching filters (`property OPERATOR value`) and/or a query.
    Search(read::SearchArgs),
    /// Archive deals, by id.
    Archive(read::ArchiveArgs),
}

/// A file format for deals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// The format asked for, else the one the file's extension names, else JSONL.
    pub fn choose(asked: Option<Format>, file: Option<&PathBuf>) -> Format {
        asked.unwrap_or_else(|| {
            let csv = file
                .and_then(|f| f.extension())
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            if csv { Format::Csv } else { Format::Jsonl }
        })
    }
}

fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start: {error}");
            return ExitCode::from(4);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(failure) => {
            // It may quote HubSpot, a file or a redirect: shown, never obeyed.
            eprintln!("error: {}", terminal::printable(&failure.to_string()));
            failure.exit_code()
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let global = cli.global;
    match cli.command {
        Command::Auth(AuthCommand::Login(args)) => login::login(&global, args).await,
        Command::Auth(AuthCommand::Status) => login::status(&global).await,
        Command::Auth(AuthCommand::Logout) => login::logout(&global).await,
        Command::Deals(DealsCommand::Export(args)) => export::export(&global, args).await,
        Command::Deals(DealsCommand::Import(args)) => import::import(&global, args).await,
        Command::Deals(DealsCommand::Get(args)) => read::get(&global, args).await,
        Command::Deals(DealsCommand::Search(args)) => read::search(&global, args).await,
        Command::Deals(DealsCommand::Archive(args)) => read::archive(&global, args).await,
        Command::Fake(args) => fake::serve(*args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubspot_deals::RateLimit;

    #[test]
    fn budgets_by_tier_or_number() {
        assert_eq!(parse_rate_limit("free"), Ok(RateLimit::FREE_STARTER));
        assert_eq!(
            parse_rate_limit("Professional"),
            Ok(RateLimit::PROFESSIONAL)
        );
        assert_eq!(parse_rate_limit("unlimited"), Ok(RateLimit::unlimited()));
        assert_eq!(parse_rate_limit("150"), Ok(RateLimit::per_ten_seconds(150)));
        assert_eq!(parse_rate_limit("1"), Ok(RateLimit::per_ten_seconds(1)));
        assert!(
            parse_rate_limit("0")
                .unwrap_err()
                .contains("a number of calls")
        );
        assert!(parse_rate_limit("lots").is_err());
    }

    #[test]
    fn the_format_follows_the_file_unless_asked() {
        let csv = PathBuf::from("out.CSV");
        assert_eq!(Format::choose(None, Some(&csv)), Format::Csv);
        assert_eq!(
            Format::choose(Some(Format::Jsonl), Some(&csv)),
            Format::Jsonl
        );
        assert_eq!(Format::choose(None, None), Format::Jsonl);
    }
}
