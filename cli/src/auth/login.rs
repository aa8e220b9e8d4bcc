//! `auth login`: an OAuth login replaces HubSpot's manual steps: it listens on
//! `http://localhost:PORT/callback` (the redirect URL registered on the app), prints the
//! authorize URL (and opens a browser), waits for the redirect that carries its `state`,
//! exchanges the code and stores the refresh token. Or a Service Key or a private app's token,
//! checked with one call. Secrets (the client secret, a key or token) come from the environment or
//! standard input, never from arguments, which every user of the machine can read in the
//! process list.

use super::listener::Listener;
use crate::args::{Global, LoginArgs};
use crate::failure::Failure;
use crate::profile::{self, HUBSPOT, Stored};
use crate::terminal::{printable, read_secret};
use hubspot_deals::AuthError;
use hubspot_deals::auth::{AuthorizeUrl, TOKEN_PATH, exchange_code, introspect};
use hubspot_deals::{Client, Secret};
use std::process::ExitCode;
use std::time::Duration;

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
        return login_static(global, StaticKind::PrivateApp).await;
    }
    if args.service_key {
        return login_static(global, StaticKind::ServiceKey).await;
    }
    if args.client_credentials {
        return login_app(global, &args).await;
    }
    let Some(client_id) = args.client_id.clone() else {
        return Err(Failure::Usage(
            "an OAuth login needs --client-id (and the client secret in \
             HUBSPOT_CLIENT_SECRET or on standard input)"
                .into(),
        ));
    };
    let client_secret = client_secret("hubspot-deals auth login --client-id ID < secret.txt")?;
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

/// The app's client secret: `HUBSPOT_CLIENT_SECRET`, else standard input (not echoed on a
/// terminal; `example` shows how to pipe it in).
fn client_secret(example: &str) -> Result<Secret, Failure> {
    match std::env::var("HUBSPOT_CLIENT_SECRET") {
        Ok(secret) if !secret.trim().is_empty() => Ok(Secret::new(secret.trim())),
        _ => read_secret(
            "The app's client secret (not shown): ",
            "client secret",
            example,
        ),
    }
}

/// The scopes an app's journal token asks for when `--scopes` is left at its default.
const JOURNAL_SCOPES: [&str; 3] = [
    "developer.webhooks_journal.read",
    "developer.webhooks_journal.subscriptions.read",
    "developer.webhooks_journal.subscriptions.write",
];

/// `auth login --client-credentials`: the app's credentials, checked by getting a token and
/// listing its journal subscriptions, stored beside the profile's.
async fn login_app(global: &Global, args: &LoginArgs) -> Result<ExitCode, Failure> {
    let (Some(client_id), Some(portal_id)) = (args.client_id.clone(), args.portal_id) else {
        return Err(Failure::Usage(
            "--client-credentials needs --client-id and --portal-id".into(),
        ));
    };
    let client_secret = client_secret(
        "hubspot-deals auth login --client-credentials --client-id ID --portal-id N < secret.txt",
    )?;
    let asked: Vec<String> = args
        .scopes
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(str::to_string)
        .collect();
    let scopes: Vec<String> = if asked
        .iter()
        .any(|s| s.starts_with("developer.webhooks_journal"))
    {
        asked
    } else {
        JOURNAL_SCOPES.iter().map(|s| s.to_string()).collect()
    };
    let base_url = global.base_url.clone().unwrap_or_else(|| HUBSPOT.into());
    let oauth = hubspot_deals::auth::OAuth::client_credentials(
        client_id.clone(),
        client_secret.clone(),
        scopes.clone(),
    );
    let client = Client::builder()
        .base_url(&base_url)
        .oauth(oauth)
        .build()
        .map_err(|e| Failure::Usage(format!("these app credentials cannot be used: {e}")))?;
    hubspot_deals::journal::deal_subscriptions(&client, portal_id)
        .await
        .map_err(|e| {
            if e.is_auth() {
                Failure::Auth(format!(
                    "HubSpot refused the app's client credentials ({e}); check the client id \
                     and secret on the app's Auth settings, and that the app has the journal's \
                     scopes"
                ))
            } else {
                Failure::from(e)
            }
        })?;
    let app = profile::StoredApp {
        client_id,
        client_secret,
        scopes,
        portal_id,
        base_url: global.base_url.clone(),
    };
    let path = profile::save_app(&global.profile, app)?;
    eprintln!(
        "Stored the app's client credentials for portal {portal_id}'s webhooks journal in {} \
         (profile {:?}); `deals watch` reads the journal with them.",
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

/// A static bearer credential: a Service Key or a private app's token.
#[derive(Clone, Copy)]
enum StaticKind {
    PrivateApp,
    ServiceKey,
}

impl StaticKind {
    /// What it is, for people.
    fn name(self) -> &'static str {
        match self {
            Self::PrivateApp => "a private app's token",
            Self::ServiceKey => "a Service Key",
        }
    }

    /// Where to copy it from again.
    fn origin(self) -> &'static str {
        match self {
            Self::PrivateApp => "the private app's settings",
            Self::ServiceKey => "Development > Keys > Service keys in HubSpot",
        }
    }

    fn stored(self, secret: Secret, base_url: Option<String>) -> Stored {
        match self {
            Self::PrivateApp => Stored::PrivateApp {
                token: secret,
                base_url,
            },
            Self::ServiceKey => Stored::ServiceKey {
                key: secret,
                base_url,
            },
        }
    }
}

/// A Service Key or private app's token from standard input (not echoed on a terminal),
/// checked with one call, then stored.
async fn login_static(global: &Global, kind: StaticKind) -> Result<ExitCode, Failure> {
    let (prompt, what, example) = match kind {
        StaticKind::PrivateApp => (
            "Paste the private app's access token (not shown), then press Enter: ",
            "token",
            "hubspot-deals auth login --private-app-token < token.txt",
        ),
        StaticKind::ServiceKey => (
            "Paste the Service Key (not shown), then press Enter: ",
            "Service Key",
            "hubspot-deals auth login --service-key < key.txt",
        ),
    };
    let secret = read_secret(prompt, what, example)?;
    let base_url = global.base_url.clone().unwrap_or_else(|| HUBSPOT.into());
    let builder = Client::builder().base_url(&base_url);
    let builder = match kind {
        StaticKind::PrivateApp => builder.private_app_token(secret.clone()),
        StaticKind::ServiceKey => builder.service_key(secret.clone()),
    };
    let client = builder
        .build()
        .map_err(|e| Failure::Usage(format!("this {what} cannot be used: {e}")))?;
    client.get_page().limit(1).send().await.map_err(|e| {
        if e.is_auth() {
            Failure::Auth(format!(
                "HubSpot refused the {what} ({e}); copy it again from {}",
                kind.origin()
            ))
        } else {
            Failure::from(e)
        }
    })?;
    let stored = kind.stored(secret, global.base_url.clone());
    let path = profile::save(&global.profile, stored)?;
    eprintln!(
        "Logged in with {} (it can read deals). Stored in {} (profile {:?}).",
        kind.name(),
        path.display(),
        global.profile
    );
    Ok(ExitCode::SUCCESS)
}
