//! `auth login`, `auth status`, `auth logout`.
//!
//! An OAuth login replaces HubSpot's manual steps: it listens on
//! `http://localhost:PORT/callback` (the redirect URL registered on the app), prints the
//! authorize URL (and opens a browser), checks the `state` HubSpot redirects back with,
//! exchanges the code and stores the refresh token.

use crate::Global;
use crate::failure::{Failure, LOGIN_AGAIN};
use crate::profile::{self, HUBSPOT, Source, Stored};
use chrono::Utc;
use hubspot_deals::AuthError;
use hubspot_deals::auth::{AuthorizeUrl, TOKEN_PATH, exchange_code, introspect, revoke};
use hubspot_deals::{Client, Secret};
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How to log in.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// Read a private app's access token from standard input (never from an argument, which
    /// shells keep in their history).
    #[arg(long, conflicts_with_all = ["client_id", "client_secret"])]
    private_app_token: bool,
    /// The OAuth app's client id.
    #[arg(
        long,
        env = "HUBSPOT_CLIENT_ID",
        required_unless_present = "private_app_token"
    )]
    client_id: Option<String>,
    /// The OAuth app's client secret.
    #[arg(
        long,
        env = "HUBSPOT_CLIENT_SECRET",
        hide_env_values = true,
        required_unless_present = "private_app_token"
    )]
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
    if args.private_app_token {
        return login_private_app(global).await;
    }
    let (Some(client_id), Some(client_secret)) =
        (args.client_id.clone(), args.client_secret.clone())
    else {
        return Err(Failure::Usage(
            "an OAuth login needs --client-id and --client-secret".into(),
        ));
    };
    let base_url = global.base_url.clone().unwrap_or_else(|| HUBSPOT.into());
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| {
            Failure::Usage(if e.kind() == std::io::ErrorKind::AddrInUse {
                format!(
                    "port {} is in use (another login, or another program): pass --port N, and \
                     register http://localhost:N/callback as a redirect URL on the app",
                    args.port
                )
            } else {
                format!("cannot listen on port {}: {e}", args.port)
            })
        })?;
    // --port 0 takes a free port (the app must then accept any localhost redirect URL).
    let port = listener.local_addr().map_or(args.port, |a| a.port());
    let redirect_uri = format!("http://localhost:{port}/callback");
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
        open_browser(&url);
    }
    let timeout = Duration::from_secs(args.timeout);
    let redirect = tokio::time::timeout(timeout, wait_for_redirect(&listener))
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
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        return Err(Failure::Auth(format!(
            "HubSpot did not install the app ({error}{detail}). Run the command again and \
             approve the app to log in"
        )));
    }
    if redirect.get("state").map(String::as_str) != Some(request.state()) {
        return Err(Failure::Auth(
            "the redirect's state does not match this login's (a stale browser tab, or a \
             redirect this command did not ask for): nothing was stored; run the command again"
                .into(),
        ));
    }
    let Some(code) = redirect.get("code") else {
        return Err(Failure::Auth(
            "the redirect carried no code: run the command again".into(),
        ));
    };
    let token_url = format!("{}{TOKEN_PATH}", base_url.trim_end_matches('/'));
    let secret = Secret::new(client_secret.clone());
    let tokens = exchange_code(&token_url, &client_id, &secret, &redirect_uri, code)
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
        client_secret,
        refresh_token: tokens.refresh_token.expose().to_string(),
        base_url: global.base_url.clone(),
        access_expires_at: Some(tokens.expires_at),
    };
    let path = profile::save(&global.profile, stored)?;
    let who = introspect(&base_url, &client_id, &secret, &tokens.access_token)
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
        "Logged in{who}. Credentials stored in {} (profile {:?}).",
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

/// Accepts connections until one is the redirect to `/callback`; its query.
async fn wait_for_redirect(listener: &TcpListener) -> Result<HashMap<String, String>, Failure> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| Failure::Remote(format!("the login's listener failed: {e}")))?;
        let Some(target) = request_target(&mut stream).await else {
            continue;
        };
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        if path != "/callback" {
            respond(
                &mut stream,
                404,
                "Not found",
                "This is hubspot-deals' login listener.",
            )
            .await;
            continue;
        }
        let query: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let (title, message) = if query.contains_key("code") {
            (
                "Logged in",
                "You can close this tab and go back to the terminal.",
            )
        } else {
            (
                "Not logged in",
                "The app was not installed. The terminal says what to do.",
            )
        };
        respond(&mut stream, 200, title, message).await;
        return Ok(query);
    }
}

/// The target of a request's first line (`GET /callback?code=... HTTP/1.1`).
async fn request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .ok()?
            .ok()?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.lines().next()?.split_whitespace();
    (parts.next()? == "GET").then(|| parts.next().map(str::to_string))?
}

async fn respond(stream: &mut TcpStream, status: u16, title: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>{message}</p></body></html>\n"
    );
    let reason = if status == 200 { "OK" } else { "Not Found" };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Opens `url` in the platform's browser, if there is one; silent when there is not.
fn open_browser(url: &str) {
    let candidates: Vec<(String, Vec<String>)> = if let Ok(browser) = std::env::var("BROWSER") {
        vec![(browser, vec![url.to_string()])]
    } else if cfg!(target_os = "macos") {
        vec![("open".into(), vec![url.to_string()])]
    } else if cfg!(windows) {
        vec![(
            "cmd".into(),
            vec!["/C".into(), "start".into(), String::new(), url.to_string()],
        )]
    } else {
        vec![("xdg-open".into(), vec![url.to_string()])]
    };
    for (program, args) in candidates {
        let spawned = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if spawned.is_ok() {
            return;
        }
    }
}

/// A private app's token from standard input, checked with one call, then stored.
async fn login_private_app(global: &Global) -> Result<ExitCode, Failure> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Paste the private app's access token, then press Enter:");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Usage(format!("cannot read the token from standard input: {e}")))?;
    let token = line.trim().to_string();
    if token.is_empty() {
        return Err(Failure::Usage(
            "no token on standard input: pipe it in, e.g. `hubspot-deals auth login \
             --private-app-token < token.txt`"
                .into(),
        ));
    }
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
    let base_url = resolved.base_url(global);
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
            let info = introspect(
                &base_url,
                client_id,
                &Secret::new(client_secret.clone()),
                &Secret::new(refresh_token.clone()),
            )
            .await?;
            if !info.active {
                return Err(Failure::Auth(format!(
                    "the stored refresh token was revoked or has expired: {LOGIN_AGAIN}"
                )));
            }
            if let Some(user) = &info.user {
                println!("user: {user}");
            }
            if let Some(hub) = info.hub_id {
                let domain = info.hub_domain.as_deref().unwrap_or("");
                println!("portal: {hub} {domain}");
            }
            println!("scopes: {}", info.scopes.join(" "));
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

/// `auth logout`: deletes the profile, revoking its refresh token at HubSpot first.
pub async fn logout(global: &Global) -> Result<ExitCode, Failure> {
    let Some(stored) = profile::remove(&global.profile)? else {
        eprintln!("Nothing stored for profile {:?}.", global.profile);
        return Ok(ExitCode::SUCCESS);
    };
    match stored {
        Stored::OAuth {
            client_id,
            client_secret,
            refresh_token,
            base_url,
            ..
        } => {
            let base_url = global
                .base_url
                .clone()
                .or(base_url)
                .unwrap_or_else(|| HUBSPOT.into());
            let revoked = revoke(
                &base_url,
                &client_id,
                &Secret::new(client_secret),
                &Secret::new(refresh_token),
            )
            .await;
            match revoked {
                Ok(()) => eprintln!(
                    "Logged out: the refresh token is revoked at HubSpot and profile {:?} deleted.",
                    global.profile
                ),
                Err(e) => eprintln!(
                    "Profile {:?} deleted, but HubSpot did not revoke the refresh token ({e}); \
                     uninstall the app from the portal to end it.",
                    global.profile
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
