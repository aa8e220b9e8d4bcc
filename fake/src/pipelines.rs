//! Deal pipelines and their stages (`/crm/v3/pipelines/deals`): list, read one, list and read
//! its stages, and create a pipeline with its stages. A created pipeline is at once one that
//! deals may be put in (the same list the deals' `pipeline` and `dealstage` are checked
//! against).
//!
//! HubSpot's default pipeline has its labels, display order and probabilities; pipelines
//! given to the builder or the command line (`--pipeline ID=S1,S2`) are labelled by their ids,
//! with probabilities rising by stage (`closedwon`: 1.0 and `closedlost`: 0.0, both closed).
//! Updating, replacing and deleting pipelines or stages, and their audits, are not served.

use super::errors::ApiError;
use super::objects::Answer;
use super::state::World;
use super::store::{Described, Pipeline, account_created, timestamp};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// HubSpot's default pipeline: (stage id, label, probability, closed).
const DEFAULT_STAGES: &[(&str, &str, &str, bool)] = &[
    (
        "appointmentscheduled",
        "Appointment Scheduled",
        "0.2",
        false,
    ),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", false),
    (
        "presentationscheduled",
        "Presentation Scheduled",
        "0.6",
        false,
    ),
    (
        "decisionmakerboughtin",
        "Decision Maker Bought-In",
        "0.8",
        false,
    ),
    ("contractsent", "Contract Sent", "0.9", false),
    ("closedwon", "Closed Won", "1.0", true),
    ("closedlost", "Closed Lost", "0.0", true),
];

/// A stage in the API's shape.
fn stage(world: &World, pipeline: &str, id: &str, order: usize, count: usize) -> Value {
    let key = (pipeline.to_string(), id.to_string());
    let (label, order, metadata, created) = match world.store.schema.described.get(&key) {
        Some(given) => (
            given.label.clone(),
            given.display_order,
            given.metadata.clone(),
            given.created_at,
        ),
        None => {
            let known = DEFAULT_STAGES.iter().find(|(stage, ..)| *stage == id);
            let (label, probability, closed) = match known {
                Some((_, label, probability, closed)) => {
                    (label.to_string(), probability.to_string(), *closed)
                }
                None => {
                    let rising = (order + 1) as f64 / (count + 1) as f64;
                    (id.to_string(), format!("{:.1}", rising), false)
                }
            };
            let metadata = BTreeMap::from([
                ("probability".to_string(), probability),
                ("isClosed".to_string(), closed.to_string()),
            ]);
            (label, order as i64, metadata, account_created())
        }
    };
    json!({
        "id": id, "label": label, "displayOrder": order, "metadata": metadata,
        "createdAt": timestamp(created), "updatedAt": timestamp(created), "archived": false,
    })
}

/// A pipeline in the API's shape, with its stages.
fn render(world: &World, pipeline: &Pipeline, order: usize) -> Value {
    let key = (pipeline.id.clone(), String::new());
    let (label, order, created) = match world.store.schema.described.get(&key) {
        Some(given) => (given.label.clone(), given.display_order, given.created_at),
        None if pipeline.id == "default" => ("Sales Pipeline".into(), 0, account_created()),
        None => (pipeline.id.clone(), order as i64, account_created()),
    };
    let count = pipeline.stages.len();
    let stages: Vec<Value> = pipeline
        .stages
        .iter()
        .enumerate()
        .map(|(i, id)| stage(world, &pipeline.id, id, i, count))
        .collect();
    json!({
        "id": pipeline.id, "label": label, "displayOrder": order, "stages": stages,
        "createdAt": timestamp(created), "updatedAt": timestamp(created), "archived": false,
    })
}

fn find<'a>(world: &'a World, id: &str) -> Result<(usize, &'a Pipeline), ApiError> {
    world
        .store
        .schema
        .pipelines
        .iter()
        .enumerate()
        .find(|(_, p)| p.id == id)
        .ok_or_else(ApiError::not_found)
}

/// `GET /crm/v3/pipelines/deals`.
pub(crate) fn get_all(world: &World) -> Answer {
    let all: Vec<Value> = world
        .store
        .schema
        .pipelines
        .iter()
        .enumerate()
        .map(|(i, p)| render(world, p, i))
        .collect();
    Ok((200, Some(json!({ "results": all }))))
}

/// `GET /crm/v3/pipelines/deals/{pipelineId}`.
pub(crate) fn get_by_id(world: &World, id: &str) -> Answer {
    let (order, pipeline) = find(world, id)?;
    Ok((200, Some(render(world, pipeline, order))))
}

/// `GET /crm/v3/pipelines/deals/{pipelineId}/stages`, or one stage of it.
pub(crate) fn stages(world: &World, id: &str, stage_id: Option<&str>) -> Answer {
    let (order, pipeline) = find(world, id)?;
    let rendered = render(world, pipeline, order);
    let stages = rendered["stages"].as_array().cloned().unwrap_or_default();
    match stage_id {
        None => Ok((200, Some(json!({ "results": stages })))),
        Some(wanted) => stages
            .into_iter()
            .find(|s| s["id"] == wanted)
            .map(|s| (200, Some(s)))
            .ok_or_else(ApiError::not_found),
    }
}

/// A whole number from a body field.
fn order(value: &Value, at: &str) -> Result<i64, ApiError> {
    value["displayOrder"]
        .as_i64()
        .ok_or_else(|| ApiError::validation(format!("{at}displayOrder is required (a number)")))
}

fn label(value: &Value, at: &str) -> Result<String, ApiError> {
    value["label"]
        .as_str()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::validation(format!("{at}label is required")))
}

/// `POST /crm/v3/pipelines/deals`: a pipeline with its stages, each needing a label, a display
/// order and a probability from 0.0 to 1.0 (`metadata.probability`), as HubSpot asks of deal
/// stages. Ids are numbers, as HubSpot gives custom pipelines and stages.
pub(crate) fn create(world: &mut World, body: &Value) -> Answer {
    let pipeline_label = label(body, "")?;
    let pipeline_order = order(body, "")?;
    let inputs = body["stages"]
        .as_array()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::validation("stages is required: at least one stage"))?;
    if inputs.len() > 100 {
        return Err(ApiError::validation(format!(
            "A pipeline holds at most 100 stages, {} were given",
            inputs.len()
        )));
    }
    let taken = |label: &str| {
        world
            .store
            .schema
            .described
            .iter()
            .any(|((_, stage), d)| stage.is_empty() && d.label == label)
    };
    if taken(&pipeline_label) {
        return Err(ApiError::validation(format!(
            "A pipeline labelled {pipeline_label:?} already exists"
        )));
    }
    let now = world.now();
    let mut stages = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("stages[{i}].");
        let probability = input["metadata"]["probability"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                input["metadata"]["probability"]
                    .as_f64()
                    .map(|p| p.to_string())
            })
            .filter(|p| p.parse::<f64>().is_ok_and(|p| (0.0..=1.0).contains(&p)))
            .ok_or_else(|| {
                ApiError::validation(format!(
                    "{at}metadata.probability is required for deal stages: a number from 0.0 to 1.0"
                ))
            })?;
        let mut metadata = BTreeMap::from([("probability".to_string(), probability)]);
        if let Some(closed) = input["metadata"]["isClosed"].as_str() {
            metadata.insert("isClosed".into(), closed.to_string());
        }
        stages.push(Described {
            label: label(input, &at)?,
            display_order: order(input, &at)?,
            metadata,
            created_at: now,
        });
    }
    let next_id = world.store.next_schema_id();
    let id = next_id.to_string();
    let stage_ids: Vec<String> = (0..stages.len())
        .map(|_| world.store.next_schema_id().to_string())
        .collect();
    let schema = &mut world.store.schema;
    schema.described.insert(
        (id.clone(), String::new()),
        Described {
            label: pipeline_label,
            display_order: pipeline_order,
            metadata: BTreeMap::new(),
            created_at: now,
        },
    );
    for (stage_id, described) in stage_ids.iter().zip(stages) {
        schema
            .described
            .insert((id.clone(), stage_id.clone()), described);
    }
    schema.pipelines.push(Pipeline::new(id.clone(), stage_ids));
    let created = get_by_id(world, &id)?.1;
    Ok((201, created))
}
