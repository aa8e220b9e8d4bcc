//! `hubspot-deals`: log in to HubSpot once, export, import, watch and mirror deals, serve a
//! fake HubSpot.
//!
//! Built on the `hubspot-deals` library's public API only. Exit codes: 0 done, 1 some rows
//! failed (import), 2 usage error, 3 auth error, 4 HubSpot or network error after retries.
//!
//! The arguments are in [`args`]; each command group in a module of its own ([`auth`],
//! [`deals`], [`fake`]), on the shared pieces beside them (credentials, state files,
//! failures, progress bars, what reaches the terminal).

// One audited call (the user's id, `private_files`) needs `unsafe`; nothing else may.
#![deny(unsafe_code)]

mod args;
mod auth;
mod deals;
mod doctor;
mod failure;
mod fake;
mod owners;
mod private_files;
mod profile;
mod progress;
mod schema;
mod state_file;
mod sync;
mod terminal;
mod url_secrets;

use args::{AuthCommand, Cli, Command, DealsCommand, PropertiesCommand};
use failure::Failure;
use std::process::ExitCode;

fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::from_command_line();
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
        Command::Auth(AuthCommand::Login(args)) => auth::login(&global, args).await,
        Command::Auth(AuthCommand::Status) => auth::status(&global).await,
        Command::Auth(AuthCommand::Logout) => auth::logout(&global).await,
        Command::Deals(DealsCommand::Export(args)) => deals::export(&global, args).await,
        Command::Deals(DealsCommand::Import(args)) => deals::import(&global, args).await,
        Command::Deals(DealsCommand::Get(args)) => deals::get(&global, args).await,
        Command::Deals(DealsCommand::Search(args)) => deals::search(&global, args).await,
        Command::Deals(DealsCommand::Archive(args)) => deals::archive(&global, args).await,
        Command::Deals(DealsCommand::Watch(args)) => deals::watch(&global, args).await,
        Command::Pipelines(args) => schema::pipelines(&global, args).await,
        Command::Owners(args) => owners::owners(&global, args).await,
        Command::Properties(PropertiesCommand::List(args)) => {
            schema::list_properties(&global, args).await
        }
        Command::Properties(PropertiesCommand::Create(args)) => {
            schema::create_property(&global, args).await
        }
        Command::Sync(args) => sync::sync(&global, args).await,
        Command::Verify(args) => sync::verify::verify(&global, args).await,
        Command::Doctor(args) => doctor::doctor(&global, args).await,
        Command::Fake(args) => fake::serve(*args).await,
    }
}
