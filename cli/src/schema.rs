//! `pipelines` and `properties`: the account's deal pipelines with their stages, and its deal
//! properties (list, create). A table on a terminal, JSON lines otherwise.

use crate::args::{CreatePropertyArgs, Global, PipelinesArgs, PropertiesListArgs};
use crate::failure::Failure;
use crate::profile;
use crate::terminal::as_json;
use crate::terminal::{printable, table};
use hubspot_deals::properties::types::{OptionInput, PropertyCreate};
use std::io::Write;
use std::process::ExitCode;

/// `pipelines`.
pub async fn pipelines(global: &Global, args: PipelinesArgs) -> Result<ExitCode, Failure> {
    let client = profile::client(global)?;
    let all = client
        .pipelines()
        .list_pipelines()
        .send()
        .await?
        .into_inner();
    let mut out = std::io::stdout().lock();
    if as_json(args.json) {
        for pipeline in &all.results {
            let line = crate::terminal::json_line(pipeline)?;
            writeln!(out, "{line}").map_err(Failure::write)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![
        [
            "pipeline",
            "pipeline label",
            "stage",
            "stage label",
            "probability",
            "closed",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for pipeline in &all.results {
        let mut stages: Vec<_> = pipeline.stages.iter().collect();
        stages.sort_by_key(|s| s.display_order);
        for stage in stages {
            let meta = |key: &str| stage.metadata.get(key).cloned().unwrap_or_default();
            rows.push(vec![
                pipeline.id.clone(),
                pipeline.label.clone(),
                stage.id.clone(),
                stage.label.clone(),
                meta("probability"),
                meta("isClosed"),
            ]);
        }
    }
    table(&mut out, rows)?;
    Ok(ExitCode::SUCCESS)
}

/// `properties list`.
pub async fn list_properties(
    global: &Global,
    args: PropertiesListArgs,
) -> Result<ExitCode, Failure> {
    let client = profile::client(global)?;
    let mut all = client
        .properties()
        .list_properties()
        .send()
        .await?
        .into_inner()
        .results;
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = std::io::stdout().lock();
    if as_json(args.json) {
        for property in &all {
            let line = crate::terminal::json_line(property)?;
            writeln!(out, "{line}").map_err(Failure::write)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![
        ["name", "label", "type", "field type", "unique", "options"]
            .map(String::from)
            .to_vec(),
    ];
    for property in &all {
        let options: Vec<&str> = property.options.iter().map(|o| o.value.as_str()).collect();
        rows.push(vec![
            property.name.clone(),
            property.label.clone(),
            property.type_.clone(),
            property.field_type.clone(),
            if property.has_unique_value == Some(true) {
                "yes"
            } else {
                ""
            }
            .to_string(),
            options.join(", "),
        ]);
    }
    table(&mut out, rows)?;
    Ok(ExitCode::SUCCESS)
}

/// The field type forms usually give a property of this type.
fn usual_field_type(kind: &str) -> &'static str {
    match kind {
        "number" => "number",
        "date" | "datetime" => "date",
        "enumeration" => "select",
        "bool" => "booleancheckbox",
        _ => "text",
    }
}

/// `properties create`.
pub async fn create_property(
    global: &Global,
    args: CreatePropertyArgs,
) -> Result<ExitCode, Failure> {
    if args.kind == "enumeration" && args.options.is_empty() {
        return Err(Failure::Usage(
            "an enumeration needs its options: --option value=Label (repeatable)".into(),
        ));
    }
    let options: Vec<OptionInput> = args
        .options
        .iter()
        .enumerate()
        .map(|(i, option)| {
            let (value, label) = option.split_once('=').unwrap_or((option, option));
            OptionInput {
                value: value.trim().to_string(),
                label: label.trim().to_string(),
                display_order: i as i32,
                hidden: false,
                description: None,
            }
        })
        .collect();
    let field_type = args
        .field_type
        .clone()
        .unwrap_or_else(|| usual_field_type(&args.kind).to_string());
    let body = PropertyCreate::builder()
        .name(args.name.clone())
        .label(args.label.clone().unwrap_or_else(|| args.name.clone()))
        .type_(args.kind.clone())
        .field_type(field_type)
        .group_name(args.group.clone())
        .options(options)
        .has_unique_value(args.unique.then_some(true));
    let client = profile::client(global)?;
    let created = client
        .properties()
        .create_property()
        .body(body)
        .send()
        .await?
        .into_inner();
    // The server's answer is text from elsewhere: shown, never obeyed.
    eprintln!(
        "Created the deal property {} ({}{}).",
        printable(&created.name),
        printable(&created.type_),
        if args.unique { ", unique" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}
