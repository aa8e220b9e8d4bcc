//! `hubspot-deals doctor`: what a profile uses and whether it will keep working: its kind of
//! credentials and token endpoint, the version of each HubSpot API this build calls with
//! the day HubSpot ends it and the days left, the scopes the token has against what each
//! command needs, and the budget. Exit 1 when something it uses ends within 90 days.

use crate::args::{DoctorArgs, Global};
use crate::failure::Failure;
use crate::profile::{self, Source, Stored};
use crate::terminal::{printable, table};
use chrono::{NaiveDate, Utc};
use hubspot_deals::auth::{TOKEN_PATH, introspect};
use hubspot_deals::operations::Operation;
use hubspot_deals::registry::Ending;
use hubspot_deals::versions::{self, WARNING_DAYS};
use std::collections::BTreeSet;
use std::process::ExitCode;

/// Each command and the operations it calls (their scopes come from the registry).
const COMMANDS: &[(&str, &[&str])] = &[
    (
        "deals export, get, search",
        &["get_page", "search", "batch_read"],
    ),
    ("deals export --properties all", &["list_properties"]),
    ("deals export --associations", &["batch_read_associations"]),
    (
        "deals import, archive",
        &["batch_create", "batch_upsert", "batch_archive"],
    ),
    ("pipelines", &["list_pipelines"]),
    ("properties list", &["list_properties"]),
    ("properties create", &["create_property"]),
    (
        "sync",
        &["search", "batch_read", "list_pipelines", "list_properties"],
    ),
];

/// The scopes the commands of the webhooks journal need, with the app's own credentials.
const JOURNAL: (&str, &[&str]) = (
    "deals watch, sync --watch (app credentials)",
    &["journal_batch_next", "upsert_journal_subscription"],
);

/// `doctor`.
pub async fn doctor(global: &Global, args: DoctorArgs) -> Result<ExitCode, Failure> {
    let today = args.on.unwrap_or_else(|| Utc::now().date_naive());
    let day = today.format("%Y-%m-%d").to_string();
    let resolved = profile::resolve(global)?;
    let base_url = resolved.base_url(global)?;
    let from = match &resolved.source {
        Source::Environment => "from the environment".to_string(),
        Source::File(name) => format!("profile {name:?} in {}", profile::path()?.display()),
    };
    println!("credentials: {from}");
    println!("api: {}", printable(&base_url));
    let kind = match &resolved.stored {
        Stored::OAuth { client_id, .. } => format!("OAuth app {}", printable(client_id)),
        Stored::PrivateApp { .. } => "private app token".into(),
        Stored::ServiceKey { .. } => "Service Key".into(),
    };
    println!("kind: {kind}");
    if matches!(resolved.stored, Stored::OAuth { .. }) {
        println!(
            "token endpoint: {}{TOKEN_PATH}",
            base_url.trim_end_matches('/')
        );
    }
    if !matches!(resolved.stored, Stored::OAuth { .. }) {
        profile::client(global)?.get_page().limit(1).send().await?;
        println!("works: yes (deals can be read)");
    }
    let has_app = profile::app_client(global)?.is_some();
    if has_app {
        println!("app credentials: yes (the webhooks journal)");
    }

    println!("\nHubSpot's API versions this build calls, on {day}:");
    let mut rows = vec![vec![
        "api".to_string(),
        "version".into(),
        "ends".into(),
        "days left".into(),
    ]];
    let mut ending = Vec::new();
    let oauth = matches!(resolved.stored, Stored::OAuth { .. }) || has_app;
    for in_use in versions::in_use() {
        let unused = match in_use.api.name {
            "webhooks_journal" => !has_app,
            "oauth" => !oauth,
            _ => false,
        };
        if unused {
            continue;
        }
        let (ends, left) = match in_use.ends {
            Ending::None => ("no end announced".to_string(), String::new()),
            Ending::Retired(when) => (format!("retired {when}"), days(&in_use, &day)),
            Ending::Unsupported(when) => (format!("unsupported {when}"), days(&in_use, &day)),
        };
        if in_use.ends_soon(&day) {
            ending.push(format!("{} {}", in_use.api.name, in_use.version));
        }
        rows.push(vec![
            in_use.api.name.into(),
            in_use.version.into(),
            ends,
            left,
        ]);
    }
    table(&mut std::io::stdout(), rows)?;

    println!();
    let granted = granted_scopes(&resolved.stored, &base_url).await?;
    let mut commands: Vec<(&str, &[&str])> = COMMANDS.to_vec();
    if has_app {
        commands.push(JOURNAL);
    }
    let mut lines = Vec::new();
    let mut missing = BTreeSet::new();
    for (command, operations) in commands {
        let needs: BTreeSet<&str> = operations
            .iter()
            .filter_map(|name| Operation::find(name))
            .map(|operation| operation.scope)
            .collect();
        let verdict = match &granted {
            Some(granted) => {
                // The journal's commands use the app's own token, not this one.
                let lacking: Vec<&str> = needs
                    .iter()
                    .copied()
                    .filter(|scope| !granted.contains(*scope) && command != JOURNAL.0)
                    .collect();
                missing.extend(lacking.iter().copied());
                if lacking.is_empty() {
                    "granted: yes".to_string()
                } else {
                    format!("granted: no, lacks {}", lacking.join(" "))
                }
            }
            None => "granted: not known".to_string(),
        };
        let needs: Vec<&str> = needs.into_iter().collect();
        lines.push(format!("  {command}: {} ({verdict})", needs.join(", ")));
    }
    match &granted {
        Some(scopes) => println!(
            "scopes granted: {}",
            printable(&scopes.iter().cloned().collect::<Vec<_>>().join(" "))
        ),
        None => println!(
            "scopes granted: not known (HubSpot introspects OAuth tokens only; a command \
             without its scope answers 403 naming it)"
        ),
    }
    println!("scopes each command needs:");
    for line in lines {
        println!("{line}");
    }

    let quota = |quota: Option<hubspot_deals::Quota>| {
        quota.map_or("unlimited".to_string(), |q| {
            format!("{} calls per {} s", q.calls, q.window.as_secs_f64())
        })
    };
    println!(
        "\nbudget: {}, search {}{}",
        quota(global.budget.app_quota()),
        quota(global.budget.search_quota()),
        match &global.shared_budget {
            Some(_) => format!(
                ", shared through Redis as {:?}",
                global
                    .shared_budget_name
                    .as_deref()
                    .unwrap_or(&global.profile)
            ),
            None => String::new(),
        }
    );

    if !missing.is_empty() {
        println!(
            "\nmissing scopes: {} (log in again asking for them)",
            missing.into_iter().collect::<Vec<_>>().join(" ")
        );
    }
    if ending.is_empty() {
        println!("\nok: nothing this build calls ends within {WARNING_DAYS} days of {day}");
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "\nends within {WARNING_DAYS} days of {day}: {}; update hubspot-deals (or \
             regenerate: cargo xtask update-spec --document all)",
            ending.join(", ")
        );
        Ok(ExitCode::from(1))
    }
}

/// The days left to an end, as a table cell (`past` once past it).
fn days(in_use: &versions::InUse, day: &str) -> String {
    match in_use.days_left(day) {
        Some(left) if left < 0 => format!("past ({} ago)", -left),
        Some(left) => left.to_string(),
        None => String::new(),
    }
}

/// The scopes the stored token has, where HubSpot says (OAuth introspection); `None` for a
/// private app's token or a Service Key, which HubSpot does not introspect.
async fn granted_scopes(
    stored: &Stored,
    base_url: &str,
) -> Result<Option<BTreeSet<String>>, Failure> {
    let Stored::OAuth {
        client_id,
        client_secret,
        refresh_token,
        ..
    } = stored
    else {
        return Ok(None);
    };
    let info = introspect(base_url, client_id, client_secret, refresh_token).await?;
    if !info.active {
        return Err(Failure::Auth(format!(
            "the stored refresh token was revoked or has expired: {}",
            crate::failure::LOGIN_AGAIN
        )));
    }
    Ok(Some(info.scopes.into_iter().collect()))
}

/// `--on`'s day.
pub fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| format!("expected a day as YYYY-MM-DD, got {text:?} ({e})"))
}
