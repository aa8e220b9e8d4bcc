//! The authorize step of OAuth's authorization-code flow, as the page HubSpot shows at
//! `https://app.hubspot.com/oauth/authorize` behaves once a person has chosen: the fake serves
//! it at `GET /oauth/authorize` under its own base URL and decides at once (no person, no
//! browser), so command-line logins can be tested end to end.
//!
//! - An unknown `client_id`, a missing `redirect_uri`, or one not registered on the app (when
//!   the fake has any registered): an error page (400), no redirect, as HubSpot shows one.
//! - Approved (the default): a redirect to `redirect_uri` with a new single-use `code` and the
//!   `state` given.
//! - Denied (`deny_consent`): a redirect with `error=access_denied` and the `state`. HubSpot's
//!   own answer to a person who cancels is not documented; this is the OAuth 2.0 standard's
//!   (RFC 6749, 4.1.2.1).

use crate::auth::Tokens;
use std::collections::HashMap;

/// What the authorize page does.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Authorized {
    /// Redirect the browser here.
    Redirect(String),
    /// Show this error page.
    Refused(String),
}

/// Decides an authorize request with these query parameters.
pub(crate) fn authorize(
    tokens: &mut Tokens,
    query: &HashMap<String, String>,
    rng: &mut fastrand::Rng,
) -> Authorized {
    let field = |key: &str| query.get(key).map(String::as_str).unwrap_or("");
    let client_id = field("client_id");
    if tokens
        .app
        .as_ref()
        .is_none_or(|app| app.client_id != client_id)
    {
        return Authorized::Refused(format!(
            "The app with client_id {client_id:?} does not exist."
        ));
    }
    let redirect_uri = field("redirect_uri");
    if redirect_uri.is_empty() {
        return Authorized::Refused("The request has no redirect_uri.".into());
    }
    if !tokens.redirect_uris.is_empty() && !tokens.redirect_uris.contains(redirect_uri) {
        return Authorized::Refused(format!(
            "The redirect URL {redirect_uri} is not one of the app's redirect URLs: add it \
             on the app's Auth settings."
        ));
    }
    let mut answer = form_urlencoded::Serializer::new(String::new());
    if tokens.deny_consent {
        answer.append_pair("error", "access_denied");
        answer.append_pair("error_description", "The user did not install the app.");
    } else {
        let code = format!("fake-code-{:016x}{:016x}", rng.u64(..), rng.u64(..));
        tokens
            .codes
            .insert(code.clone(), (redirect_uri.to_string(), false));
        answer.append_pair("code", &code);
    }
    if !field("state").is_empty() {
        answer.append_pair("state", field("state"));
    }
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    Authorized::Redirect(format!("{redirect_uri}{separator}{}", answer.finish()))
}

/// A short HTML page.
pub(crate) fn page(title: &str, message: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html><html><head><title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>\n",
        escape(title),
        escape(title),
        escape(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::time::Duration;

    fn tokens() -> Tokens {
        let mut tokens = Tokens::new(BTreeSet::new(), Duration::from_secs(1800));
        tokens.app = Some(crate::auth::OAuthApp {
            client_id: "app-1".into(),
            client_secret: "s".into(),
        });
        tokens
    }

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn approves_with_a_single_use_code_and_the_state() {
        let mut tokens = tokens();
        let mut rng = fastrand::Rng::with_seed(1);
        let asked = query(&[
            ("client_id", "app-1"),
            ("redirect_uri", "http://localhost:3000/callback"),
            ("state", "s 1"),
        ]);
        let Authorized::Redirect(to) = authorize(&mut tokens, &asked, &mut rng) else {
            panic!("no redirect");
        };
        assert!(
            to.starts_with("http://localhost:3000/callback?code=fake-code-"),
            "{to}"
        );
        assert!(to.ends_with("&state=s+1"), "{to}");
        let code = to.split("code=").nth(1).unwrap().split('&').next().unwrap();
        assert_eq!(
            tokens.codes.get(code),
            Some(&("http://localhost:3000/callback".to_string(), false))
        );
    }

    #[test]
    fn refuses_unknown_apps_and_unregistered_redirects_and_can_be_denied() {
        let mut tokens = tokens();
        let mut rng = fastrand::Rng::with_seed(1);
        let other = query(&[("client_id", "app-2"), ("redirect_uri", "http://x/cb")]);
        assert!(matches!(
            authorize(&mut tokens, &other, &mut rng),
            Authorized::Refused(m) if m.contains("does not exist")
        ));
        tokens
            .redirect_uris
            .insert("http://localhost:3000/callback".into());
        let unregistered = query(&[("client_id", "app-1"), ("redirect_uri", "http://x/cb")]);
        assert!(matches!(
            authorize(&mut tokens, &unregistered, &mut rng),
            Authorized::Refused(m) if m.contains("not one of the app's redirect URLs")
        ));
        tokens.deny_consent = true;
        let denied = query(&[
            ("client_id", "app-1"),
            ("redirect_uri", "http://localhost:3000/callback"),
            ("state", "abc"),
        ]);
        assert_eq!(
            authorize(&mut tokens, &denied, &mut rng),
            Authorized::Redirect(
                "http://localhost:3000/callback?error=access_denied&error_description=The+user+did+not+install+the+app.&state=abc".into()
            )
        );
        assert!(tokens.codes.is_empty(), "no code for a denied consent");
    }
}
