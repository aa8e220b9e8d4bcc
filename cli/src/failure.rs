//! Why a command failed, and the exit code that says so.

use std::fmt;
use std::process::ExitCode;

/// A command's failure: a message a person can act on, and its kind.
#[derive(Debug)]
pub enum Failure {
    /// The command was given something it cannot use (exit 2).
    Usage(String),
    /// Credentials are missing, refused or revoked (exit 3).
    Auth(String),
    /// HubSpot or the network failed after retries, or a file could not be written (exit 4).
    Remote(String),
}

impl Failure {
    /// The process's exit code for it.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Usage(_) => 2,
            Self::Auth(_) => 3,
            Self::Remote(_) => 4,
        })
    }

    /// Output (a file, or standard output) that could not be written.
    pub fn write(error: impl fmt::Display) -> Self {
        Self::Remote(format!("cannot write: {error}"))
    }

    /// A file that could not be read or written.
    pub fn file(what: &str, path: &std::path::Path, error: std::io::Error) -> Self {
        Self::Remote(format!("cannot {what} {}: {error}", path.display()))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) | Self::Auth(message) | Self::Remote(message) => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for Failure {}

/// What to tell a person whose credentials no longer work.
pub const LOGIN_AGAIN: &str = "run `hubspot-deals auth login` again";

impl From<hubspot_deals::Error> for Failure {
    fn from(error: hubspot_deals::Error) -> Self {
        if error.needs_reauthorization() || error.is_auth() {
            Self::Auth(format!("{error}; {LOGIN_AGAIN}"))
        } else if error.is_missing_scopes() {
            Self::Auth(format!(
                "{error}; log in again with the scopes the command needs"
            ))
        } else if matches!(error, hubspot_deals::Error::InvalidRequest(_)) {
            Self::Usage(error.to_string())
        } else {
            Self::Remote(error.to_string())
        }
    }
}

impl From<hubspot_deals::AuthError> for Failure {
    fn from(error: hubspot_deals::AuthError) -> Self {
        Self::from(hubspot_deals::Error::Auth(error))
    }
}
