//! `deals get`, `deals search`: JSON on standard output, or a table when it is a terminal.

use crate::args::{GetArgs, Global, SearchArgs};
use crate::failure::Failure;
use crate::profile;
use crate::terminal::table;
use chrono::SecondsFormat;
use futures_util::StreamExt;
use hubspot_deals::stage_timing;
use hubspot_deals::stages::Stages;
use hubspot_deals::types::{FilterGroup, SearchRequest};
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// The columns of a table when no properties are asked for.
const TABLE_COLUMNS: &[&str] = &["dealname", "amount", "dealstage", "closedate"];

/// Prints deals as JSON lines, or a table on a terminal.
fn show(deals: &[Value], properties: &[String], json: bool) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    if json || !std::io::stdout().is_terminal() {
        for deal in deals {
            let line = crate::terminal::json_line(deal)?;
            writeln!(out, "{line}").map_err(Failure::write)?;
        }
        return Ok(());
    }
    let columns: Vec<String> = if properties.is_empty() {
        TABLE_COLUMNS.iter().map(|s| s.to_string()).collect()
    } else {
        properties.to_vec()
    };
    let mut rows = vec![
        std::iter::once("id".to_string())
            .chain(columns.iter().cloned())
            .collect::<Vec<_>>(),
    ];
    for deal in deals {
        let mut row = vec![deal["id"].as_str().unwrap_or("").to_string()];
        for column in &columns {
            row.push(
                deal["properties"][column]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            );
        }
        rows.push(row);
    }
    table(&mut out, rows)
}

/// `deals get`.
pub async fn get(global: &Global, args: GetArgs) -> Result<ExitCode, Failure> {
    let client = profile::client(global)?;
    let mut call = client.get_by_id().deal_id(&args.id);
    if !args.properties.is_empty() {
        call = call.properties(args.properties.clone());
    }
    let deal = call.send().await.map_err(|e| {
        if e.is_not_found() {
            Failure::Remote(format!("no deal {} (or it is archived)", args.id))
        } else {
            Failure::from(e)
        }
    })?;
    let mut value = serde_json::to_value(&*deal).map_err(|e| Failure::Remote(e.to_string()))?;
    if !args.stage_timing {
        show(&[value], &args.properties, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    let stages = Stages::load(&client).await?;
    let timing = stage_timing::read(&client, &stages, std::slice::from_ref(&deal.id))
        .await?
        .remove(&deal.id)
        .unwrap_or_default();
    let rows: Vec<Value> = timing
        .iter()
        .map(|t| {
            let label = stages.get(&t.stage_id).map(|s| s.label.clone());
            json!({
                "stageId": t.stage_id,
                "stageLabel": label,
                "enteredAt": t.entered_at.map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true)),
                "exitedAt": t.exited_at.map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true)),
                "latestTimeInMs": t.latest_time_in.map(|d| d.as_millis() as u64),
                "cumulativeTimeInMs": t.cumulative_time_in.map(|d| d.as_millis() as u64),
            })
        })
        .collect();
    if args.json || !std::io::stdout().is_terminal() {
        value["stageTiming"] = Value::Array(rows);
        return show(&[value], &args.properties, true).map(|()| ExitCode::SUCCESS);
    }
    show(&[value], &args.properties, false)?;
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut table_rows = vec![
        [
            "stage",
            "entered",
            "left",
            "last stay (ms)",
            "all stays (ms)",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for row in &rows {
        let stage = row["stageLabel"].as_str().or(row["stageId"].as_str());
        table_rows.push(vec![
            stage.unwrap_or_default().to_string(),
            text(&row["enteredAt"]),
            text(&row["exitedAt"]),
            text(&row["latestTimeInMs"]),
            text(&row["cumulativeTimeInMs"]),
        ]);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out).map_err(Failure::write)?;
    table(&mut out, table_rows)?;
    Ok(ExitCode::SUCCESS)
}

/// `deals search`.
pub async fn search(global: &Global, args: SearchArgs) -> Result<ExitCode, Failure> {
    let client = profile::client(global)?;
    let request = SearchRequest {
        filter_groups: if args.filters.is_empty() {
            Vec::new()
        } else {
            vec![FilterGroup {
                filters: args.filters.clone(),
            }]
        },
        properties: args.properties.clone(),
        query: args.query.clone(),
        ..Default::default()
    };
    let mut stream = client.deals().search_all(request).stream().take(args.limit);
    let mut deals = Vec::new();
    while let Some(deal) = stream.next().await {
        deals.push(serde_json::to_value(deal?).map_err(|e| Failure::Remote(e.to_string()))?);
    }
    show(&deals, &args.properties, args.json)?;
    if deals.len() == args.limit {
        eprintln!("(the first {} matches; --limit N for more)", args.limit);
    }
    Ok(ExitCode::SUCCESS)
}
