//! Who may call the fake: private-app tokens, and OAuth access tokens minted by its token
//! endpoint (`POST /oauth/v1/token`), each with scopes; expired and revoked tokens fail as
//! HubSpot's do.
//!
//! Budgets follow HubSpot's: each private app has its own, and every access token of the
//! OAuth app shares the app's (a refresh does not reset it). Minted tokens are random and
//! labelled by their number (`oauth-7`), so logs and counters keep them apart; the token map
//! is bounded ([`MAX_ACCESS_TOKENS`]).

use crate::errors::ApiError;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Duration;

/// The user every OAuth token of the fake belongs to.
pub const FAKE_USER_ID: u64 = 7_700_001;
/// That user's email.
pub const FAKE_USER_EMAIL: &str = "fake-user@example.com";
/// The account's domain in token information.
pub const FAKE_HUB_DOMAIN: &str = "fake-hubspot.example.com";

/// What a token is, for the information endpoints.
pub(crate) enum Known {
    Access {
        expires_at: DateTime<Utc>,
        scopes: Vec<String>,
    },
    Refresh {
        scopes: Vec<String>,
    },
    Unknown,
}

/// The most access tokens the fake remembers; the oldest are forgotten first (and answer
/// 401 `INVALID_AUTHENTICATION`, as an unknown token does).
pub const MAX_ACCESS_TOKENS: usize = 10_000;

/// How long an expired access token is still recognised as expired (HubSpot's 401
/// `EXPIRED_AUTHENTICATION`) before the fake forgets it.
const EXPIRED_MEMORY: chrono::Duration = chrono::Duration::hours(24);

/// The budget every OAuth access token spends.
const OAUTH_BUDGET: &str = "oauth-app";

/// The scope deal reads need.
pub const READ_SCOPE: &str = hubspot_deals::registry::DEALS_READ;
/// The scope deal writes need.
pub const WRITE_SCOPE: &str = hubspot_deals::registry::DEALS_WRITE;

/// What kind of credential made a call (OAuth calls carry fewer rate-limit headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A private app's static token.
    PrivateApp,
    /// An OAuth access token from the token endpoint.
    OAuth,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub kind: TokenKind,
    /// A non-secret label for logs and counters.
    pub label: String,
    /// The budget the call spends (a private app, or the OAuth app).
    pub budget: String,
    pub scopes: BTreeSet<String>,
}

/// A short, non-secret label for a token: its last six characters.
///
/// ```
/// assert_eq!(hubspot_deals_fake::token_label("pat-na1-0123456789"), "…456789");
/// ```
pub fn token_label(token: &str) -> String {
    let tail: String = token
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

#[derive(Debug, Clone)]
struct AccessToken {
    label: String,
    expires_at: DateTime<Utc>,
    scopes: BTreeSet<String>,
}

/// A private app's token: its scopes and the number of its budget.
#[derive(Debug, Clone)]
pub(crate) struct PrivateApp {
    pub number: usize,
    pub scopes: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug)]
pub(crate) struct Tokens {
    pub private_apps: HashMap<String, PrivateApp>,
    pub app: Option<OAuthApp>,
    pub oauth_scopes: BTreeSet<String>,
    /// Refresh token -> revoked?
    pub refresh_tokens: HashMap<String, bool>,
    /// Authorization code -> (redirect URI, already used?)
    pub codes: HashMap<String, (String, bool)>,
    /// The app's registered redirect URLs (empty: any is accepted).
    pub redirect_uris: BTreeSet<String>,
    /// The authorize page answers as if the person declined.
    pub deny_consent: bool,
    pub lifetime: Duration,
    /// Each refresh returns a new refresh token and revokes the one it used.
    pub rotate: bool,
    access: HashMap<String, AccessToken>,
    /// Access tokens, oldest first, to forget the oldest when the map is full.
    minted_order: VecDeque<String>,
    minted: u64,
}

impl Tokens {
    /// No credentials yet; OAuth tokens get `scopes` and live for `lifetime`.
    pub fn new(scopes: BTreeSet<String>, lifetime: Duration) -> Self {
        Self {
            private_apps: HashMap::new(),
            app: None,
            oauth_scopes: scopes,
            refresh_tokens: HashMap::new(),
            codes: HashMap::new(),
            redirect_uris: BTreeSet::new(),
            deny_consent: false,
            lifetime,
            rotate: false,
            access: HashMap::new(),
            minted_order: VecDeque::new(),
            minted: 0,
        }
    }

    /// Accepts a private-app token with these scopes.
    pub fn add_private_app(&mut self, token: String, scopes: BTreeSet<String>) {
        let number = self
            .private_apps
            .get(&token)
            .map_or(self.private_apps.len() + 1, |app| app.number);
        self.private_apps
            .insert(token, PrivateApp { number, scopes });
    }

    /// How many access tokens the fake remembers.
    #[cfg(test)]
    pub fn access_tokens(&self) -> usize {
        self.access.len()
    }
}

/// An answer of the token endpoint: status and JSON body.
pub(crate) type TokenAnswer = (u16, Value);

fn oauth_error(error: &str, status: &str, message: &str) -> TokenAnswer {
    (
        400,
        json!({"error": error, "error_description": message, "status": status, "message": message}),
    )
}

impl Tokens {
    /// Checks the `Authorization` header.
    pub fn authenticate(
        &self,
        header: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Caller, ApiError> {
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(ApiError::unauthenticated)?;
        if let Some(app) = self.private_apps.get(token) {
            return Ok(Caller {
                kind: TokenKind::PrivateApp,
                label: token_label(token),
                budget: format!("private-app-{}", app.number),
                scopes: app.scopes.clone(),
            });
        }
        let access = self
            .access
            .get(token)
            .ok_or_else(ApiError::unauthenticated)?;
        if now >= access.expires_at {
            let minutes = (now - access.expires_at).num_minutes().max(1);
            return Err(ApiError::expired(minutes));
        }
        Ok(Caller {
            kind: TokenKind::OAuth,
            label: access.label.clone(),
            budget: OAUTH_BUDGET.into(),
            scopes: access.scopes.clone(),
        })
    }

    /// `POST /oauth/v1/token` with a form body.
    pub fn token_endpoint(
        &mut self,
        form: &HashMap<String, String>,
        now: DateTime<Utc>,
        rng: &mut fastrand::Rng,
    ) -> TokenAnswer {
        if let Err(refused) = self.check_client(form) {
            return refused;
        }
        let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
        match field("grant_type") {
            Some("refresh_token") => {
                let Some(refresh) = field("refresh_token") else {
                    return oauth_error(
                        "invalid_request",
                        "BAD_REFRESH_TOKEN",
                        "missing or invalid refresh token",
                    );
                };
                match self.refresh_tokens.get(refresh) {
                    Some(false) if self.rotate => {
                        // The used token is forgotten (not kept as revoked), so a long run
                        // of rotations does not grow the map; using it again is refused
                        // the same way.
                        self.refresh_tokens.remove(refresh);
                        let rotated = format!("fake-refresh-{}", random_token(rng));
                        self.refresh_tokens.insert(rotated.clone(), false);
                        (200, self.mint(&rotated, now, rng))
                    }
                    Some(false) => {
                        let refresh = refresh.to_string();
                        (200, self.mint(&refresh, now, rng))
                    }
                    _ => oauth_error(
                        "invalid_grant",
                        "BAD_REFRESH_TOKEN",
                        "refresh token is invalid, expired or revoked",
                    ),
                }
            }
            Some("authorization_code") => {
                let (Some(code), Some(redirect)) = (field("code"), field("redirect_uri")) else {
                    return oauth_error(
                        "invalid_request",
                        "BAD_AUTH_CODE",
                        "missing code or redirect_uri",
                    );
                };
                match self.codes.get_mut(code) {
                    Some((expected, used)) if !*used => {
                        if expected != redirect {
                            return oauth_error(
                                "invalid_grant",
                                "BAD_REDIRECT_URI",
                                "redirect_uri does not match",
                            );
                        }
                        *used = true;
                        self.minted += 1;
                        let refresh = format!("fake-refresh-{}", random_token(rng));
                        self.refresh_tokens.insert(refresh.clone(), false);
                        (200, self.mint(&refresh, now, rng))
                    }
                    _ => oauth_error(
                        "invalid_grant",
                        "BAD_AUTH_CODE",
                        "authorization code is invalid, expired or used",
                    ),
                }
            }
            Some("client_credentials") => {
                // An app's own token: no user, no refresh token; the scopes asked for must be
                // the journal's or the app's.
                let requested: BTreeSet<String> = field("scope")
                    .unwrap_or_default()
                    .split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if requested.is_empty() {
                    return oauth_error(
                        "invalid_scope",
                        "BAD_SCOPES",
                        "a client_credentials grant needs scope (space-separated)",
                    );
                }
                let allowed = |s: &str| {
                    s.starts_with("developer.webhooks_journal.")
                        || s.starts_with("webhooks-journal-")
                        || self.oauth_scopes.contains(s)
                };
                if let Some(refused) = requested.iter().find(|s| !allowed(s)) {
                    return oauth_error(
                        "invalid_scope",
                        "BAD_SCOPES",
                        &format!("scope {refused:?} is not one this app may ask for"),
                    );
                }
                (200, self.mint_for_app(requested, now, rng))
            }
            other => oauth_error(
                "unsupported_grant_type",
                "BAD_GRANT_TYPE",
                &format!("unsupported grant_type {:?}", other.unwrap_or("")),
            ),
        }
    }

    /// Checks the form's `client_id` and `client_secret` against the OAuth app.
    pub fn check_client(&self, form: &HashMap<String, String>) -> Result<(), TokenAnswer> {
        let Some(app) = &self.app else {
            return Err(oauth_error(
                "invalid_client",
                "BAD_CLIENT_ID",
                "this fake HubSpot has no OAuth app configured",
            ));
        };
        let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
        if field("client_id") != Some(app.client_id.as_str()) {
            return Err(oauth_error(
                "invalid_client",
                "BAD_CLIENT_ID",
                "missing or unknown client id",
            ));
        }
        if field("client_secret") != Some(app.client_secret.as_str()) {
            return Err(oauth_error(
                "invalid_client",
                "BAD_CLIENT_SECRET",
                "missing or invalid client secret",
            ));
        }
        Ok(())
    }

    /// An OAuth error answer.
    pub fn form_error(&self, error: &str, status: &str, message: &str) -> TokenAnswer {
        oauth_error(error, status, message)
    }

    /// What `token` is now: a live access token, a live refresh token, or neither.
    pub fn known(&self, token: &str, now: DateTime<Utc>) -> Known {
        let scopes = || self.oauth_scopes.iter().cloned().collect::<Vec<_>>();
        if let Some(access) = self.access.get(token).filter(|a| now < a.expires_at) {
            return Known::Access {
                expires_at: access.expires_at,
                scopes: access.scopes.iter().cloned().collect(),
            };
        }
        match self.refresh_tokens.get(token) {
            Some(false) => Known::Refresh { scopes: scopes() },
            _ => Known::Unknown,
        }
    }

    /// Revokes a refresh token or ends an access token; unknown tokens are ignored.
    pub fn revoke_any(&mut self, token: &str) {
        if !self.revoke(token) {
            self.access.remove(token);
        }
    }

    fn mint(&mut self, refresh: &str, now: DateTime<Utc>, rng: &mut fastrand::Rng) -> Value {
        self.minted += 1;
        let token = format!("fake-access-{}", random_token(rng));
        let lifetime = chrono::Duration::from_std(self.lifetime).unwrap_or(chrono::Duration::MAX);
        self.forget_old(now);
        self.access.insert(
            token.clone(),
            AccessToken {
                label: format!("oauth-{}", self.minted),
                expires_at: now.checked_add_signed(lifetime).unwrap_or(now),
                scopes: self.oauth_scopes.clone(),
            },
        );
        self.minted_order.push_back(token.clone());
        let scopes: Vec<&String> = self.oauth_scopes.iter().collect();
        json!({"token_type": "bearer", "refresh_token": refresh, "access_token": token,
               "expires_in": self.lifetime.as_secs(), "hub_id": crate::PORTAL_ID,
               "scopes": scopes, "user_id": FAKE_USER_ID,
               "token_use": "access_token"})
    }

    /// An access token for the app itself (client credentials), with `scopes`.
    fn mint_for_app(
        &mut self,
        scopes: BTreeSet<String>,
        now: DateTime<Utc>,
        rng: &mut fastrand::Rng,
    ) -> Value {
        self.minted += 1;
        let token = format!("fake-app-{}", random_token(rng));
        let lifetime = chrono::Duration::from_std(self.lifetime).unwrap_or(chrono::Duration::MAX);
        self.forget_old(now);
        let listed: Vec<String> = scopes.iter().cloned().collect();
        self.access.insert(
            token.clone(),
            AccessToken {
                label: format!("app-{}", self.minted),
                expires_at: now.checked_add_signed(lifetime).unwrap_or(now),
                scopes,
            },
        );
        self.minted_order.push_back(token.clone());
        json!({"token_type": "bearer", "access_token": token,
               "expires_in": self.lifetime.as_secs(), "scopes": listed})
    }

    /// Forgets tokens expired long ago, then the oldest while the map is full.
    fn forget_old(&mut self, now: DateTime<Utc>) {
        while let Some(oldest) = self.minted_order.front() {
            let stale = self
                .access
                .get(oldest)
                .is_none_or(|t| now - t.expires_at > EXPIRED_MEMORY);
            if !stale && self.access.len() < MAX_ACCESS_TOKENS {
                break;
            }
            if let Some(token) = self.minted_order.pop_front() {
                self.access.remove(&token);
            }
        }
    }

    /// Revokes a refresh token (as when a user uninstalls the app); issued access tokens
    /// stay valid until they expire, as at HubSpot.
    pub fn revoke(&mut self, refresh: &str) -> bool {
        match self.refresh_tokens.get_mut(refresh) {
            Some(revoked) => {
                *revoked = true;
                true
            }
            None => false,
        }
    }
}

/// 48 random hex digits.
fn random_token(rng: &mut fastrand::Rng) -> String {
    (0..3).map(|_| format!("{:016x}", rng.u64(..))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        let mut tokens = Tokens::new(BTreeSet::new(), Duration::from_secs(1800));
        tokens.app = Some(OAuthApp {
            client_id: "id".into(),
            client_secret: "secret".into(),
        });
        tokens.refresh_tokens.insert("refresh".into(), false);
        tokens
    }

    fn refresh(tokens: &mut Tokens, now: DateTime<Utc>, rng: &mut fastrand::Rng) -> String {
        let form: HashMap<String, String> = [
            ("grant_type", "refresh_token"),
            ("client_id", "id"),
            ("client_secret", "secret"),
            ("refresh_token", "refresh"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (status, body) = tokens.token_endpoint(&form, now, rng);
        assert_eq!(status, 200);
        body["access_token"].as_str().unwrap().to_string()
    }

    #[test]
    fn minted_tokens_differ_and_have_their_own_labels_but_share_the_app_budget() {
        let mut tokens = tokens();
        let mut rng = fastrand::Rng::with_seed(1);
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let first = refresh(&mut tokens, now, &mut rng);
        let second = refresh(&mut tokens, now, &mut rng);
        assert_ne!(token_label(&first), token_label(&second));
        let a = tokens
            .authenticate(Some(&format!("Bearer {first}")), now)
            .unwrap();
        let b = tokens
            .authenticate(Some(&format!("Bearer {second}")), now)
            .unwrap();
        assert_eq!((a.label.as_str(), b.label.as_str()), ("oauth-1", "oauth-2"));
        assert_eq!(a.budget, b.budget, "one OAuth app, one budget");
    }

    #[test]
    fn rotation_hands_out_a_new_refresh_token_and_revokes_the_old() {
        let mut tokens = tokens();
        tokens.rotate = true;
        let mut rng = fastrand::Rng::with_seed(3);
        let form = |refresh: &str| -> HashMap<String, String> {
            [
                ("grant_type", "refresh_token"),
                ("client_id", "id"),
                ("client_secret", "secret"),
                ("refresh_token", refresh),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        };
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let (status, first) = tokens.token_endpoint(&form("refresh"), now, &mut rng);
        assert_eq!(status, 200);
        let rotated = first["refresh_token"].as_str().unwrap().to_string();
        assert_ne!(rotated, "refresh");
        let (status, again) = tokens.token_endpoint(&form("refresh"), now, &mut rng);
        assert_eq!(
            (status, again["status"].as_str()),
            (400, Some("BAD_REFRESH_TOKEN"))
        );
        let mut current = rotated;
        for _ in 0..1_000 {
            let (status, answer) = tokens.token_endpoint(&form(&current), now, &mut rng);
            assert_eq!(status, 200);
            current = answer["refresh_token"].as_str().unwrap().to_string();
        }
        assert_eq!(
            tokens.refresh_tokens.len(),
            1,
            "used refresh tokens are forgotten"
        );
    }

    #[test]
    fn the_token_map_stays_bounded() {
        let mut tokens = tokens();
        let mut rng = fastrand::Rng::with_seed(2);
        let start = DateTime::<Utc>::UNIX_EPOCH;
        // Expired tokens are forgotten a day after they expire.
        let old = refresh(&mut tokens, start, &mut rng);
        let later = start + chrono::Duration::hours(26);
        let fresh = refresh(&mut tokens, later, &mut rng);
        assert_eq!(tokens.access_tokens(), 1);
        assert!(
            tokens
                .authenticate(Some(&format!("Bearer {old}")), later)
                .is_err()
        );
        assert!(
            tokens
                .authenticate(Some(&format!("Bearer {fresh}")), later)
                .is_ok()
        );
        // Live tokens: at most MAX_ACCESS_TOKENS, the oldest forgotten first.
        for _ in 0..MAX_ACCESS_TOKENS + 5 {
            refresh(&mut tokens, later, &mut rng);
        }
        assert_eq!(tokens.access_tokens(), MAX_ACCESS_TOKENS);
        assert!(
            tokens
                .authenticate(Some(&format!("Bearer {fresh}")), later)
                .is_err()
        );
    }
}
