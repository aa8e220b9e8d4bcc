//! URLs that may carry a password (a database's, Redis's): shown in messages without it,
//! and refused on the command line, where every user of the machine can read it in the
//! process list, unless the user accepts that.

use crate::failure::Failure;

/// A URL as messages show it: scheme, user, host, port and path (a database's name), never
/// a password, a query (`?password=…`) or a fragment, whatever the URL carries.
pub fn shown_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(url) => {
            let mut shown = format!("{}:", url.scheme());
            if let Some(host) = url.host_str() {
                shown.push_str("//");
                if !url.username().is_empty() {
                    shown.push_str(url.username());
                    shown.push('@');
                }
                shown.push_str(host);
                if let Some(port) = url.port() {
                    shown.push_str(&format!(":{port}"));
                }
            } else if text[url.scheme().len() + 1..].starts_with("//") {
                shown.push_str("//");
            }
            shown.push_str(url.path());
            shown
        }
        Err(_) if text.contains(['@', '?']) => "(a URL that does not parse)".into(),
        Err(_) => text.to_string(),
    }
}

/// Whether `text` is a URL with a password (in its user part, or as a `password` query
/// parameter, as PostgreSQL takes one).
pub fn carries_password(text: &str) -> bool {
    match url::Url::parse(text) {
        Ok(url) => {
            url.password().is_some_and(|p| !p.is_empty())
                || url
                    .query_pairs()
                    .any(|(key, value)| key.eq_ignore_ascii_case("password") && !value.is_empty())
        }
        // Unparsed: assume the worst of anything with a user part.
        Err(_) => text.contains('@') && text.contains(':'),
    }
}

/// Refuses `url` given as the command line's `flag` when it carries a password, unless
/// `allowed`: it points to `env`, which the process list does not show.
pub fn refuse_visible_password(
    flag: &str,
    env: &str,
    url: &str,
    on_command_line: bool,
    allowed: bool,
) -> Result<(), Failure> {
    if on_command_line && !allowed && carries_password(url) {
        return Err(Failure::Usage(format!(
            "{flag} {} carries a password, which every user of this machine can read in the \
             process list while the command runs: put the URL in {env} instead (or pass \
             --allow-password-in-argument to accept the risk)",
            shown_url(url)
        )));
    }
    Ok(())
}

/// `text` with every password `url` carries replaced by `***` (an error message that may
/// quote the URL or its parts).
pub fn scrubbed(text: &str, url: &str) -> String {
    let mut secrets: Vec<String> = Vec::new();
    if let Ok(parsed) = url::Url::parse(url) {
        if let Some(password) = parsed.password() {
            secrets.push(password.to_string());
            if let Ok(decoded) = percent_decode(password) {
                secrets.push(decoded);
            }
        }
        for (key, value) in parsed.query_pairs() {
            if key.eq_ignore_ascii_case("password") {
                secrets.push(value.into_owned());
            }
        }
    }
    let mut out = text.replace(url, &shown_url(url));
    for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
        out = out.replace(&secret, "***");
    }
    out
}

/// `text` percent-decoded, when it decodes to UTF-8.
fn percent_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes: Vec<u8> =
        form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned().into_bytes())
            .unwrap_or_default();
    String::from_utf8(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_url_has_no_password_query_or_fragment() {
        for (url, shown) in [
            (
                "postgres://me:pw@db.example:5433/deals",
                "postgres://me@db.example:5433/deals",
            ),
            (
                "postgres://me@db.example/deals?password=pw&sslmode=require",
                "postgres://me@db.example/deals",
            ),
            (
                "postgresql://db.example/deals#pw",
                "postgresql://db.example/deals",
            ),
            ("redis://:pw@cache:6379/0", "redis://cache:6379/0"),
            (
                "postgres:///deals?host=/run/pg&password=pw",
                "postgres:///deals",
            ),
            ("sqlite:deals.sqlite", "sqlite:deals.sqlite"),
            ("not a url with pw@", "(a URL that does not parse)"),
            ("deals.sqlite", "deals.sqlite"),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }

    #[test]
    fn passwords_are_found_in_the_user_part_and_the_query() {
        assert!(carries_password("postgres://me:pw@h/db"));
        assert!(carries_password(
            "postgres://me@h/db?sslmode=require&PASSWORD=pw"
        ));
        assert!(carries_password("redis://:pw@h:6379"));
        assert!(!carries_password("postgres://me@h/db?sslmode=require"));
        assert!(!carries_password("redis://h:6379"));
        assert!(!carries_password("sqlite:deals.sqlite"));
        assert!(!carries_password("::x"), "unparsed, without a user part");
        assert!(
            carries_password("::x@y"),
            "unparsed, with one: assume the worst"
        );
    }

    #[test]
    fn a_visible_password_is_refused_unless_accepted_and_never_repeated() {
        let url = "postgres://me@h/db?password=s3cret";
        let refused = refuse_visible_password("--db", "HUBSPOT_DEALS_DB", url, true, false)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("HUBSPOT_DEALS_DB") && !refused.contains("s3cret"),
            "{refused}"
        );
        assert!(
            refuse_visible_password("--db", "E", url, true, true).is_ok(),
            "accepted"
        );
        assert!(
            refuse_visible_password("--db", "E", url, false, false).is_ok(),
            "from E"
        );
        // A password is scrubbed as the URL spells it and as it reads decoded.
        let encoded = "postgres://me:p%40ss%2Fw@h/db";
        assert_eq!(
            scrubbed("auth failed for p@ss/w (p%40ss%2Fw)", encoded),
            "auth failed for *** (***)"
        );
        assert_eq!(
            scrubbed(
                "cannot connect to postgres://me@h/db?password=s3cret: s3cret wrong",
                url
            ),
            "cannot connect to postgres://me@h/db: *** wrong"
        );
    }
}
