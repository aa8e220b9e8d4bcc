//! Building a client: every way it can fail says why, and never shows the credentials.

use hubspot_deals::auth::{Auth, OAuth};
use hubspot_deals::{BuildError, Client, ClientInfo};

const SECRET: &str = "client-secret-5e5e5e5e5e5e";
const REFRESH: &str = "refresh-7a7a7a7a7a7a";

fn refused(builder: hubspot_deals::ClientBuilder) -> BuildError {
    let error = builder.build().unwrap_err();
    for shown in [error.to_string(), format!("{error:?}")] {
        for secret in [SECRET, REFRESH, "pat-na1-line", "break-9f9f"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
    error
}

#[test]
fn every_build_error_says_why_without_the_credentials() {
    assert_eq!(refused(Client::builder()), BuildError::MissingAuth);
    assert!(
        refused(Client::builder())
            .to_string()
            .contains(".private_app_token(..)")
    );

    let credentials = |builder: hubspot_deals::ClientBuilder| match refused(builder) {
        BuildError::InvalidCredentials(reason) => reason,
        other => panic!("{other:?}"),
    };
    assert!(credentials(Client::builder().private_app_token("")).contains("empty"));
    assert!(
        credentials(Client::builder().private_app_token("pat-na1-line\nbreak-9f9f"))
            .contains("line break")
    );
    for (oauth, what) in [
        (OAuth::new("", SECRET, REFRESH), "client id"),
        (OAuth::new("id", "", REFRESH), "client secret"),
        (OAuth::new("id", SECRET, " "), "refresh token"),
    ] {
        let reason = credentials(Client::builder().auth(Auth::oauth(oauth)));
        assert!(
            reason.contains(what) && reason.contains("empty"),
            "{reason}"
        );
    }
    for url in [
        "not a url",
        "ftp://tokens.example.com/token",
        "http://tokens.example.com/token",
    ] {
        let reason =
            credentials(Client::builder().oauth(OAuth::new("id", SECRET, REFRESH).token_url(url)));
        assert!(reason.contains("token URL"), "{reason}");
    }

    let base = |url: &str| match refused(
        Client::builder()
            .private_app_token("pat-na1-x")
            .base_url(url),
    ) {
        BuildError::InvalidBaseUrl { url: given, reason } => {
            assert_eq!(given, url);
            reason
        }
        other => panic!("{other:?}"),
    };
    assert!(base("api.hubapi.com").contains("relative URL"), "no scheme");
    assert!(base("ftp://api.hubapi.com").contains("http or https"));
    assert!(base("https://api.hubapi.com/?x=1").contains("query"));
    assert!(base("https://api.hubapi.com/#top").contains("fragment"));
    let shown = refused(
        Client::builder()
            .private_app_token("pat-na1-x")
            .base_url("ftp://h"),
    )
    .to_string();
    assert!(
        shown.contains("expected e.g. https://api.hubapi.com"),
        "{shown}"
    );
}

#[test]
fn a_valid_builder_builds() {
    let client = Client::builder()
        .private_app_token("pat-na1-00000000-0000-0000-0000-000000000000")
        .base_url("http://127.0.0.1:9/proxy/")
        .build()
        .unwrap();
    assert_eq!(client.baseurl(), "http://127.0.0.1:9/proxy");
}

#[test]
fn credentials_never_go_over_plain_http_to_another_machine() {
    for url in [
        "http://api.hubapi.com",
        "http://10.0.0.5:8080",
        "http://localhost.example.com",
    ] {
        for builder in [
            Client::builder().private_app_token("pat-na1-x"),
            Client::builder().oauth(OAuth::new("id", SECRET, REFRESH)),
        ] {
            match refused(builder.base_url(url)) {
                BuildError::InvalidBaseUrl { reason, .. } => {
                    assert!(reason.contains("use https"), "{url}: {reason}");
                    assert!(reason.contains("danger_allow_plain_http"), "{reason}");
                }
                other => panic!("{url}: {other:?}"),
            }
        }
    }
    // This machine, and https anywhere, are fine.
    for url in [
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "http://localhost:8080",
        "https://10.0.0.5:8443",
    ] {
        Client::builder()
            .private_app_token("pat-na1-x")
            .base_url(url)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    // A fake HubSpot on another host of a test network, said out loud.
    for builder in [
        Client::builder().private_app_token("pat-na1-x"),
        Client::builder().oauth(OAuth::new("id", SECRET, REFRESH)),
    ] {
        let client = builder
            .base_url("http://fake-hubspot:8080")
            .danger_allow_plain_http()
            .build()
            .unwrap();
        assert_eq!(client.baseurl(), "http://fake-hubspot:8080");
    }
}
