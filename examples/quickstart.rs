//! The main flows of hubspot-deals, end to end:
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With `HUBSPOT_CLIENT_ID`, `HUBSPOT_CLIENT_SECRET` and `HUBSPOT_REFRESH_TOKEN` set it uses
//! OAuth; with `HUBSPOT_SERVICE_KEY` a Service Key (the successor of private apps, with the
//! scopes `crm.objects.deals.read` and `crm.objects.deals.write`); with `HUBSPOT_ACCESS_TOKEN`
//! a private-app token. Each talks to HubSpot, or to
//! `HUBSPOT_BASE_URL` when set (a proxy, or the fake running as a process, whose token
//! endpoint it then uses too). Without credentials it starts the fake HubSpot in-process. It
//! creates, reads, updates, lists, upserts, searches and finally archives the deals it made.
//! Batch upsert needs a unique-value deal property: the fake has `external_id`; against
//! HubSpot, name yours in `HUBSPOT_UNIQUE_PROPERTY` or the step is skipped.
//!
//! To see each call (its attempts, waits, status and correlation id; never a token):
//!
//! ```sh
//! RUST_LOG=hubspot_deals=debug cargo run --example quickstart
//! ```
//!
//! An error ends the run with its message and, for the common ones, what to do.

use hubspot_deals::auth::OAuth;
use hubspot_deals::types::{self, FilterOperator};
use hubspot_deals::{BuildError, Client, ClientBuilder};
use hubspot_deals_fake::FakeHubSpot;
use std::collections::HashMap;
use std::error::Error;
use std::process::ExitCode;

const FAKE_TOKEN: &str = "pat-na1-quickstart-0000-0000-000000000000";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// OAuth when `HUBSPOT_CLIENT_ID`, `HUBSPOT_CLIENT_SECRET` and `HUBSPOT_REFRESH_TOKEN` are set
/// (the token endpoint follows `HUBSPOT_BASE_URL`), else `HUBSPOT_ACCESS_TOKEN`, else none.
fn credentials_from_env() -> Option<(ClientBuilder, &'static str)> {
    if let (Some(id), Some(secret), Some(refresh)) = (
        env("HUBSPOT_CLIENT_ID"),
        env("HUBSPOT_CLIENT_SECRET"),
        env("HUBSPOT_REFRESH_TOKEN"),
    ) {
        // The token endpoint follows the base URL (HubSpot's, or HUBSPOT_BASE_URL).
        let oauth = OAuth::new(id, secret, refresh);
        return Some((
            ClientBuilder::default().oauth(oauth),
            "OAuth (HUBSPOT_CLIENT_ID, HUBSPOT_REFRESH_TOKEN)",
        ));
    }
    if let Some(key) = env("HUBSPOT_SERVICE_KEY") {
        return Some((
            ClientBuilder::default().service_key(key),
            "a Service Key (HUBSPOT_SERVICE_KEY)",
        ));
    }
    env("HUBSPOT_ACCESS_TOKEN").map(|token| {
        (
            ClientBuilder::default().private_app_token(token),
            "HUBSPOT_ACCESS_TOKEN",
        )
    })
}

fn properties(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn shown(deal_properties: &HashMap<String, Option<String>>, name: &str) -> String {
    deal_properties
        .get(name)
        .cloned()
        .flatten()
        .unwrap_or_else(|| "-".into())
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs follow RUST_LOG (quiet by default); each call's span prints when it ends.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(hint) = hint(error.as_ref()) {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

/// What to do about the errors people meet first.
fn hint(error: &(dyn Error + 'static)) -> Option<&'static str> {
    if let Some(BuildError::InvalidCredentials(_)) = error.downcast_ref::<BuildError>() {
        return Some("copy the token again, without spaces or line breaks");
    }
    let error = error.downcast_ref::<hubspot_deals::Error>()?;
    if error.needs_reauthorization() {
        Some(
            "the refresh token was revoked or has expired: install the app again (its OAuth \
             authorize URL) and set HUBSPOT_REFRESH_TOKEN to the new refresh token",
        )
    } else if error.status() == Some(401) {
        Some(
            "HubSpot did not accept the token: in HubSpot, Settings > Integrations > Private \
             Apps, create an app with the crm.objects.deals.read and crm.objects.deals.write \
             scopes and set HUBSPOT_ACCESS_TOKEN to its access token",
        )
    } else if error.is_missing_scopes() {
        Some("give the app the crm.objects.deals.read and crm.objects.deals.write scopes")
    } else if matches!(error, hubspot_deals::Error::Transport(t) if t.is_connect()) {
        Some("HubSpot could not be reached: check the network, or HUBSPOT_BASE_URL if it is set")
    } else {
        None
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    // Keep the fake alive for the whole run when it is used.
    let mut _fake = None;
    let (client, unique_property) = match credentials_from_env() {
        Some((builder, what)) => {
            let base_url = env("HUBSPOT_BASE_URL");
            let target = base_url
                .clone()
                .unwrap_or_else(|| hubspot_deals::DEFAULT_BASE_URL.to_string());
            println!("Using {what} against {target}");
            let builder = match base_url {
                Some(url) => builder.base_url(url),
                None => builder,
            };
            (builder.build()?, env("HUBSPOT_UNIQUE_PROPERTY"))
        }
        None => {
            let fake = FakeHubSpot::builder()
                .private_app_token(FAKE_TOKEN)
                .unique_property("external_id")
                .start()
                .await?;
            println!(
                "No HubSpot credentials set: using the embedded fake HubSpot at {}",
                fake.base_url()
            );
            let client = Client::builder()
                .private_app_token(FAKE_TOKEN)
                .base_url(fake.base_url())
                .build()?;
            _fake = Some(fake);
            (client, Some("external_id".to_string()))
        }
    };

    // Create.
    let mut made = Vec::new();
    for (name, amount, stage) in [
        (
            "Quickstart: data integration",
            "1500",
            "appointmentscheduled",
        ),
        ("Quickstart: onboarding", "800", "qualifiedtobuy"),
        ("Quickstart: renewal", "2400", "contractsent"),
    ] {
        let deal = client
            .create()
            .body(types::NewDeal {
                associations: vec![],
                properties: properties(&[
                    ("dealname", name),
                    ("amount", amount),
                    ("dealstage", stage),
                    ("pipeline", "default"),
                ]),
            })
            .send()
            .await?;
        println!("created deal {} {:?}", deal.id, name);
        made.push(deal.id.clone());
    }

    // Read.
    let deal = client
        .get_by_id()
        .deal_id(&made[0])
        .properties(vec![
            "dealname".into(),
            "amount".into(),
            "dealstage".into(),
            "closedate".into(),
        ])
        .send()
        .await?;
    println!(
        "read deal {}: amount {}, stage {}, close date {}",
        deal.id,
        shown(&deal.properties, "amount"),
        shown(&deal.properties, "dealstage"),
        shown(&deal.properties, "closedate")
    );

    // Update.
    let updated = client
        .update()
        .deal_id(&made[0])
        .body(types::DealUpdate {
            properties: properties(&[("dealstage", "presentationscheduled"), ("amount", "1750")]),
        })
        .send()
        .await?;
    println!(
        "updated deal {}: amount {}, stage {}",
        updated.id,
        shown(&updated.properties, "amount"),
        shown(&updated.properties, "dealstage")
    );

    // List, page by page.
    let mut after: Option<String> = None;
    let mut pages = 0;
    let mut seen = 0;
    loop {
        let mut request = client.get_page().limit(2);
        if let Some(cursor) = &after {
            request = request.after(cursor.clone());
        }
        let page = request.send().await?;
        pages += 1;
        seen += page.results.len();
        println!(
            "listed page {pages}: {:?}",
            page.results
                .iter()
                .map(|d| d.id.as_str())
                .collect::<Vec<_>>()
        );
        match page.paging.as_ref().and_then(|p| p.next.as_ref()) {
            Some(next) if pages < 5 => after = Some(next.after.clone()),
            _ => break,
        }
    }
    println!("listed {seen} deals in {pages} pages");

    // Batch upsert by a unique property.
    match &unique_property {
        Some(property) => {
            let inputs = ["QS-1", "QS-2"]
                .iter()
                .map(|key| types::DealUpsert {
                    id: key.to_string(),
                    id_property: Some(property.clone()),
                    object_write_trace_id: None,
                    properties: properties(&[("dealname", &format!("Quickstart: upserted {key}"))]),
                })
                .collect();
            let upserted = client
                .batch_upsert()
                .body(types::BatchUpsert { inputs })
                .send()
                .await?;
            for result in &upserted.results {
                println!("upserted deal {} (new: {})", result.id, result.new);
                made.push(result.id.clone());
            }
        }
        None => {
            println!("skipped batch upsert: set HUBSPOT_UNIQUE_PROPERTY to a unique deal property")
        }
    }

    // Search.
    let found = client
        .search()
        .body(types::SearchRequest {
            after: None,
            filter_groups: vec![types::FilterGroup {
                filters: vec![types::Filter {
                    high_value: None,
                    operator: FilterOperator::Gte,
                    property_name: "amount".into(),
                    value: Some("1000".into()),
                    values: vec![],
                }],
            }],
            limit: 10,
            properties: vec!["dealname".into(), "amount".into()],
            query: Some("quickstart".into()),
            sorts: vec!["-amount".into()],
        })
        .send()
        .await?;
    println!(
        "searched amount >= 1000 and \"quickstart\": {} found (HubSpot indexes new deals after a few seconds)",
        found.total
    );
    for deal in &found.results {
        println!(
            "  {} {} {}",
            deal.id,
            shown(&deal.properties, "dealname"),
            shown(&deal.properties, "amount")
        );
    }

    // Archive what this run made.
    client
        .batch_archive()
        .body(types::BatchIds {
            inputs: made
                .iter()
                .map(|id| types::DealId { id: id.clone() })
                .collect(),
        })
        .send()
        .await?;
    println!("archived the {} deals this run made", made.len());
    Ok(())
}
