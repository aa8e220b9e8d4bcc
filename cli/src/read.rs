//! `deals get`, `deals search`, `deals archive`: JSON on standard output, or a table when it
//! is a terminal.

use crate::failure::Failure;
use crate::terminal::printable;
use crate::{Global, profile};
use futures_util::StreamExt;
use hubspot_deals::batch::Outcome;
use hubspot_deals::types::{Filter, FilterGroup, FilterOperator, SearchRequest};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// The columns of a table when no properties are asked for.
const TABLE_COLUMNS: &[&str] = &["dealname", "amount", "dealstage", "closedate"];

/// One deal.
#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The deal's id.
    id: String,
    /// The properties to show (comma-separated).
    #[arg(long, value_delimiter = ',')]
    properties: Vec<String>,
    /// JSON even on a terminal.
    #[arg(long)]
    json: bool,
}

/// A search.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// A filter, `property OPERATOR value` (repeatable; all must hold). Operators: EQ NEQ LT
    /// LTE GT GTE, BETWEEN (`amount BETWEEN 10 20`), IN and NOT_IN (`dealstage IN a,b`),
    /// HAS_PROPERTY and NOT_HAS_PROPERTY (no value), CONTAINS_TOKEN and NOT_CONTAINS_TOKEN.
    #[arg(long = "filter", value_name = "FILTER", value_parser = parse_filter)]
    filters: Vec<Filter>,
    /// Text to search for in the default searchable properties.
    #[arg(long)]
    query: Option<String>,
    /// The properties to show (comma-separated).
    #[arg(long, value_delimiter = ',')]
    properties: Vec<String>,
    /// At most this many deals.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// JSON even on a terminal.
    #[arg(long)]
    json: bool,
}

/// Deals to archive.
#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    /// The deals' ids.
    #[arg(required = true)]
    ids: Vec<String>,
}

/// `property OPERATOR [value]` as a search filter.
fn parse_filter(text: &str) -> Result<Filter, String> {
    let mut parts = text.trim().splitn(3, char::is_whitespace);
    let (Some(property), Some(operator)) = (parts.next(), parts.next()) else {
        return Err(format!(
            "{text:?}: write a filter as `property OPERATOR value`"
        ));
    };
    let value = parts.next().map(str::trim).unwrap_or("");
    let operator: FilterOperator = serde_json::from_value(Value::String(operator.to_uppercase()))
        .map_err(|_| format!("{operator:?} is not a search operator (EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN)"))?;
    let mut filter = Filter {
        property_name: property.to_string(),
        operator,
        value: None,
        values: Vec::new(),
        high_value: None,
    };
    match operator {
        FilterOperator::HasProperty | FilterOperator::NotHasProperty => {}
        FilterOperator::In | FilterOperator::NotIn => {
            filter.values = value
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if filter.values.is_empty() {
                return Err(format!("{text:?}: IN needs values, comma-separated"));
            }
        }
        FilterOperator::Between => {
            let mut bounds = value.split_whitespace();
            let (Some(low), Some(high), None) = (bounds.next(), bounds.next(), bounds.next())
            else {
                return Err(format!(
                    "{text:?}: BETWEEN needs two values, `property BETWEEN low high`"
                ));
            };
            filter.value = Some(low.into());
            filter.high_value = Some(high.into());
        }
        _ if value.is_empty() => return Err(format!("{text:?}: {operator} needs a value")),
        _ => filter.value = Some(value.to_string()),
    }
    Ok(filter)
}

/// Prints deals as JSON lines, or a table on a terminal.
fn show(deals: &[Value], properties: &[String], json: bool) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    if json || !std::io::stdout().is_terminal() {
        for deal in deals {
            writeln!(out, "{deal}").map_err(Failure::write)?;
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
    // Values come from HubSpot, typed by anyone with access to the portal: shown, never
    // obeyed by the terminal.
    for deal in deals {
        let mut row = vec![printable(deal["id"].as_str().unwrap_or("")).into_owned()];
        for column in &columns {
            row.push(printable(deal["properties"][column].as_str().unwrap_or("")).into_owned());
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..=columns.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
                .min(40)
        })
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| {
                let cell: String = cell.chars().take(*width).collect();
                format!("{cell:<width$}")
            })
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end()).map_err(Failure::write)?;
    }
    Ok(())
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
    let value = serde_json::to_value(&*deal).map_err(|e| Failure::Remote(e.to_string()))?;
    show(&[value], &args.properties, args.json)?;
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

/// `deals archive`.
pub async fn archive(global: &Global, args: ArchiveArgs) -> Result<ExitCode, Failure> {
    let client = profile::client(global)?;
    let mut stream = client.deals().archive_all(args.ids.clone()).stream();
    let mut failed: HashMap<String, String> = HashMap::new();
    while let Some(item) = stream.next().await {
        match item.outcome {
            Outcome::Done(()) => {}
            Outcome::Failed(failure) => {
                failed.insert(args.ids[item.index].clone(), failure.to_string());
            }
            Outcome::Unknown(error) => {
                failed.insert(args.ids[item.index].clone(), error.to_string());
            }
            _ => {
                failed.insert(
                    args.ids[item.index].clone(),
                    "an outcome this version does not know".into(),
                );
            }
        }
    }
    for (id, why) in &failed {
        eprintln!("deal {} not archived: {}", printable(id), printable(why));
    }
    eprintln!(
        "Archived {} of {} deals.",
        args.ids.len() - failed.len(),
        args.ids.len()
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_as_property_operator_value() {
        let filter = parse_filter("amount gt 1000").unwrap();
        assert_eq!(
            (filter.property_name.as_str(), filter.operator),
            ("amount", FilterOperator::Gt)
        );
        assert_eq!(filter.value.as_deref(), Some("1000"));
        let filter = parse_filter("dealname CONTAINS_TOKEN *@hubspot.com").unwrap();
        assert_eq!(filter.value.as_deref(), Some("*@hubspot.com"));
        let filter = parse_filter("dealstage IN closedwon, contractsent").unwrap();
        assert_eq!(filter.values, ["closedwon", "contractsent"]);
        let filter = parse_filter("amount BETWEEN 10 20").unwrap();
        assert_eq!(
            (filter.value.as_deref(), filter.high_value.as_deref()),
            (Some("10"), Some("20"))
        );
        assert!(
            parse_filter("closedate HAS_PROPERTY")
                .unwrap()
                .value
                .is_none()
        );
        assert!(
            parse_filter("amount LIKE 3")
                .unwrap_err()
                .contains("not a search operator")
        );
        assert!(
            parse_filter("amount GT")
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            parse_filter("amount")
                .unwrap_err()
                .contains("property OPERATOR value")
        );
    }
}
