//! Deal pipelines and their stages (`/crm/v3/pipelines/deals`): list, read one, list and read
//! its stages, and create a pipeline with its stages. A created pipeline is at once one that
//! deals may be put in (the same list the deals' `pipeline` and `dealstage` are checked
//! against).
//!
//! HubSpot's default pipeline has its labels, display order and probabilities; pipelines
//! given to the builder or the command line (`--pipeline ID=S1,S2`) are labelled by their ids,
//! with probabilities rising by stage (`closedwon`: 1.0 and `closedlost`: 0.0, both closed).
//!
//! Pipelines and stages can be updated (`PATCH`), replaced (`PUT`) and deleted, and each
//! change is kept for their audits. As at HubSpot, a stage (or a pipeline) that live deals
//! are in cannot be removed (400, naming how many deals), nor can an account's last
//! pipeline or a pipeline's last stage.

use crate::apis::request::Request;
use crate::errors::{Answer, ApiError};
use crate::store::{Audit, Described, Pipeline, account_created, timestamp};
use crate::world::World;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A stage in the API's shape.
fn stage(world: &World, pipeline: &str, id: &str) -> Value {
    let stage = world.store.schema.stage(pipeline, id);
    // `writePermissions` is required from 2026-09 and harmless before: the fake's stages
    // are written under the account's permissions, as HubSpot's default stages are.
    json!({
        "id": id, "label": stage.label, "displayOrder": stage.display_order,
        "metadata": stage.metadata, "createdAt": timestamp(stage.created_at),
        "updatedAt": timestamp(stage.created_at), "archived": false,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
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
    let stages: Vec<Value> = pipeline
        .stages
        .iter()
        .map(|id| stage(world, &pipeline.id, id))
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

/// Runs a pipelines operation.
pub(crate) fn handle(world: &mut World, request: &Request) -> Answer {
    let (pipeline, stage) = (request.param("pipelineId"), request.param("stageId"));
    match request.call.operation.name {
        "list_pipelines" => get_all(world),
        "create_pipeline" => create(world, &request.json()?),
        "get_pipeline" => get_by_id(world, pipeline),
        "replace_pipeline" => replace(world, pipeline, &request.json()?),
        "archive_pipeline" => archive(world, pipeline),
        "update_pipeline" => update(world, pipeline, &request.json()?),
        "pipeline_audit" => audits(world, pipeline, None),
        "list_stages" => stages(world, pipeline, None),
        "create_stage" => create_stage(world, pipeline, &request.json()?),
        "get_stage" => stages(world, pipeline, Some(stage)),
        "replace_stage" => replace_stage(world, pipeline, stage, &request.json()?),
        "archive_stage" => archive_stage(world, pipeline, stage),
        "update_stage" => update_stage(world, pipeline, stage, &request.json()?),
        "stage_audit" => audits(world, pipeline, Some(stage)),
        _ => Err(ApiError::not_found()),
    }
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

/// The most stages a deal pipeline holds at HubSpot.
const MAX_STAGES: usize = 100;

/// A pipeline body's `stages`: at least one, at most [`MAX_STAGES`].
fn stage_inputs(body: &Value) -> Result<&Vec<Value>, ApiError> {
    let inputs = body["stages"]
        .as_array()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::validation("stages is required: at least one stage"))?;
    if inputs.len() > MAX_STAGES {
        return Err(ApiError::validation(format!(
            "A pipeline holds at most {MAX_STAGES} stages, {} were given",
            inputs.len()
        )));
    }
    Ok(inputs)
}

/// `POST /crm/v3/pipelines/deals`: a pipeline with its stages, each needing a label, a display
/// order and a probability from 0.0 to 1.0 (`metadata.probability`), as HubSpot asks of deal
/// stages. Ids are numbers, as HubSpot gives custom pipelines and stages.
pub(crate) fn create(world: &mut World, body: &Value) -> Answer {
    let pipeline_label = label(body, "")?;
    let pipeline_order = order(body, "")?;
    let inputs = stage_inputs(body)?;
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
        stages.push(stage_input(input, &format!("stages[{i}]."), now)?);
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
    schema
        .pipelines
        .push(Pipeline::new(id.clone(), stage_ids.clone()));
    audit(world, &id, "", "CREATE");
    for stage in &stage_ids {
        audit(world, &id, stage, "CREATE");
    }
    let created = get_by_id(world, &id)?.1;
    Ok((201, created))
}

/// Notes a change for the audits.
fn audit(world: &mut World, pipeline: &str, stage: &str, action: &'static str) {
    let at = world.now();
    world.store.schema.pipeline_audit.push(Audit {
        pipeline: pipeline.to_string(),
        stage: stage.to_string(),
        action,
        at,
    });
}

/// `GET …/{pipelineId}/audit` or `…/stages/{stageId}/audit`: the changes made through the
/// API, newest first.
pub(crate) fn audits(world: &World, pipeline: &str, stage: Option<&str>) -> Answer {
    let (_, found) = find(world, pipeline)?;
    if let Some(stage) = stage
        && !found.stages.iter().any(|s| s == stage)
    {
        return Err(ApiError::not_found());
    }
    let stage = stage.unwrap_or("");
    let results: Vec<Value> = world
        .store
        .schema
        .pipeline_audit
        .iter()
        .rev()
        .filter(|a| a.pipeline == pipeline && a.stage == stage)
        .map(|a| {
            let identifier = if stage.is_empty() { pipeline } else { stage };
            json!({"action": a.action, "identifier": identifier, "portalId": crate::PORTAL_ID,
                   "timestamp": timestamp(a.at)})
        })
        .collect();
    Ok((200, Some(json!({ "results": results }))))
}

/// How many live deals are in `pipeline` (in any of `stages`, when given).
fn deals_in(world: &World, pipeline: &str, stages: Option<&[String]>) -> usize {
    world
        .store
        .deals()
        .filter(|d| d.archived_at.is_none())
        .filter(|d| d.values.get("pipeline").map_or("default", String::as_str) == pipeline)
        .filter(|d| {
            stages.is_none_or(|stages| {
                d.values
                    .get("dealstage")
                    .is_some_and(|stage| stages.contains(stage))
            })
        })
        .count()
}

/// Refuses to remove stages (or a whole pipeline) live deals are in.
fn unused(world: &World, pipeline: &str, stages: Option<&[String]>) -> Result<(), ApiError> {
    match deals_in(world, pipeline, stages) {
        0 => Ok(()),
        n => Err(ApiError::validation(format!(
            "{n} deal(s) are in {}; move them first",
            match stages {
                Some(stages) => format!("stage(s) {} of pipeline {pipeline}", stages.join(", ")),
                None => format!("pipeline {pipeline}"),
            }
        ))),
    }
}

/// The description of a pipeline (`stage` empty) or stage as served now, kept so it can be
/// changed (HubSpot's default pipeline and builder-given ones are described on first change).
fn described<'a>(
    world: &'a mut World,
    pipeline: &str,
    stage: &str,
) -> Result<&'a mut Described, ApiError> {
    let current = if stage.is_empty() {
        get_by_id(world, pipeline)?.1
    } else {
        stages(world, pipeline, Some(stage))?.1
    }
    .unwrap_or_default();
    let metadata = current["metadata"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let key = (pipeline.to_string(), stage.to_string());
    let schema = &mut world.store.schema;
    Ok(schema.described.entry(key).or_insert_with(|| Described {
        label: current["label"].as_str().unwrap_or_default().to_string(),
        display_order: current["displayOrder"].as_i64().unwrap_or_default(),
        metadata,
        created_at: account_created(),
    }))
}

/// A stage input's description (label, display order, probability), checked.
fn stage_input(
    input: &Value,
    at: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Described, ApiError> {
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
    Ok(Described {
        label: label(input, at)?,
        display_order: order(input, at)?,
        metadata,
        created_at: now,
    })
}

/// What a `PATCH` answers when it archives: the thing as it was, marked archived.
fn archived(current: Option<Value>) -> Answer {
    let mut archived = current.unwrap_or_default();
    archived["archived"] = true.into();
    Ok((200, Some(archived)))
}

/// A `PATCH` body's new label and display order, when given.
fn label_and_order(body: &Value) -> Result<(Option<String>, Option<i64>), ApiError> {
    let new_label = match &body["label"] {
        Value::Null => None,
        _ => Some(label(body, "")?),
    };
    Ok((new_label, body["displayOrder"].as_i64()))
}

/// `PATCH …/{pipelineId}`: a new label or display order; `archived: true` deletes it.
pub(crate) fn update(world: &mut World, id: &str, body: &Value) -> Answer {
    let (_, current) = get_by_id(world, id)?;
    if body["archived"].as_bool() == Some(true) {
        archive(world, id)?;
        return archived(current);
    }
    let (new_label, new_order) = label_and_order(body)?;
    let given = described(world, id, "")?;
    if let Some(label) = new_label {
        given.label = label;
    }
    if let Some(order) = new_order {
        given.display_order = order;
    }
    audit(world, id, "", "UPDATE");
    get_by_id(world, id)
}

/// `PUT …/{pipelineId}`: a new label, display order and stages (a stage input with a
/// `stageId` of the pipeline keeps that stage's id); stages left out must hold no deals.
pub(crate) fn replace(world: &mut World, id: &str, body: &Value) -> Answer {
    let (_, pipeline) = find(world, id)?;
    let old_stages = pipeline.stages.clone();
    let pipeline_label = label(body, "")?;
    let pipeline_order = order(body, "")?;
    let inputs = stage_inputs(body)?;
    let now = world.now();
    let mut stages = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let kept = input["stageId"]
            .as_str()
            .filter(|s| old_stages.iter().any(|o| o == s));
        stages.push((
            kept.map(str::to_string),
            stage_input(input, &format!("stages[{i}]."), now)?,
        ));
    }
    let dropped: Vec<String> = old_stages
        .iter()
        .filter(|old| {
            !stages
                .iter()
                .any(|(kept, _)| kept.as_deref() == Some(old.as_str()))
        })
        .cloned()
        .collect();
    unused(world, id, Some(&dropped))?;
    let mut ids = Vec::new();
    for (kept, described) in stages {
        let action = if kept.is_some() { "UPDATE" } else { "CREATE" };
        let stage_id = kept.unwrap_or_else(|| world.store.next_schema_id().to_string());
        audit(world, id, &stage_id, action);
        world
            .store
            .schema
            .described
            .insert((id.to_string(), stage_id.clone()), described);
        ids.push(stage_id);
    }
    for old in &dropped {
        audit(world, id, old, "DELETE");
    }
    let schema = &mut world.store.schema;
    for old in &dropped {
        schema.described.remove(&(id.to_string(), old.clone()));
    }
    schema.described.insert(
        (id.to_string(), String::new()),
        Described {
            label: pipeline_label,
            display_order: pipeline_order,
            metadata: BTreeMap::new(),
            created_at: now,
        },
    );
    if let Some(pipeline) = schema.pipelines.iter_mut().find(|p| p.id == id) {
        pipeline.stages = ids;
    }
    audit(world, id, "", "UPDATE");
    get_by_id(world, id)
}

/// `DELETE …/{pipelineId}`: 204; a pipeline deals are in, or the last one, stays.
pub(crate) fn archive(world: &mut World, id: &str) -> Answer {
    find(world, id)?;
    if world.store.schema.pipelines.len() == 1 {
        return Err(ApiError::validation(
            "An account keeps at least one deal pipeline",
        ));
    }
    unused(world, id, None)?;
    let schema = &mut world.store.schema;
    schema.pipelines.retain(|p| p.id != id);
    schema.described.retain(|(pipeline, _), _| pipeline != id);
    audit(world, id, "", "DELETE");
    Ok((204, None))
}

/// `POST …/{pipelineId}/stages`: a new stage (label, display order, probability).
pub(crate) fn create_stage(world: &mut World, id: &str, body: &Value) -> Answer {
    let (_, pipeline) = find(world, id)?;
    if pipeline.stages.len() >= MAX_STAGES {
        return Err(ApiError::validation(format!(
            "A pipeline holds at most {MAX_STAGES} stages"
        )));
    }
    let now = world.now();
    let described = stage_input(body, "", now)?;
    let stage_id = world.store.next_schema_id().to_string();
    let schema = &mut world.store.schema;
    schema
        .described
        .insert((id.to_string(), stage_id.clone()), described);
    if let Some(pipeline) = schema.pipelines.iter_mut().find(|p| p.id == id) {
        pipeline.stages.push(stage_id.clone());
    }
    audit(world, id, &stage_id, "CREATE");
    let created = stages(world, id, Some(&stage_id))?.1;
    Ok((201, created))
}

/// `PATCH …/stages/{stageId}`: a new label, display order or metadata (merged); `archived:
/// true` deletes it.
pub(crate) fn update_stage(world: &mut World, id: &str, stage: &str, body: &Value) -> Answer {
    let (_, current) = stages(world, id, Some(stage))?;
    if body["archived"].as_bool() == Some(true) {
        archive_stage(world, id, stage)?;
        return archived(current);
    }
    let (new_label, new_order) = label_and_order(body)?;
    let mut metadata = BTreeMap::new();
    for (key, value) in body["metadata"].as_object().into_iter().flatten() {
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        if key == "probability" && !text.parse::<f64>().is_ok_and(|p| (0.0..=1.0).contains(&p)) {
            return Err(ApiError::validation(
                "metadata.probability must be a number from 0.0 to 1.0",
            ));
        }
        metadata.insert(key.clone(), text);
    }
    let given = described(world, id, stage)?;
    if let Some(label) = new_label {
        given.label = label;
    }
    if let Some(order) = new_order {
        given.display_order = order;
    }
    given.metadata.extend(metadata);
    audit(world, id, stage, "UPDATE");
    stages(world, id, Some(stage))
}

/// `PUT …/stages/{stageId}`: a new label, display order and metadata.
pub(crate) fn replace_stage(world: &mut World, id: &str, stage: &str, body: &Value) -> Answer {
    stages(world, id, Some(stage))?;
    let now = world.now();
    let described = stage_input(body, "", now)?;
    world
        .store
        .schema
        .described
        .insert((id.to_string(), stage.to_string()), described);
    audit(world, id, stage, "UPDATE");
    stages(world, id, Some(stage))
}

/// `DELETE …/stages/{stageId}`: 204; a stage deals are in, or a pipeline's last, stays.
pub(crate) fn archive_stage(world: &mut World, id: &str, stage: &str) -> Answer {
    let (_, pipeline) = find(world, id)?;
    if !pipeline.stages.iter().any(|s| s == stage) {
        return Err(ApiError::not_found());
    }
    if pipeline.stages.len() == 1 {
        return Err(ApiError::validation("A pipeline keeps at least one stage"));
    }
    unused(world, id, Some(&[stage.to_string()]))?;
    let schema = &mut world.store.schema;
    if let Some(pipeline) = schema.pipelines.iter_mut().find(|p| p.id == id) {
        pipeline.stages.retain(|s| s != stage);
    }
    schema
        .described
        .remove(&(id.to_string(), stage.to_string()));
    audit(world, id, stage, "DELETE");
    Ok((204, None))
}
