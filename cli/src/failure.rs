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

/// `error` and its causes on one line, innermost last: a database driver's own message is
/// often only in a cause (tokio-postgres says "db error" and keeps the server's words in
/// its source).
pub fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::with_causes;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn a_drivers_cause_is_said_after_its_vague_message() {
        let server = Layer("ERROR: value too long for type", None);
        let error = Layer("db error", Some(Box::new(server)));
        assert_eq!(
            with_causes(&error),
            "db error: ERROR: value too long for type"
        );
        let repeated = Layer("db error: x", Some(Box::new(Layer("x", None))));
        assert_eq!(with_causes(&repeated), "db error: x", "said once");
    }
}
