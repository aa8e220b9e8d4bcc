//! `auth login`, `auth status`, `auth logout`.
//!
//! An OAuth login replaces HubSpot's manual steps: it listens on
//! `http://localhost:PORT/callback` (the redirect URL registered on the app), prints the
//! authorize URL (and opens a browser), waits for the redirect that carries its `state`,
//! exchanges the code and stores the refresh token. Secrets (the client secret, a private
//! app's token) come from the environment or standard input, never from arguments, which
//! every user of the machine can read in the process list.

use crate::Global;
use crate::failure::{Failure, LOGIN_AGAIN};
use crate::listener::Listener;
use crate::profile::{self, HUBSPOT, Source, Stored};
use crate::terminal::{printable, read_secret};
use chrono::Utc;
use hubspot_deals::AuthError;
use hubspot_deals::auth::{AuthorizeUrl, TOKEN_PATH, exchange_code, introspect, revoke};
use hubspot_deals::{Client, Secret};
use std::process::ExitCode;
use std::time::Duration;

/// How to log in.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// Read a private app's access token from standard input (never from an argument, which
    /// shells keep in their history).
    #[arg(long, conflicts_with = "client_id")]
    private_app_token: bool,
    /// The OAuth app's client id.
    #[arg(
        long,
        env = "HUBSPOT_CLIENT_ID",
        required_unless_present = "private_app_token"
    )]
    client_id: Option<String>,
    /// Not taken: a secret in the arguments is in the process list for every user to read.
    /// The client secret comes from HUBSPOT_CLIENT_SECRET, else standard input.
    #[arg(long, hide = true)]
    client_secret: Option<String>,
    /// The scopes to ask for (space- or comma-separated).
    #[arg(long, value_delimiter = ',', num_args = 1..,
          default_values_t = ["crm.objects.deals.read".to_string(),
                              "crm.objects.deals.write".to_string(), "oauth".to_string()])]
    scopes: Vec<String>,
    /// The port of the redirect URL http://localhost:PORT/callback.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Print the authorize URL without opening a browser.
    #[arg(long)]
    no_browser: bool,
    /// How long to wait for the redirect, in seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// The authorize page (default: HubSpot's, or the base URL's /oauth/authorize).
    #[arg(long)]
    authorize_url: Option<String>,
}

/// `auth login`.
pub async fn login(global: &Global, args: LoginArgs) -> Result<ExitCode, Failure> {
    if args.client_secret.is_some() {
        return Err(Failure::Usage(
            "--client-secret is not taken on the command line, where every user of this \
             machine can read it in the process list: set HUBSPOT_CLIENT_SECRET, or type it \
             when asked (or pipe it in)"
                .into(),
        ));
    }
    if args.private_app_token {
        return login_private_app(global).await;
    }
    let Some(client_id) = args.client_id.clone() else {
        return Err(Failure::Usage(
            "an OAuth login needs --client-id (and the client secret in \
             HUBSPOT_CLIENT_SECRET or on standard input)"
                .into(),
        ));
    };
    let client_secret = match std::env::var("HUBSPOT_CLIENT_SECRET") {
        Ok(secret) if !secret.trim().is_empty() => Secret::new(secret.trim()),
        _ => read_secret(
            "The app's client secret (not shown): ",
            "client secret",
            "hubspot-deals auth login --client-id ID < secret.txt",
        )?,
    };
    let base_url = global.base_url.clone().unwrap_or_else(|| HUBSPOT.into());
    let listener = Listener::bind(args.port).await?;
    // --port 0 takes a free port (the app must then accept any localhost redirect URL).
    let redirect_uri = format!("http://localhost:{}/callback", listener.port());
    let scopes = args
        .scopes
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(str::to_string);
    let mut request = AuthorizeUrl::new(&client_id, &redirect_uri).scopes(scopes);
    match (&args.authorize_url, global.base_url.as_deref()) {
        (Some(url), _) => request = request.endpoint(url),
        (None, Some(base)) if base.trim_end_matches('/') != HUBSPOT => {
            request = request.endpoint(format!("{}/oauth/authorize", base.trim_end_matches('/')));
        }
        _ => {}
    }
    let url = request.url();
    eprintln!(
        "Open this URL to install the app (the redirect URL registered on it must be {redirect_uri}):\n{url}"
    );
    if !args.no_browser {
        // No browser here (a server over SSH): the URL above is for a person to open.
        let _ = webbrowser::open(&url);
    }
    let timeout = Duration::from_secs(args.timeout);
    let redirect = tokio::time::timeout(timeout, listener.redirect(request.state()))
        .await
        .map_err(|_| {
            Failure::Auth(format!(
                "no redirect came back within {} s. If HubSpot showed an error about the \
                 redirect URL, register {redirect_uri} on the app's Auth settings; then run the \
                 command again",
                args.timeout
            ))
        })??;
    if let Some(error) = redirect.get("error") {
        let detail = redirect
            .get("error_description")
            .map(|d| format!(": {}", printable(d)))
            .unwrap_or_default();
        return Err(Failure::Auth(format!(
            "HubSpot did not install the app ({}{detail}). Run the command again and \
             approve the app to log in",
            printable(error)
        )));
    }
    let Some(code) = redirect.get("code") else {
        return Err(Failure::Auth(
            "the redirect carried no code: run the command again".into(),
        ));
    };
    let token_url = format!("{}{TOKEN_PATH}", base_url.trim_end_matches('/'));
    let tokens = exchange_code(&token_url, &client_id, &client_secret, &redirect_uri, code)
        .await
        .map_err(|e| match &e {
            AuthError::TokenEndpoint { .. } if e.to_string().contains("BAD_REDIRECT_URI") => {
                Failure::Auth(format!(
                    "{e}: register {redirect_uri} as the app's redirect URL and run the command again"
                ))
            }
            _ => Failure::from(e),
        })?;
    let stored = Stored::OAuth {
        client_id: client_id.clone(),
        client_secret: client_secret.clone(),
        refresh_token: tokens.refresh_token.clone(),
        base_url: global.base_url.clone(),
        access_expires_at: Some(tokens.expires_at),
    };
    let path = profile::save(&global.profile, stored)?;
    let who = introspect(&base_url, &client_id, &client_secret, &tokens.access_token)
        .await
        .ok()
        .map(|info| {
            describe(
                info.user.as_deref(),
                info.hub_id,
                info.hub_domain.as_deref(),
            )
        })
        .unwrap_or_default();
    eprintln!(
        "Logged in{}. Credentials stored in {} (profile {:?}).",
        printable(&who),
        path.display(),
        global.profile
    );
    Ok(ExitCode::SUCCESS)
}

/// " as USER to HUB" as far as known.
fn describe(user: Option<&str>, hub_id: Option<u64>, domain: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(user) = user {
        text.push_str(&format!(" as {user}"));
    }
    match (hub_id, domain) {
        (Some(id), Some(domain)) => text.push_str(&format!(" to portal {id} ({domain})")),
        (Some(id), None) => text.push_str(&format!(" to portal {id}")),
        _ => {}
    }
    text
}

/// A private app's token from standard input (not echoed on a terminal), checked with one
/// call, then stored.
async fn login_private_app(global: &Global) -> Result<ExitCode, Failure> {
    let token = read_secret(
        "Paste the private app's access token (not shown), then press Enter: ",
        "token",
        "hubspot-deals auth login --private-app-token < token.txt",
    )?;
    let base_url = global.base_url.clone().unwrap_or_else(|| HUBSPOT.into());
    let client = Client::builder()
        .base_url(&base_url)
        .private_app_token(token.clone())
        .build()
        .map_err(|e| Failure::Usage(format!("this token cannot be used: {e}")))?;
    client.get_page().limit(1).send().await.map_err(|e| {
        if e.is_auth() {
            Failure::Auth(format!(
                "HubSpot refused the token ({e}); copy it again from the private app's settings"
            ))
        } else {
            Failure::from(e)
        }
    })?;
    let stored = Stored::PrivateApp {
        token,
        base_url: global.base_url.clone(),
    };
    let path = profile::save(&global.profile, stored)?;
    eprintln!(
        "Logged in with a private app's token (it can read deals). Stored in {} (profile {:?}).",
        path.display(),
        global.profile
    );
    Ok(ExitCode::SUCCESS)
}

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
        Stored::PrivateApp { .. } => {
            println!("kind: private app token");
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
    }
    Ok(ExitCode::SUCCESS)
}
