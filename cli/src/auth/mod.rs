//! `auth`: logging in (`login`), who the stored credentials are (`status`), and logging out
//! (`logout`, which revokes the refresh token at HubSpot).

mod listener;
mod login;

pub use login::login;

use crate::args::Global;
use crate::failure::{Failure, LOGIN_AGAIN};
use crate::profile::{self, Source, Stored};
use crate::terminal::printable;
use chrono::Utc;
use hubspot_deals::auth::{introspect, revoke};
use std::process::ExitCode;

/// `auth status`: who, which scopes, when the access token expires; never a secret.
pub async fn status(global: &Global) -> Result<ExitCode, Failure> {
    let resolved = profile::resolve(global)?;
    let base_url = resolved.base_url(global)?;
    let from = match &resolved.source {
        Source::Environment => "from the environment".to_string(),
        Source::File(name) => format!("profile {name:?} in {}", profile::path()?.display()),
    };
    println!("credentials: {from}");
    println!("api: {base_url}");
    match &resolved.stored {
        Stored::PrivateApp { .. } | Stored::ServiceKey { .. } => {
            let kind = match &resolved.stored {
                Stored::ServiceKey { .. } => "Service Key",
                _ => "private app token",
            };
            println!("kind: {kind}");
            profile::client(global)?.get_page().limit(1).send().await?;
            println!("works: yes (deals can be read)");
        }
        Stored::OAuth {
            client_id,
            client_secret,
            refresh_token,
            access_expires_at,
            ..
        } => {
            println!("kind: OAuth app {client_id}");
            let info = introspect(&base_url, client_id, client_secret, refresh_token).await?;
            if !info.active {
                return Err(Failure::Auth(format!(
                    "the stored refresh token was revoked or has expired: {LOGIN_AGAIN}"
                )));
            }
            if let Some(user) = &info.user {
                println!("user: {}", printable(user));
            }
            if let Some(hub) = info.hub_id {
                let domain = info.hub_domain.as_deref().unwrap_or("");
                println!("portal: {hub} {}", printable(domain));
            }
            println!("scopes: {}", printable(&info.scopes.join(" ")));
            match access_expires_at {
                Some(at) if *at > Utc::now() => {
                    let minutes = (*at - Utc::now()).num_minutes();
                    println!("access token: expires {at} (in {minutes} min)");
                }
                Some(at) => println!("access token: expired {at}; the next command refreshes it"),
                None => println!("access token: none yet; the next command gets one"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `auth logout`: deletes the profile, revoking its refresh token at HubSpot first (at the
/// origin it was logged in for).
pub async fn logout(global: &Global) -> Result<ExitCode, Failure> {
    let resolved = match profile::resolve_stored(global)? {
        Some(resolved) => resolved,
        None => {
            eprintln!("Nothing stored for profile {:?}.", global.profile);
            return Ok(ExitCode::SUCCESS);
        }
    };
    let base_url = resolved.base_url(global)?;
    profile::remove(&global.profile)?;
    match resolved.stored {
        Stored::OAuth {
            client_id,
            client_secret,
            refresh_token,
            ..
        } => {
            let revoked = revoke(&base_url, &client_id, &client_secret, &refresh_token).await;
            match revoked {
                Ok(()) => eprintln!(
                    "Logged out: the refresh token is revoked at HubSpot and profile {:?} deleted.",
                    global.profile
                ),
                Err(e) => eprintln!(
                    "Profile {:?} deleted, but HubSpot did not revoke the refresh token ({}); \
                     uninstall the app from the portal to end it.",
                    global.profile,
                    printable(&e.to_string())
                ),
            }
        }
        Stored::PrivateApp { .. } => eprintln!(
            "Logged out: profile {:?} deleted (a private app's token is ended by rotating it in \
             HubSpot's settings).",
            global.profile
        ),
        Stored::ServiceKey { .. } => eprintln!(
            "Logged out: profile {:?} deleted (a Service Key is ended by rotating or deleting it \
             under Development > Keys in HubSpot).",
            global.profile
        ),
    }
    Ok(ExitCode::SUCCESS)
}
