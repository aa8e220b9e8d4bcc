//! Errors as a caller gets them: HubSpot's details kept, the status kept whatever the body,
//! the correlation id, decode failures that name the path and say when a write was applied,
//! and the cap on response bodies.

use crate::support::fake::{PAT, empty_deal, oauth_fake, pat_client};
use crate::support::recorder::{CORRELATION_ID, Recorder, json, raw};
use hubspot_deals::clock::ManualClock;
use hubspot_deals::{Client, Error, RetryPolicy, types};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind};

/// A client of `server` with retries off.
fn client(server: &Recorder) -> Client {
    Client::builder()
        .private_app_token(PAT)
        .base_url(&server.base_url)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn errors_keep_hubspot_details() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .token_with_scopes("pat-read", ["crm.objects.deals.read"])
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let properties = [("colour".to_string(), "red".to_string())].into();
    let error = client
        .create()
        .body(types::NewDeal {
            associations: vec![],
            properties,
        })
        .send()
        .await
        .unwrap_err();
    assert!(error.is_validation());
    let Error::Api(api) = &error else { panic!() };
    assert_eq!(api.errors[0].code.as_deref(), Some("PROPERTY_DOESNT_EXIST"));
    assert_eq!(api.errors[0].context["propertyName"], ["colour"]);
    let id = api.correlation_id.as_deref().unwrap();
    assert_eq!(id.len(), 36);
    assert!(
        error
            .to_string()
            .starts_with("create: 400 VALIDATION_ERROR: Property values were not valid"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .ends_with(&format!("(correlation id {id})"))
    );

    let missing = client
        .get_by_id()
        .deal_id("404404")
        .send()
        .await
        .unwrap_err();
    assert!(missing.is_not_found());
    assert!(
        missing
            .to_string()
            .starts_with("get_by_id: 404 OBJECT_NOT_FOUND: resource not found (correlation id "),
        "{missing}"
    );

    let read_only = Client::builder()
        .private_app_token("pat-read")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let scopes = read_only
        .create()
        .body(empty_deal())
        .send()
        .await
        .unwrap_err();
    assert!(scopes.is_missing_scopes() && scopes.status() == Some(403));
    let Error::Api(api) = &scopes else {
        panic!("{scopes:?}")
    };
    assert_eq!(api.required_scopes(), ["crm.objects.deals.write"]);
    assert!(
        scopes.to_string().contains(
            "(add crm.objects.deals.write to the Service Key, private app or OAuth app's scopes)"
        ),
        "{scopes}"
    );
}

#[tokio::test]
async fn a_service_key_is_sent_as_a_bearer_token_and_never_shown() {
    let key = "service-key-0000-aaaa-bbbb";
    let fake = FakeHubSpot::builder()
        .private_app_token(key)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .service_key(key)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let page = client.get_page().send().await.unwrap();
    assert!(page.results.is_empty());
    let shown = format!("{client:?}");
    assert!(shown.contains("ServiceKey(<redacted>)"), "{shown}");
    assert!(!shown.contains("aaaa-bbbb"), "{shown}");
}

#[tokio::test]
async fn a_proxy_html_502_keeps_its_status_and_an_excerpt() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::HtmlBadGateway).on("create"))
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let error = client.create().body(empty_deal()).send().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 502);
    assert!(
        api.body_excerpt
            .as_deref()
            .unwrap()
            .contains("<h1>502 Bad Gateway</h1>")
    );
    assert!(api.message.contains("text/html"), "{}", api.message);
    assert!(api.context.is_empty(), "the excerpt is not left in context");
    let id = api.correlation_id.as_deref().expect("from the header");
    assert_eq!(
        error.to_string(),
        format!(
            "create: 502: HTTP 502 Bad Gateway with a body that is not HubSpot's JSON (text/html) \
             (correlation id {id})"
        )
    );
}

#[tokio::test]
async fn a_wrong_token_says_so_without_showing_it() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let wrong = "pat-na1-00000000-1111-2222-3333-wrongwrongwr";
    let client = Client::builder()
        .private_app_token(wrong)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let error = client.get_page().send().await.unwrap_err();
    assert!(error.is_auth() && !error.needs_reauthorization());
    let text = error.to_string();
    assert!(
        text.starts_with(
            "get_page: 401 INVALID_AUTHENTICATION: Authentication credentials not found."
        ),
        "{text}"
    );
    assert!(text.contains("(correlation id "), "{text}");
    for shown in [text, format!("{error:?}")] {
        assert!(
            !shown.contains(wrong) && !shown.contains("wrongwrongwr"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_tls_failure_is_named() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    // The fake speaks plain HTTP: a TLS handshake with it fails.
    let client = Client::builder()
        .private_app_token(PAT)
        .base_url(fake.base_url().replace("http://", "https://"))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client.get_page().send().await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind, hubspot_deals::TransportKind::Tls);
    assert!(!transport.sent);
    assert!(
        error
            .to_string()
            .starts_with("get_page: TLS handshake failed: "),
        "{error}"
    );
}

#[tokio::test]
async fn an_error_body_in_another_json_shape_keeps_its_status_and_correlation_id() {
    let server = Recorder::start(vec![
        json(500, serde_json::json!({"error": "boom", "code": 17})),
        json(
            503,
            serde_json::json!({"status": "error", "message": "Service unavailable"}),
        ),
    ])
    .await;
    let client = client(&server);
    let error = client.get_page().send().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("not a decode failure: {error:?}")
    };
    assert_eq!(api.status, 500);
    assert_eq!(
        api.correlation_id.as_deref(),
        Some(CORRELATION_ID),
        "from the header"
    );
    assert!(
        api.message.contains("not HubSpot's error shape"),
        "{}",
        api.message
    );
    assert_eq!(
        api.body_excerpt.as_deref(),
        Some(r#"{"code":17,"error":"boom"}"#)
    );

    let error = client.get_page().send().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (api.status, api.message.as_str()),
        (503, "Service unavailable")
    );
    assert_eq!(
        api.correlation_id.as_deref(),
        Some(CORRELATION_ID),
        "HubSpot's shape without an id"
    );
}

#[tokio::test]
async fn the_excerpt_of_a_long_body_that_is_not_json_is_capped() {
    let page = format!("<html>{}</html>", "é".repeat(800));
    let server = Recorder::start(vec![raw(502, "text/html", &page)]).await;
    let error = client(&server).get_page().send().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    let excerpt = api.body_excerpt.as_deref().unwrap();
    assert_eq!(
        excerpt.chars().count(),
        501,
        "500 characters and an ellipsis"
    );
    assert!(
        excerpt.starts_with("<html>éé") && excerpt.ends_with("é…"),
        "{excerpt}"
    );
}

#[tokio::test]
async fn a_write_whose_answer_does_not_decode_is_reported_as_applied() {
    let server = Recorder::start(vec![
        json(201, serde_json::json!({"id": 42, "properties": {}})),
        json(
            200,
            serde_json::json!({"results": [{"id": "1", "properties": {"amount": 5}}]}),
        ),
    ])
    .await;
    let client = client(&server);
    let error = client.create().body(empty_deal()).send().await.unwrap_err();
    assert!(error.was_applied(), "{error:?}");
    let Error::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    assert_eq!((decode.status, decode.path.as_str()), (Some(201), "id"));
    assert!(
        error.to_string().contains("do not send it again"),
        "{error}"
    );

    let error = client.get_page().send().await.unwrap_err();
    assert!(!error.was_applied(), "a read changes nothing");
    let Error::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(decode.path, "results[0].properties.amount");
    assert!(
        error.to_string().starts_with(
            "get_page: 200 with a body that does not decode at results[0].properties.amount"
        ),
        "{error}"
    );
}

#[tokio::test]
async fn response_bodies_are_capped() {
    let big = format!(r#"{{"results": [], "padding": "{}"}}"#, "x".repeat(5_000));
    let server = Recorder::start(vec![
        raw(200, "application/json", &big),
        raw(200, "application/json", &big),
    ])
    .await;
    let client = Client::builder()
        .private_app_token(PAT)
        .base_url(&server.base_url)
        .max_response_bytes(1_000)
        .build()
        .unwrap();
    let error = client.get_page().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                status: 200,
                limit: 1_000,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("larger than 1000 bytes"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1, "not retried");
    let raw_error = client.get_page().send_raw().await.unwrap_err();
    assert!(
        hubspot_deals::Error::from(raw_error)
            .to_string()
            .contains("larger than 1000 bytes"),
        "the raw path says why too"
    );
}

#[tokio::test]
async fn a_closed_port_names_the_cause() {
    let (_reserved, address) = crate::support::refusing_address();
    let client = Client::builder()
        .private_app_token(PAT)
        .base_url(format!("http://{address}"))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client.get_page().send().await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert!(transport.is_connect() && !transport.sent);
    let text = error.to_string();
    assert!(text.starts_with("get_page: cannot connect: "), "{text}");
    assert!(text.to_lowercase().contains("connection refused"), "{text}");
    assert!(
        std::error::Error::source(&error).is_some(),
        "the cause chain is kept"
    );
}

/// A page body of exactly `size` bytes.
fn page_of(size: usize) -> String {
    let frame = r#"{"results": [], "padding": ""}"#.len();
    format!(
        r#"{{"results": [], "padding": "{}"}}"#,
        "x".repeat(size - frame)
    )
}

#[tokio::test]
async fn a_body_exactly_at_the_cap_is_read_and_one_byte_more_is_not() {
    for chunked in [false, true] {
        let canned = |size| {
            let canned = raw(200, "application/json", &page_of(size));
            if chunked { canned.chunked() } else { canned }
        };
        let server = Recorder::start(vec![canned(5_000), canned(5_001)]).await;
        let client = Client::builder()
            .private_app_token(PAT)
            .base_url(&server.base_url)
            .max_response_bytes(5_000)
            .build()
            .unwrap();
        let at_cap = client.get_page().send().await;
        assert!(at_cap.is_ok(), "chunked {chunked}: {at_cap:?}");
        let over = client.get_page().send().await.unwrap_err();
        assert!(
            matches!(over, Error::ResponseTooLarge { limit: 5_000, .. }),
            "chunked {chunked}: {over:?}"
        );
    }
}

#[tokio::test]
async fn a_400_whose_body_is_not_hubspots_keeps_its_status() {
    let server = Recorder::start(vec![raw(400, "text/html", "<html>Bad Request</html>")]).await;
    let error = client(&server).get_page().send().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 400);
    assert!(
        api.body_excerpt
            .as_deref()
            .is_some_and(|b| b.contains("Bad Request")),
        "{api:?}"
    );
}
