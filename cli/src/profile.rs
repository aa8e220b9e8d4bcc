//! Stored credentials: one file in the platform's config directory
//! (`hubspot-deals/credentials.json`, or under `HUBSPOT_DEALS_CONFIG_DIR`), readable only by
//! the user (0600 on Unix), written atomically, one entry per `--profile`. Environment
//! variables override the file, for CI.
//!
//! A profile's credentials belong to the API origin they were logged in for: a `--base-url`
//! (or `HUBSPOT_BASE_URL`) to another origin is refused, so a variable left over from testing
//! against a fake never sends real secrets to whoever listens there (`--allow-other-origin`
//! overrides). Credentials given in the environment go wherever the base URL says: the
//! user paired them.

use crate::args::Global;
use crate::failure::{Failure, LOGIN_AGAIN};
use crate::state_file;
use chrono::{DateTime, Utc};
use hubspot_deals::auth::{OAuth, Tokens};
use hubspot_deals::{Client, Secret, SharedBudget, WhenUnavailable};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// HubSpot's API, when neither `--base-url` nor the profile names another.
pub const HUBSPOT: &str = hubspot_deals::DEFAULT_BASE_URL;

/// One profile's credentials. (No `Debug`: it holds secrets.)
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stored {
    /// An OAuth app's credentials and the refresh token a login got.
    #[serde(rename = "oauth")]
    OAuth {
        client_id: String,
        #[serde(with = "secret_text")]
        client_secret: Secret,
        #[serde(with = "secret_text")]
        refresh_token: Secret,
        /// The API the login was made against, when not HubSpot's.
        base_url: Option<String>,
        /// When the last access token obtained expires.
        access_expires_at: Option<DateTime<Utc>>,
    },
    /// A private app's access token.
    PrivateApp {
        #[serde(with = "secret_text")]
        token: Secret,
        base_url: Option<String>,
    },
    /// A Service Key.
    ServiceKey {
        #[serde(with = "secret_text")]
        key: Secret,
        base_url: Option<String>,
    },
}

/// A secret as the credentials file holds it: plain text in a file only the user reads.
mod secret_text {
    use hubspot_deals::Secret;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl Stored {
    fn base_url(&self) -> Option<&str> {
        match self {
            Self::OAuth { base_url, .. }
            | Self::PrivateApp { base_url, .. }
            | Self::ServiceKey { base_url, .. } => base_url.as_deref(),
        }
    }
}

/// An app's client credentials for the webhooks journal, kept beside a profile's. (No
/// `Debug`: it holds a secret.)
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredApp {
    pub client_id: String,
    #[serde(with = "secret_text")]
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    /// The account whose journal is read.
    pub portal_id: i64,
    pub base_url: Option<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct CredentialsFile {
    profiles: BTreeMap<String, Stored>,
    /// Profile -> the app credentials stored beside it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    apps: BTreeMap<String, StoredApp>,
}

/// The credentials file.
pub fn path() -> Result<PathBuf, Failure> {
    let dir = match std::env::var_os("HUBSPOT_DEALS_CONFIG_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => dirs::config_dir()
            .ok_or_else(|| {
                Failure::Usage(
                    "no config directory on this platform: set HUBSPOT_DEALS_CONFIG_DIR".into(),
                )
            })?
            .join("hubspot-deals"),
    };
    Ok(dir.join("credentials.json"))
}

fn read_file() -> Result<CredentialsFile, Failure> {
    let found = state_file::load(
        &path()?,
        "a credentials file hubspot-deals wrote",
        &format!("delete it and {LOGIN_AGAIN}"),
    )?;
    Ok(found.unwrap_or_default())
}

/// Writes the file whole (in a directory only the user can enter).
fn write_file(file: &CredentialsFile) -> Result<PathBuf, Failure> {
    let path = path()?;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Failure::file("create", dir, e))?;
    state_file::save(&path, file)?;
    Ok(path)
}

/// Stores `stored` as `profile`, replacing what was there.
pub fn save(profile: &str, stored: Stored) -> Result<PathBuf, Failure> {
    let mut file = read_file()?;
    file.profiles.insert(profile.to_string(), stored);
    write_file(&file)
}

/// Stores an app's client credentials beside `profile`'s.
pub fn save_app(profile: &str, app: StoredApp) -> Result<PathBuf, Failure> {
    let mut file = read_file()?;
    file.apps.insert(profile.to_string(), app);
    write_file(&file)
}

/// Deletes `profile` and the app credentials beside it; what the profile held, if anything.
pub fn remove(profile: &str) -> Result<Option<Stored>, Failure> {
    let mut file = read_file()?;
    let removed = file.profiles.remove(profile);
    let app = file.apps.remove(profile);
    if removed.is_some() || app.is_some() {
        write_file(&file)?;
    }
    Ok(removed)
}

/// A client with the app credentials stored beside `--profile` (for the webhooks journal),
/// and the portal they read; `None` when there are none. They go only to the origin they
/// were stored for, as a profile's.
pub fn app_client(global: &Global) -> Result<Option<(Client, i64)>, Failure> {
    let Some(app) = read_file()?.apps.remove(&global.profile) else {
        return Ok(None);
    };
    let own = app.base_url.as_deref().unwrap_or(HUBSPOT);
    let base_url = match &global.base_url {
        Some(asked) if may_follow(global, asked, own) => asked.clone(),
        Some(asked) => {
            return Err(Failure::Usage(format!(
                "the app credentials of profile {:?} were stored for {}, and --base-url points \
                 to {}: they are never sent to another origin (--allow-other-origin sends them)",
                global.profile,
                origin(own),
                origin(asked)
            )));
        }
        None => own.to_string(),
    };
    let oauth = OAuth::client_credentials(app.client_id, app.client_secret, app.scopes);
    let client = Client::builder()
        .base_url(&base_url)
        .rate_limit(global.budget)
        .oauth(oauth)
        .build()
        .map_err(|e| Failure::Usage(format!("cannot use the stored app credentials: {e}")))?;
    Ok(Some((client, app.portal_id)))
}

/// Where credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `HUBSPOT_SERVICE_KEY`, `HUBSPOT_ACCESS_TOKEN`, or `HUBSPOT_CLIENT_ID`/`_SECRET`/`HUBSPOT_REFRESH_TOKEN`.
    Environment,
    /// The credentials file, under this profile.
    File(String),
}

/// The credentials to use, and where they came from.
pub struct Resolved {
    pub stored: Stored,
    pub source: Source,
}

impl Resolved {
    /// The API to call: `--base-url`/`HUBSPOT_BASE_URL`, else the profile's, else HubSpot.
    /// A stored profile's credentials go only to the origin it was logged in for.
    pub fn base_url(&self, global: &Global) -> Result<String, Failure> {
        let own = self.stored.base_url().unwrap_or(HUBSPOT);
        let Some(asked) = &global.base_url else {
            return Ok(own.to_string());
        };
        let Source::File(profile) = &self.source else {
            return Ok(asked.clone());
        };
        if may_follow(global, asked, own) {
            return Ok(asked.clone());
        }
        Err(Failure::Usage(format!(
            "profile {profile:?} was logged in for {}, and --base-url (or HUBSPOT_BASE_URL) \
             points to {}: a profile's credentials are never sent to another origin. Log in for \
             that API under its own profile (`hubspot-deals --base-url {asked} --profile NAME \
             auth login ...`), unset HUBSPOT_BASE_URL, or pass --allow-other-origin to send \
             this profile's credentials there",
            origin(own),
            origin(asked)
        )))
    }
}

/// Whether credentials stored for `own` may go to `asked` (`--base-url`): the same origin, or
/// `--allow-other-origin`.
fn may_follow(global: &Global, asked: &str, own: &str) -> bool {
    global.allow_other_origin || origin(asked) == origin(own)
}

/// A URL's origin (`https://api.hubapi.com`), or the URL itself when it does not parse (the
/// client then says what is wrong with it).
fn origin(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_string(), |u| u.origin().ascii_serialization())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The credentials from the environment, else from the file.
pub fn resolve(global: &Global) -> Result<Resolved, Failure> {
    if let Some(key) = env("HUBSPOT_SERVICE_KEY") {
        return Ok(Resolved {
            stored: Stored::ServiceKey {
                key: Secret::new(key),
                base_url: None,
            },
            source: Source::Environment,
        });
    }
    if let Some(token) = env("HUBSPOT_ACCESS_TOKEN") {
        return Ok(Resolved {
            stored: Stored::PrivateApp {
                token: Secret::new(token),
                base_url: None,
            },
            source: Source::Environment,
        });
    }
    if let (Some(client_id), Some(client_secret), Some(refresh_token)) = (
        env("HUBSPOT_CLIENT_ID"),
        env("HUBSPOT_CLIENT_SECRET"),
        env("HUBSPOT_REFRESH_TOKEN"),
    ) {
        return Ok(Resolved {
            stored: Stored::OAuth {
                client_id,
                client_secret: Secret::new(client_secret),
                refresh_token: Secret::new(refresh_token),
                base_url: None,
                access_expires_at: None,
            },
            source: Source::Environment,
        });
    }
    match resolve_stored(global)? {
        Some(resolved) => Ok(resolved),
        None => Err(Failure::Auth(format!(
            "not logged in (no profile {:?} in {}, and no HUBSPOT_SERVICE_KEY or HUBSPOT_ACCESS_TOKEN): {LOGIN_AGAIN}",
            global.profile,
            path()?.display()
        ))),
    }
}

/// The credentials stored as `--profile`, if any (the environment aside).
pub fn resolve_stored(global: &Global) -> Result<Option<Resolved>, Failure> {
    let mut file = read_file()?;
    Ok(file
        .profiles
        .remove(&global.profile)
        .map(|stored| Resolved {
            stored,
            source: Source::File(global.profile.clone()),
        }))
}

/// A client with the resolved credentials. OAuth refreshes are written back to the profile
/// (the access token's expiry, and the refresh token should HubSpot ever rotate it).
pub fn client(global: &Global) -> Result<Client, Failure> {
    let resolved = resolve(global)?;
    let base_url = resolved.base_url(global)?;
    let mut builder = Client::builder()
        .base_url(&base_url)
        .rate_limit(global.budget);
    if let Some(url) = &global.shared_budget {
        crate::url_secrets::refuse_visible_password(
            "--shared-budget",
            "HUBSPOT_DEALS_SHARED_BUDGET",
            url,
            global.given_on_command_line("shared_budget"),
            global.allow_password_in_argument,
        )?;
        let name = global
            .shared_budget_name
            .as_deref()
            .unwrap_or(&global.profile);
        let when_down = WhenUnavailable::local(global.shared_budget_workers);
        let workers = global.shared_budget_workers.max(1);
        let shared = SharedBudget::redis(url, name, when_down)
            .map_err(|e| {
                Failure::Usage(format!(
                    "--shared-budget: {e} (expected redis://HOST[:PORT])"
                ))
            })?
            .on_unavailable(move |reason| {
                // Once a process: the user must know the budget is no longer shared.
                static SAID: std::sync::Once = std::sync::Once::new();
                SAID.call_once(|| {
                    eprintln!(
                        "warning: the shared rate budget cannot be used ({reason}); going on \
                         alone at 1/{workers} of --budget until it answers. Check \
                         --shared-budget (HUBSPOT_DEALS_SHARED_BUDGET)."
                    );
                });
            });
        builder = builder.shared_budget(shared);
    }
    let builder = match resolved.stored.clone() {
        Stored::PrivateApp { token, .. } => builder.private_app_token(token),
        Stored::ServiceKey { key, .. } => builder.service_key(key),
        Stored::OAuth {
            client_id,
            client_secret,
            refresh_token,
            ..
        } => {
            let mut oauth = OAuth::new(client_id, client_secret, refresh_token);
            if let Source::File(profile) = resolved.source.clone() {
                let stored = resolved.stored.clone();
                oauth = oauth.on_refresh(move |tokens: &Tokens| {
                    let _ = save(&profile, refreshed(&stored, tokens));
                });
            }
            builder.oauth(oauth)
        }
    };
    builder.build().map_err(|e| {
        Failure::Usage(format!(
            "cannot use the credentials of profile {:?}: {e}",
            global.profile
        ))
    })
}

/// `stored` after a refresh that returned `tokens`.
pub fn refreshed(stored: &Stored, tokens: &Tokens) -> Stored {
    match stored.clone() {
        Stored::OAuth {
            client_id,
            client_secret,
            base_url,
            ..
        } => Stored::OAuth {
            client_id,
            client_secret,
            refresh_token: tokens.refresh_token.clone(),
            base_url,
            access_expires_at: Some(tokens.expires_at),
        },
        other => other,
    }
}
