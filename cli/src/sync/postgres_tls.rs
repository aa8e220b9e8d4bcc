//! How `sync` reaches PostgreSQL: over TLS (rustls) as the URL's `sslmode` asks, and by
//! default to any host that is not this machine, so a password never crosses a network in
//! clear text unless the URL says `sslmode=disable`.
//!
//! | `sslmode` | this machine (loopback, Unix socket) | another host |
//! |---|---|---|
//! | (none) | plain | TLS, certificate checked |
//! | `disable` | plain | plain (said on standard error) |
//! | `prefer` | TLS when the server offers it | the same |
//! | `require`, `verify-ca`, `verify-full` | TLS, certificate checked | the same |
//!
//! A certificate is always checked, host name included (stricter than libpq's `require`,
//! which checks nothing): against the platform's roots, or against `sslrootcert=PATH` alone
//! (PEM) for a private CA.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::net::IpAddr;
use std::sync::Arc;
use tokio_postgres::config::{Host, SslMode};

/// What the URL asks for, read from its `sslmode` and `sslrootcert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// `sslmode`, when given.
    pub mode: Option<String>,
    /// `sslrootcert`, when given.
    pub root_cert: Option<String>,
}

/// How to connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Plain TCP (or a Unix socket).
    Plain,
    /// TLS when the server offers it, else plain.
    Prefer,
    /// TLS or nothing.
    Require,
}

impl Plan {
    /// The mode tokio-postgres is given.
    fn ssl_mode(self) -> SslMode {
        match self {
            Self::Plain => SslMode::Disable,
            Self::Prefer => SslMode::Prefer,
            Self::Require => SslMode::Require,
        }
    }

    /// What to say before connecting this way to a server that is this machine (`local`) or
    /// not: plain to another host crosses the network unencrypted.
    fn warning(self, local: bool) -> Option<&'static str> {
        (self == Self::Plain && !local).then_some(
            "the PostgreSQL server is another host and sslmode=disable: the connection, and \
             a password if the server asks for it in clear text, cross the network unencrypted",
        )
    }
}

/// `url` split into what tokio-postgres parses and what this module decides (`sslmode` and
/// `sslrootcert`, which tokio-postgres reads only in part).
pub fn split(url: &str) -> Result<(String, Asked), String> {
    let mut parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    let mut asked = Asked {
        mode: None,
        root_cert: None,
    };
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(key, value)| match key.as_ref() {
            "sslmode" => {
                asked.mode = Some(value.into_owned());
                None
            }
            "sslrootcert" => {
                asked.root_cert = Some(value.into_owned());
                None
            }
            _ => Some((key.into_owned(), value.into_owned())),
        })
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok((parsed.to_string(), asked))
}

/// Whether every host `config` names is this machine.
pub fn local_only(config: &tokio_postgres::Config) -> bool {
    let hosts = config.get_hosts();
    !hosts.is_empty()
        && hosts.iter().all(|host| match host {
            #[cfg(unix)]
            Host::Unix(_) => true,
            Host::Tcp(name) => {
                name.eq_ignore_ascii_case("localhost")
                    || name
                        .trim_matches(['[', ']'])
                        .parse::<IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
        })
}

/// The plan for `asked` to a server that is this machine (`local`) or not; an error for a
/// `sslmode` libpq does not know.
pub fn plan(asked: &Asked, local: bool) -> Result<Plan, String> {
    match asked.mode.as_deref() {
        None if local => Ok(Plan::Plain),
        None => Ok(Plan::Require),
        Some("disable") => Ok(Plan::Plain),
        Some("allow" | "prefer") => Ok(Plan::Prefer),
        Some("require" | "verify-ca" | "verify-full") => Ok(Plan::Require),
        Some(other) => Err(format!(
            "sslmode={other} is not one PostgreSQL knows: disable, allow, prefer, require, \
             verify-ca or verify-full"
        )),
    }
}

/// The rustls configuration: the platform's roots, or `root_cert` (a PEM file) alone.
pub fn client_config(root_cert: Option<&str>) -> Result<rustls::ClientConfig, String> {
    #[allow(deprecated)] // ring, as the client crate (see its tls module)
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let config = match root_cert {
        None => {
            use rustls_platform_verifier::BuilderVerifierExt;
            builder
                .with_platform_verifier()
                .map_err(|e| format!("cannot load the platform's certificate verifier: {e}"))?
        }
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certificates = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("sslrootcert={path}: {e}"))?;
            for certificate in certificates {
                let certificate = certificate.map_err(|e| format!("sslrootcert={path}: {e}"))?;
                roots
                    .add(certificate)
                    .map_err(|e| format!("sslrootcert={path}: {e}"))?;
            }
            if roots.is_empty() {
                return Err(format!("sslrootcert={path} holds no certificate (PEM)"));
            }
            builder.with_root_certificates(roots)
        }
    };
    Ok(config.with_no_client_auth())
}

/// Connects as `url` asks, by the [`plan`]; the client and its connection (to spawn).
pub async fn connect(
    url: &str,
) -> Result<
    (
        tokio_postgres::Client,
        impl std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + use<>,
    ),
    super::SinkError,
> {
    let (rest, asked) = split(url)?;
    let mut config: tokio_postgres::Config = rest.parse()?;
    let local = local_only(&config);
    let plan = plan(&asked, local)?;
    if let Some(warning) = plan.warning(local) {
        eprintln!("{warning}");
    }
    config.ssl_mode(plan.ssl_mode());
    let (client, connection) = match plan {
        Plan::Plain => {
            let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
            (client, futures_util::future::Either::Left(connection))
        }
        Plan::Prefer | Plan::Require => {
            let tls = client_config(asked.root_cert.as_deref())?;
            let connector = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
            let (client, connection) = config.connect(connector).await?;
            (client, futures_util::future::Either::Right(connection))
        }
    };
    Ok((client, connection))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(url: &str) -> (String, Asked) {
        split(url).unwrap()
    }

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_the_url_and_the_rest_kept() {
        let (rest, got) = asked(
            "postgres://me@db.example.com/crm?sslmode=require&application_name=x&sslrootcert=/ca.pem",
        );
        assert_eq!(rest, "postgres://me@db.example.com/crm?application_name=x");
        assert_eq!(got.mode.as_deref(), Some("require"));
        assert_eq!(got.root_cert.as_deref(), Some("/ca.pem"));
        let (rest, got) = asked("postgres://me@127.0.0.1:5432/crm");
        assert_eq!(rest, "postgres://me@127.0.0.1:5432/crm");
        assert_eq!(
            got,
            Asked {
                mode: None,
                root_cert: None
            }
        );
    }

    #[test]
    fn another_host_gets_tls_unless_the_url_says_disable() {
        let local = |url: &str| local_only(&url.parse().unwrap());
        assert!(local("postgres://me@127.0.0.1/crm"));
        assert!(local("postgres://me@localhost/crm"));
        assert!(local("postgres://me@[::1]/crm"));
        assert!(!local("postgres://me@db.example.com/crm"));
        assert!(!local("postgres://me@10.0.0.7/crm"));
        assert!(
            !local("host=127.0.0.1,db.example.com user=me"),
            "every host counts"
        );
        let mode = |m: Option<&str>| Asked {
            mode: m.map(String::from),
            root_cert: None,
        };
        assert_eq!(plan(&mode(None), true), Ok(Plan::Plain));
        assert_eq!(plan(&mode(None), false), Ok(Plan::Require));
        assert_eq!(plan(&mode(Some("disable")), false), Ok(Plan::Plain));
        assert_eq!(plan(&mode(Some("prefer")), true), Ok(Plan::Prefer));
        assert_eq!(plan(&mode(Some("allow")), false), Ok(Plan::Prefer));
        for strict in ["require", "verify-ca", "verify-full"] {
            assert_eq!(plan(&mode(Some(strict)), true), Ok(Plan::Require));
        }
        assert!(
            plan(&mode(Some("always")), true)
                .unwrap_err()
                .contains("verify-full")
        );
    }

    #[test]
    fn plain_to_another_host_is_said_and_each_plan_has_its_mode() {
        assert!(Plan::Plain.warning(false).unwrap().contains("unencrypted"));
        assert_eq!(Plan::Plain.warning(true), None);
        assert_eq!(Plan::Require.warning(false), None);
        assert_eq!(Plan::Prefer.warning(false), None);
        assert_eq!(Plan::Plain.ssl_mode(), SslMode::Disable);
        assert_eq!(Plan::Prefer.ssl_mode(), SslMode::Prefer);
        assert_eq!(Plan::Require.ssl_mode(), SslMode::Require);
    }

    #[test]
    fn a_root_certificate_file_must_hold_a_certificate() {
        let missing = client_config(Some("/nonexistent/ca.pem")).unwrap_err();
        assert!(
            missing.contains("sslrootcert=/nonexistent/ca.pem"),
            "{missing}"
        );
        let dir = std::env::temp_dir().join(format!("pg-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let error = client_config(empty.to_str()).unwrap_err();
        assert!(error.contains("holds no certificate"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
