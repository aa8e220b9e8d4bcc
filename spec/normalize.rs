//! The normalizer: turns one of HubSpot's OpenAPI documents into the form Progenitor
//! generates a usable client from, for the API of the registry (`src/registry.rs`) it
//! documents.
//!
//! It is a pure function of a `serde_json::Value` and it is idempotent
//! (`normalize(normalize(d)) == normalize(d)`). It is shared, through `#[path]`, by `build.rs`
//! (which normalizes each `spec/` document before generating) and by `xtask` (which normalizes
//! a downloaded document before writing `spec/`). Every fix it applies is listed in
//! `spec/README.md`; keep the two in step.

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The registry of HubSpot's APIs, their versions and operations (shared with the client).
#[allow(dead_code)] // each includer reads its own part of it
#[path = "../src/registry.rs"]
pub mod registry;

pub use registry::Api;

/// Vendor extensions that carry API structure and survive normalization; every other `x-*`
/// key is dropped (HubSpot's carry prose, product tiers and client-library lists).
const KEPT_EXTENSIONS: &[&str] = &["x-hubspot-rate-limit-exemptions"];

/// Why a document could not be normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NormalizeError {
    /// The value is not an OpenAPI 3.0 document.
    NotOpenApi3(String),
    /// The document has none of the API's paths.
    NoPaths {
        /// The API's title.
        api: &'static str,
        /// Where its paths live.
        roots: String,
    },
    /// Two operations map to the same method name.
    DuplicateOperation {
        name: String,
        first: String,
        second: String,
    },
    /// A part the fixes rely on is missing.
    Missing(String),
}

impl fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotOpenApi3(why) => write!(f, "not an OpenAPI 3.0 document: {why}"),
            Self::NoPaths { api, roots } => write!(
                f,
                "the document has none of the {api} API's paths (expected paths under {roots}); \
                 is it HubSpot's {api} document?"
            ),
            Self::DuplicateOperation {
                name,
                first,
                second,
            } => write!(
                f,
                "operations `{first}` and `{second}` would both be named `{name}`"
            ),
            Self::Missing(what) => write!(f, "the document lacks {what}"),
        }
    }
}

impl std::error::Error for NormalizeError {}

/// Normalizes a document of `api`; see the module docs and `spec/README.md`.
pub fn normalize(doc: &Value, api: &Api) -> Result<Value, NormalizeError> {
    check_openapi3_structure(doc)?;
    let mut doc = drop_vendor_noise(doc);
    name_and_pin_operations(&mut doc, api)?;
    errors_as_json(&mut doc)?;
    declare_batch_statuses(&mut doc);
    unify_batch_responses(&mut doc);
    journal_single_reads(&mut doc);
    relax_error_schemas(&mut doc);
    numeric_object_ids(&mut doc);
    nullable_response_property_values(&mut doc);
    drop_path_parameter_patterns(&mut doc);
    optional_search_cursor(&mut doc);
    describe_responses(&mut doc);
    blank_scope_labels(&mut doc);
    drop_unreachable_schemas(&mut doc);
    Ok(canonical(&doc))
}

/// The scopes a security scheme lists keep their names (they are structure: which scope an
/// operation takes) and lose HubSpot's labels of them (prose).
fn blank_scope_labels(doc: &mut Value) {
    let schemes = doc
        .pointer_mut("/components/securitySchemes")
        .and_then(Value::as_object_mut);
    for scheme in schemes.into_iter().flat_map(|s| s.values_mut()) {
        let flows = scheme.get_mut("flows").and_then(Value::as_object_mut);
        for flow in flows.into_iter().flat_map(|f| f.values_mut()) {
            if let Some(scopes) = flow.get_mut("scopes").and_then(Value::as_object_mut) {
                for label in scopes.values_mut() {
                    *label = Value::String(String::new());
                }
            }
        }
    }
}

/// Whether a path's object-type segment is one this project's APIs are pinned to: a name of
/// deals, or still a parameter (`{objectType}`, `{fromObjectType}`).
fn deal_or_any(segment: &str) -> bool {
    segment.starts_with('{') || registry::DEAL_OBJECT_TYPES.contains(&segment)
}

/// Names each operation from the registry (its own API's rows first, then any other API's:
/// an association path in a deals document takes the associations API's name), writes the
/// path as the registry does (the object type pinned, path parameters named as the registry
/// names them) and our description. A path under none of the API's roots, or under a root
/// for another object type, is not about this API and goes. An operation no row has keeps
/// a name made from its method and path (`cargo xtask update-spec` reports it).
fn name_and_pin_operations(doc: &mut Value, api: &Api) -> Result<(), NormalizeError> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Err(NormalizeError::Missing("`paths`".into()));
    };
    let mut ordered: Vec<(String, Value)> = std::mem::take(paths).into_iter().collect();
    // Concrete paths first: a generic path that pins to one of them adds only what it lacks.
    ordered.sort_by_key(|(path, _)| {
        path.contains("{objectType}") || path.contains("{fromObjectType}")
    });
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut duplicate = None;
    for (path, item) in ordered {
        let Some(item) = item.as_object() else {
            continue;
        };
        let mut shared_parameters = item.get("parameters").cloned();
        for (method, operation) in item {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some((pinned, renames)) = pinned_path(api, method, &path) else {
                continue;
            };
            let mut operation = operation.clone();
            let name = match &renames {
                Renamed::Known {
                    operation: known, ..
                } => {
                    operation["description"] = Value::String(known.doc.to_string());
                    known.name.to_string()
                }
                Renamed::Unknown => unknown_operation_name(method, &pinned),
            };
            let renames = renames.parameters();
            rename_path_parameters(operation.get_mut("parameters"), &renames);
            let mut shared = shared_parameters.clone();
            rename_path_parameters(shared.as_mut(), &renames);
            operation["operationId"] = Value::String(name.clone());
            let here = format!("{} {path}", method.to_ascii_uppercase());
            if let Some(first) = seen.insert(name.clone(), here.clone()) {
                duplicate.get_or_insert(NormalizeError::DuplicateOperation {
                    name,
                    first,
                    second: here,
                });
            }
            let target = paths
                .entry(pinned)
                .or_insert_with(|| Value::Object(Map::new()));
            if target.get(method.as_str()).is_none() {
                // Path-level parameters move onto the operation: a pinned path may gather
                // operations from paths whose shared parameters had other names.
                if let Some(Value::Array(shared)) = shared.take() {
                    let own = operation
                        .as_object_mut()
                        .map(|o| o.entry("parameters").or_insert_with(|| json!([])));
                    if let Some(Value::Array(own)) = own {
                        for parameter in shared {
                            let name = parameter["name"].clone();
                            if !own.iter().any(|p| p["name"] == name) {
                                own.push(parameter);
                            }
                        }
                    }
                }
                target[method.as_str()] = operation;
            }
        }
        shared_parameters.take();
    }
    if paths.is_empty() {
        return Err(NormalizeError::NoPaths {
            api: api.title,
            roots: api_roots(api).join(", "),
        });
    }
    duplicate.map_or(Ok(()), Err)
}

/// Every root of every version of `api`, for messages.
fn api_roots(api: &Api) -> Vec<String> {
    let mut all = Vec::new();
    for version in api.versions() {
        for spellings in api.roots(&version) {
            for root in spellings {
                if !all.contains(&root) {
                    all.push(root);
                }
            }
        }
    }
    all
}

/// What [`pinned_path`] found for an operation.
enum Renamed {
    /// A registry row: each path parameter's name as the document wrote it and as the row
    /// does (`None`: dropped, the object type).
    Known {
        operation: &'static registry::Operation,
        parameters: Vec<(String, Option<String>)>,
    },
    /// No row has it.
    Unknown,
}

impl Renamed {
    fn parameters(&self) -> Vec<(String, Option<String>)> {
        match self {
            Renamed::Known { parameters, .. } => parameters.clone(),
            Renamed::Unknown => Vec::new(),
        }
    }
}

/// The path `path` becomes in a client of `api` (its root's object type pinned, its
/// parameters named by the registry) and how it was named; `None` when it is not about `api`.
fn pinned_path(api: &Api, method: &str, path: &str) -> Option<(String, Renamed)> {
    let pin = |root: &str| match api.object_type {
        Some(object) => root.replace("{objectType}", object),
        None => root.to_string(),
    };
    if let Ok(found) = registry::find_where(method, path, deal_or_any) {
        let object_segment = found.object_type.clone();
        let root = found.api.roots(&found.version)[found.operation.root][0].clone();
        let mut renames: Vec<(String, Option<String>)> = Vec::new();
        if let Some(segment) = object_segment.as_deref().and_then(parameter_name) {
            renames.push((segment.to_string(), None));
        }
        for (name, written) in &found.params {
            if let Some(old) = parameter_name(written) {
                renames.push((old.to_string(), Some(name.to_string())));
            }
        }
        let pinned = format!("{}{}", pin(&root), found.operation.path);
        return Some((
            pinned,
            Renamed::Known {
                operation: found.operation,
                parameters: renames,
            },
        ));
    }
    // Not a known operation: still this API's when it is under one of its roots (for deals
    // or any object type), with the object type pinned.
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for root in api_roots(api) {
        let pattern: Vec<&str> = root.split('/').filter(|s| !s.is_empty()).collect();
        if segments.len() < pattern.len() {
            continue;
        }
        let mut object = None;
        let fits = pattern.iter().zip(&segments).all(|(want, got)| {
            if *want == "{objectType}" {
                object = Some(*got);
                deal_or_any(got)
            } else {
                want == got
            }
        });
        if fits {
            let rest = segments[pattern.len()..].join("/");
            let pinned = if rest.is_empty() {
                pin(&root)
            } else {
                format!("{}/{rest}", pin(&root))
            };
            let _ = object;
            return Some((pinned, Renamed::Unknown));
        }
    }
    None
}

/// `objectId` of `{objectId}`.
fn parameter_name(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// A name for an operation the registry lacks, from its method and path:
/// `get_deal_id_history` for `GET …/{dealId}/history`.
pub fn unknown_operation_name(method: &str, path: &str) -> String {
    let mut name = method.to_ascii_lowercase();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let from = segments
        .iter()
        .position(|s| registry::DEAL_OBJECT_TYPES.contains(s) || s.starts_with("{"))
        .map_or(0, |i| i + 1);
    for segment in &segments[from.min(segments.len())..] {
        name.push('_');
        name.push_str(&snake(segment.trim_matches(|c| c == '{' || c == '}')));
    }
    name
}

/// The names the registry gives `api`'s operations, whichever version.
#[allow(dead_code)] // read by build.rs and the client's tests, not by xtask
pub fn operation_names(api: &Api) -> impl Iterator<Item = &'static str> {
    api.operations.iter().map(|o| o.name)
}

/// Gives every response the description OpenAPI requires, in our words (by its status).
fn describe_responses(doc: &mut Value) {
    for_each_operation(doc, |_, _, operation| {
        let responses = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut);
        for (status, response) in responses.into_iter().flatten() {
            let text = match status.as_str() {
                "200" => "Success.",
                "201" => "Created.",
                "204" => "Done; no body.",
                "207" => "Partly done: the failed inputs are listed in `errors`.",
                s if s.starts_with('4') => "A client error, with HubSpot's error body.",
                s if s.starts_with('5') => "A server error, with HubSpot's error body.",
                _ => "The answer.",
            };
            if let Some(response) = response.as_object_mut() {
                response.entry("description").or_insert_with(|| text.into());
            }
        }
    });
}

/// Removes every `description` and `summary`: what is left is the API's structure.
///
/// Used to compare documents structurally, and by `xtask` to drop HubSpot's prose before our
/// own descriptions are applied.
pub fn strip_descriptions(doc: &Value) -> Value {
    map_schema_aware(doc, false, &|key| key == "description" || key == "summary")
}

/// Sorts every object's keys so that the written document is stable and diffs read well.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn snake(segment: &str) -> String {
    let mut out = String::new();
    for (i, c) in segment.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    out
}

/// That `doc` is an OpenAPI 3.0 document with paths.
fn check_openapi3_structure(doc: &Value) -> Result<(), NormalizeError> {
    let Some(obj) = doc.as_object() else {
        return Err(NormalizeError::NotOpenApi3(
            "the top level is not a JSON object".into(),
        ));
    };
    match obj.get("openapi").and_then(Value::as_str) {
        Some(v) if v.trim().starts_with("3.0.") => {}
        Some(v) => {
            return Err(NormalizeError::NotOpenApi3(format!(
                "`openapi` is {v:?}; Progenitor reads OpenAPI 3.0.x only"
            )));
        }
        None if obj.contains_key("swagger") => {
            return Err(NormalizeError::NotOpenApi3(
                "it is a Swagger 2 document".into(),
            ));
        }
        None => {
            return Err(NormalizeError::NotOpenApi3(
                "it has no `openapi` version field".into(),
            ));
        }
    }
    if obj.get("paths").and_then(Value::as_object).is_none() {
        return Err(NormalizeError::NotOpenApi3(
            "it has no `paths` object".into(),
        ));
    }
    Ok(())
}

/// Copies `value`, dropping keys for which `drop_key` is true, except where the keys are
/// field names (inside a schema's `properties`), so a field named `description` survives.
fn map_schema_aware(value: &Value, in_field_map: bool, drop_key: &dyn Fn(&str) -> bool) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, child) in map {
                if !in_field_map && drop_key(key) {
                    continue;
                }
                let child_is_field_map = !in_field_map && key == "properties" && child.is_object();
                out.insert(
                    key.clone(),
                    map_schema_aware(child, child_is_field_map, drop_key),
                );
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| map_schema_aware(v, false, drop_key))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn drop_vendor_noise(doc: &Value) -> Value {
    map_schema_aware(doc, false, &|key| {
        matches!(key, "example" | "examples" | "externalDocs")
            || (key.starts_with("x-") && !KEPT_EXTENSIONS.contains(&key))
    })
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Calls `f(path, method, operation)` for every operation in the document.
fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&str, &str, &mut Map<String, Value>)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            if let Some(operation) = operation.as_object_mut() {
                f(path, method, operation);
            }
        }
    }
}

fn rename_path_parameters(parameters: Option<&mut Value>, renames: &[(String, Option<String>)]) {
    let Some(parameters) = parameters.and_then(Value::as_array_mut) else {
        return;
    };
    parameters.retain_mut(|parameter| {
        if parameter["in"] != "path" {
            return true;
        }
        let Some(name) = parameter["name"].as_str() else {
            return true;
        };
        match renames.iter().find(|(old, _)| old == name) {
            Some((_, Some(new))) => {
                parameter["name"] = Value::String(new.clone());
                true
            }
            Some((_, None)) => false,
            None => true,
        }
    });
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// Replaces the `default` response (content `*/*`, which Progenitor counts as a second success
/// type) with JSON `4XX` and `5XX` responses of the `Error` schema.
fn errors_as_json(doc: &mut Value) -> Result<(), NormalizeError> {
    if doc.pointer("/components/schemas/Error").is_none() {
        return Err(NormalizeError::Missing("the `Error` schema".into()));
    }
    for_each_operation(doc, |_, _, operation| {
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        responses.remove("default");
        responses
            .entry("4XX")
            .or_insert_with(|| error_response("A client error, with HubSpot's error body."));
        responses
            .entry("5XX")
            .or_insert_with(|| error_response("A server error, with HubSpot's error body."));
    });
    let text = doc.to_string();
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        responses.retain(|name, _| text.contains(&format!("\"#/components/responses/{name}\"")));
    }
    if doc
        .pointer("/components/responses")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
        && let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut)
    {
        components.remove("responses");
    }
    Ok(())
}

fn json_schema_mut(response: &mut Value) -> Option<&mut Value> {
    response.pointer_mut("/content/application~1json/schema")
}

/// Points the 200/201 responses of batch operations at the 207 schema (a superset with
/// `errors` and `numErrors`), so each operation has one success type.
/// The success statuses HubSpot sends for batch writes and reads, declared where a document
/// leaves them out (2025-09 declares only 200 for batch create, 2026-09 no 207 at all):
/// 201 for create, 200 for the others, and 207 for a partial failure, each with the batch
/// response schema the document gives.
fn declare_batch_statuses(doc: &mut Value) {
    for_each_operation(doc, |path, method, operation| {
        let expected = match (method, path.rsplit('/').next(), path.contains("/batch/")) {
            ("post", Some("create"), true) => "201",
            ("post", Some("read" | "update" | "upsert"), true) => "200",
            _ => return,
        };
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        let Some(declared) = responses
            .iter()
            .find(|(status, response)| {
                status.starts_with('2')
                    && response
                        .pointer("/content/application~1json/schema")
                        .is_some()
            })
            .map(|(_, response)| response.clone())
        else {
            return;
        };
        for status in [expected, "207"] {
            responses
                .entry(status.to_string())
                .or_insert_with(|| declared.clone());
        }
    });
}

fn unify_batch_responses(doc: &mut Value) {
    for_each_operation(doc, |_, _, operation| {
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        let Some(multi) = responses.get_mut("207").and_then(json_schema_mut).cloned() else {
            return;
        };
        for (status, response) in responses.iter_mut() {
            if status.starts_with('2')
                && status != "207"
                && let Some(schema) = json_schema_mut(response)
            {
                *schema = multi.clone();
            }
        }
    });
}

fn set_required(schema: Option<&mut Value>, required: &[&str]) {
    if let Some(schema) = schema.and_then(Value::as_object_mut) {
        schema.insert("required".into(), json!(required));
    }
}

/// HubSpot's own bodies break the published error schemas: its 429 has no `category`, batch
/// errors omit `errors` and `links`, `subCategory` is a string where the schema says object.
fn relax_error_schemas(doc: &mut Value) {
    set_required(doc.pointer_mut("/components/schemas/Error"), &["message"]);
    if let Some(id) = doc
        .pointer_mut("/components/schemas/Error/properties/correlationId")
        .and_then(Value::as_object_mut)
    {
        id.remove("format");
    }
    set_required(
        doc.pointer_mut("/components/schemas/StandardError"),
        &["message", "status"],
    );
    if let Some(sub) = doc
        .pointer_mut("/components/schemas/StandardError/properties/subCategory")
        .and_then(Value::as_object_mut)
    {
        sub.remove("type");
        sub.remove("properties");
    }
}

fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(name) = child
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.insert(name.to_string());
                    }
                } else {
                    collect_refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Schemas reachable from a success response.
fn response_schemas(doc: &mut Value) -> BTreeSet<String> {
    let mut roots = BTreeSet::new();
    for_each_operation(doc, |_, _, operation| {
        if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
            for (status, response) in responses {
                if status.starts_with('2') {
                    collect_refs(response, &mut roots);
                }
            }
        }
    });
    reachable(doc, roots)
}

/// The schemas `roots` refer to, directly or through other schemas.
fn reachable(doc: &Value, roots: BTreeSet<String>) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let mut queue: Vec<String> = roots.into_iter().collect();
    while let Some(name) = queue.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = doc.pointer(&format!("/components/schemas/{name}")) {
            let mut found = BTreeSet::new();
            collect_refs(schema, &mut found);
            queue.extend(found.into_iter().filter(|n| !reached.contains(n)));
        }
    }
    reached
}

/// Schemas no operation reaches (in v3, the plain batch responses once the 207 schema serves
/// every batch answer) would only add dead types to the client.
fn drop_unreachable_schemas(doc: &mut Value) {
    let mut roots = BTreeSet::new();
    collect_refs(&doc["paths"], &mut roots);
    let reached = reachable(doc, roots);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.retain(|name, _| reached.contains(name));
    }
}

/// The webhooks journal's single reads (`…/earliest`, `…/latest`, `…/offset/{offset}/next`)
/// declare no success answer, yet HubSpot answers them as it answers each entry of a batch
/// read: where the entry's content is and its offset (`JournalFetchResponse`). They get that
/// 200, so the generated methods read it.
fn journal_single_reads(doc: &mut Value) {
    let has_fetch = doc
        .pointer("/components/schemas/JournalFetchResponse")
        .is_some();
    for_each_operation(doc, |path, method, operation| {
        let single = ["/earliest", "/latest", "/next"]
            .iter()
            .any(|end| path.ends_with(end))
            && !path.contains("/batch/");
        let answers = operation.get("responses").and_then(Value::as_object);
        let succeeds = answers.is_some_and(|r| r.keys().any(|status| status.starts_with('2')));
        if has_fetch
            && method == "get"
            && single
            && !succeeds
            && let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
        {
            responses.insert(
                "200".into(),
                json!({"content": {"application/json": {"schema":
                    {"$ref": "#/components/schemas/JournalFetchResponse"}}}}),
            );
        }
    });
}

/// Associations v4 answers carry `toObjectId` and `fromObjectId` as JSON numbers
/// (`"toObjectId": 12675602284`) where HubSpot's documents say `string`: such a field refers
/// to one `ObjectId` schema, which the generator replaces with a type that reads either.
fn numeric_object_ids(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut used = false;
    for schema in schemas.values_mut() {
        let Some(fields) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for name in ["toObjectId", "fromObjectId"] {
            if let Some(field) = fields.get_mut(name)
                && field.get("type").and_then(Value::as_str) == Some("string")
            {
                *field = json!({"$ref": "#/components/schemas/ObjectId"});
                used = true;
            }
        }
        used |= fields
            .values()
            .any(|f| f["$ref"] == "#/components/schemas/ObjectId");
    }
    if used {
        schemas.insert("ObjectId".into(), json!({"type": "string"}));
    }
}

/// HubSpot sends `null` for a requested property that has no value; response-side
/// `properties` maps get nullable values so such a response decodes.
fn nullable_response_property_values(doc: &mut Value) {
    for name in response_schemas(doc) {
        let pointer =
            format!("/components/schemas/{name}/properties/properties/additionalProperties");
        if let Some(values) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut)
            && values.get("type").and_then(Value::as_str) == Some("string")
        {
            values.insert("nullable".into(), Value::Bool(true));
        }
    }
}

/// `pattern: ".+"` on ids adds a newtype per operation and a regex dependency for nothing.
fn drop_path_parameter_patterns(doc: &mut Value) {
    fn strip(parameters: Option<&mut Value>) {
        for parameter in parameters
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if parameter.get("in").and_then(Value::as_str) == Some("path")
                && let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut)
            {
                schema.remove("pattern");
            }
        }
    }
    for_each_operation(doc, |_, _, operation| {
        strip(operation.get_mut("parameters"))
    });
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            strip(item.get_mut("parameters"));
        }
    }
}

/// The first search page has no cursor, yet v3 marks `after` required.
fn optional_search_cursor(doc: &mut Value) {
    if let Some(required) = doc
        .pointer_mut("/components/schemas/PublicObjectSearchRequest/required")
        .and_then(Value::as_array_mut)
    {
        required.retain(|v| v != "after");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Value {
        json!({
            "openapi": "3.0.1",
            "info": {"title": "Deals", "version": "v3", "description": "prose",
                     "x-hubspot-introduction": "more prose"},
            "paths": {
                "/crm/v3/objects/0-3/{dealId}": {"get": {
                    "operationId": "get-/crm/v3/objects/0-3/{dealId}_getById",
                    "summary": "Read",
                    "parameters": [{"name": "dealId", "in": "path", "required": true,
                                    "schema": {"type": "string", "pattern": ".+", "example": null}}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/SimplePublicObject"}}}},
                        "default": {"$ref": "#/components/responses/Error"}
                    }
                },
                "patch": {
                    "operationId": "patch-/crm/v3/objects/0-3/{dealId}_update",
                    "requestBody": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/SimplePublicObjectInput"}}}},
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/SimplePublicObject"}}}}
                    }
                }},
                "/crm/v3/objects/0-3/search": {"post": {
                    "operationId": "post-/crm/v3/objects/0-3/search_doSearch",
                    "requestBody": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/PublicObjectSearchRequest"}}}},
                    "responses": {"200": {"description": "ok"}}
                }},
                "/crm/v3/objects/0-3/batch/read": {"post": {
                    "operationId": "x",
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/BatchResponse"}}}},
                        "207": {"description": "multi", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/BatchResponseWithErrors"}}}},
                        "default": {"$ref": "#/components/responses/Error"}
                    }
                }}
            },
            "components": {
                "responses": {"Error": {"description": "e", "content": {"*/*": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}}},
                "schemas": {
                    "Error": {"type": "object", "required": ["category", "correlationId", "message"],
                              "properties": {"message": {"type": "string"},
                                             "correlationId": {"type": "string", "format": "uuid"},
                                             "description": {"type": "string", "description": "a field named description"}}},
                    "StandardError": {"type": "object", "required": ["category", "context", "errors", "links", "message", "status"],
                                      "properties": {"subCategory": {"type": "object", "properties": {}}}},
                    "SimplePublicObject": {"type": "object", "properties": {
                        "properties": {"type": "object", "additionalProperties": {"type": "string"}}}},
                    "SimplePublicObjectInput": {"type": "object", "properties": {
                        "properties": {"type": "object", "additionalProperties": {"type": "string"}}}},
                    "BatchResponse": {"type": "object"},
                    "BatchResponseWithErrors": {"type": "object", "properties": {
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/SimplePublicObject"}},
                        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/StandardError"}}}},
                    "Orphan": {"type": "object"},
                    "PublicObjectSearchRequest": {"type": "object", "required": ["after", "limit"]}
                }
            }
        })
    }

    #[test]
    fn names_operations_from_method_and_path() {
        let cases = [
            ("get", "/crm/v3/objects/0-3", "get_page"),
            ("post", "/crm/v3/objects/deals", "create"),
            ("get", "/crm/v3/objects/0-3/{dealId}", "get_by_id"),
            ("patch", "/crm/objects/2026-03/0-3/{dealId}", "update"),
            (
                "delete",
                "/crm/objects/2026-09-beta/0-3/{dealId}",
                "archive",
            ),
            (
                "post",
                "/crm/objects/2025-09/{objectType}/batch/upsert",
                "batch_upsert",
            ),
            ("post", "/crm/v3/objects/0-3/search", "search"),
            ("post", "/crm/v3/objects/0-3/merge", "merge"),
            (
                "post",
                "/crm/objects/2026-09-beta/0-3/gdpr-delete",
                "gdpr_delete",
            ),
            (
                "get",
                "/crm/objects/2026-09-beta/0-3/{dealId}/associations/{toObjectType}",
                "read_associations",
            ),
            (
                "put",
                "/crm/objects/2026-03/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}",
                "create_default_association",
            ),
            (
                "put",
                "/crm/objects/2026-03/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}",
                "create_labelled_association",
            ),
            (
                "delete",
                "/crm/objects/2026-03/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}",
                "remove_associations",
            ),
            (
                "get",
                "/crm/v3/objects/0-3/{dealId}/history",
                "get_deal_id_history",
            ),
        ];
        for (method, path, expected) in cases {
            let (pinned, renamed) = pinned_path(&registry::DEALS, method, path).unwrap();
            let name = match renamed {
                Renamed::Known { operation, .. } => operation.name.to_string(),
                Renamed::Unknown => unknown_operation_name(method, &pinned),
            };
            assert_eq!(name, expected, "{method} {path}");
        }
        assert!(
            pinned_path(&registry::DEALS, "get", "/crm/v3/objects/contacts/{id}").is_none(),
            "another object type's path is not about deals"
        );
    }

    #[test]
    fn batch_statuses_hubspot_sends_are_declared() {
        let mut doc = minimal();
        let batch = json!({"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchResponseWithErrors"}}}});
        doc["paths"]["/crm/v3/objects/0-3/batch/create"] =
            json!({"post": {"responses": {"200": batch}}});
        let out = normalize(&doc, &registry::DEALS).unwrap();
        let responses = &out["paths"]["/crm/v3/objects/0-3/batch/create"]["post"]["responses"];
        for status in ["200", "201", "207"] {
            assert_eq!(
                responses[status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/BatchResponseWithErrors",
                "{status}"
            );
        }
    }

    #[test]
    fn generic_object_paths_become_deals_paths() {
        let parameter = |name: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}});
        let mut doc = minimal();
        doc["paths"]["/crm/objects/2025-09/{objectType}/{objectId}"] = json!({
            "get": {"parameters": [parameter("objectId"), parameter("objectType"),
                {"name": "archived", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "ok"}}}
        });
        doc["paths"]["/crm/objects/2025-09/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}"] = json!({
            "parameters": [parameter("fromObjectType"), parameter("fromObjectId"), parameter("toObjectType"), parameter("toObjectId")],
            "put": {"responses": {"200": {"description": "ok"}}}
        });
        // The v3 get_by_id of `minimal` would collide with the pinned one; this document has
        // only the versioned paths.
        doc["paths"]
            .as_object_mut()
            .unwrap()
            .retain(|path, _| path.contains("2025-09"));
        let out = normalize(&doc, &registry::DEALS).unwrap();
        let get = &out["paths"]["/crm/objects/2025-09/0-3/{dealId}"]["get"];
        assert_eq!(get["operationId"], "get_by_id");
        let names: Vec<&str> = get["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["dealId", "archived"]);
        // An association path of a deals document takes the associations API's name and
        // parameter names; the path's shared parameters move onto its operation.
        let default = &out["paths"]["/crm/objects/2025-09/0-3/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}"]
            ["put"];
        let names: Vec<&str> = default["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["fromObjectId", "toObjectType", "toObjectId"]);
        assert_eq!(default["operationId"], "create_default_association");
        assert_eq!(
            normalize(&out, &registry::DEALS).unwrap(),
            out,
            "idempotent"
        );
    }

    #[test]
    fn applies_every_fix() {
        let out = normalize(&minimal(), &registry::DEALS).unwrap();
        let get = &out["paths"]["/crm/v3/objects/0-3/{dealId}"]["get"];
        assert_eq!(get["operationId"], "get_by_id");
        assert!(get["responses"].get("default").is_none());
        assert_eq!(
            get["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Error"
        );
        assert!(get["responses"]["5XX"].is_object());
        assert!(get["parameters"][0]["schema"].get("pattern").is_none());
        assert!(get["parameters"][0]["schema"].get("example").is_none());
        assert!(
            out.pointer("/components/responses").is_none(),
            "unused Error response dropped"
        );
        let batch = &out["paths"]["/crm/v3/objects/0-3/batch/read"]["post"]["responses"];
        assert_eq!(
            batch["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/BatchResponseWithErrors"
        );
        let schemas = &out["components"]["schemas"];
        assert_eq!(schemas["Error"]["required"], json!(["message"]));
        assert!(
            schemas["Error"]["properties"]["correlationId"]
                .get("format")
                .is_none()
        );
        assert_eq!(
            schemas["StandardError"]["required"],
            json!(["message", "status"])
        );
        assert_eq!(
            schemas["StandardError"]["properties"]["subCategory"],
            json!({})
        );
        assert_eq!(
            schemas["SimplePublicObject"]["properties"]["properties"]["additionalProperties"]["nullable"],
            true
        );
        assert!(
            schemas["SimplePublicObjectInput"]["properties"]["properties"]["additionalProperties"]
                .get("nullable")
                .is_none(),
            "request-side property values stay non-null"
        );
        assert_eq!(
            schemas["PublicObjectSearchRequest"]["required"],
            json!(["limit"])
        );
        assert!(
            schemas.get("BatchResponse").is_none(),
            "dead once the 207 schema serves 200"
        );
        assert!(schemas.get("Orphan").is_none(), "no operation reaches it");
        assert!(out["info"].get("x-hubspot-introduction").is_none());
        assert_eq!(
            out["info"]["description"], "prose",
            "descriptions are kept by normalize"
        );
    }

    #[test]
    fn is_idempotent() {
        let once = normalize(&minimal(), &registry::DEALS).unwrap();
        assert_eq!(normalize(&once, &registry::DEALS).unwrap(), once);
    }

    #[test]
    fn strip_keeps_fields_named_description() {
        let out = strip_descriptions(&minimal());
        assert!(out["info"].get("description").is_none());
        assert!(
            out["paths"]["/crm/v3/objects/0-3/{dealId}"]["get"]
                .get("summary")
                .is_none()
        );
        let field = &out["components"]["schemas"]["Error"]["properties"]["description"];
        assert_eq!(field, &json!({"type": "string"}));
    }

    #[test]
    fn rejects_what_is_not_a_deals_document() {
        assert!(matches!(
            normalize(&json!([1]), &registry::DEALS),
            Err(NormalizeError::NotOpenApi3(_))
        ));
        assert!(matches!(
            normalize(&json!({"swagger": "2.0", "paths": {}}), &registry::DEALS),
            Err(NormalizeError::NotOpenApi3(_))
        ));
        assert!(matches!(
            normalize(&json!({"openapi": "3.1.0", "paths": {}}), &registry::DEALS),
            Err(NormalizeError::NotOpenApi3(_))
        ));
        let contacts = json!({"openapi": "3.0.1", "paths": {"/crm/v3/objects/contacts": {}}});
        assert_eq!(
            normalize(&contacts, &registry::DEALS),
            Err(NormalizeError::NoPaths {
                api: "deals",
                roots: api_roots(&registry::DEALS).join(", ")
            })
        );
        let mut no_error = minimal();
        no_error["components"]["schemas"]
            .as_object_mut()
            .unwrap()
            .remove("Error");
        assert!(matches!(
            normalize(&no_error, &registry::DEALS),
            Err(NormalizeError::Missing(_))
        ));
    }

    #[test]
    fn reports_operations_that_collide() {
        let doc = json!({"openapi": "3.0.1", "paths": {
            "/crm/v3/objects/0-3": {"get": {"responses": {}}},
            "/crm/v3/objects/deals": {"get": {"responses": {}}}
        }, "components": {"schemas": {"Error": {}}}});
        assert!(matches!(
            normalize(&doc, &registry::DEALS),
            Err(NormalizeError::DuplicateOperation { ref name, .. }) if name == "get_page"
        ));
    }

    #[test]
    fn the_journals_single_reads_answer_an_entry() {
        let error = json!({"default": {"description": "", "$ref": "#/components/responses/Error"}});
        let mut doc = json!({
            "paths": {
                "/webhooks-journal/journal/2026-03/earliest": {"get": {"responses": error}},
                "/webhooks-journal/journal/2026-03/offset/{offset}/next": {"get": {"responses": error}},
                "/webhooks-journal/journal/2026-03/batch/earliest/{count}": {"get": {"responses": error}},
                "/webhooks-journal/journal/2026-03/latest": {"get": {"responses":
                    {"200": {"description": "kept"}}}},
            },
            "components": {"schemas": {"JournalFetchResponse": {"type": "object"}}},
        });
        journal_single_reads(&mut doc);
        let answer = |path: &str| doc["paths"][path]["get"]["responses"]["200"].clone();
        let entry = json!({"$ref": "#/components/schemas/JournalFetchResponse"});
        assert_eq!(
            answer("/webhooks-journal/journal/2026-03/earliest")["content"]["application/json"]["schema"],
            entry
        );
        assert_eq!(
            answer("/webhooks-journal/journal/2026-03/offset/{offset}/next")["content"]["application/json"]
                ["schema"],
            entry
        );
        assert!(answer("/webhooks-journal/journal/2026-03/batch/earliest/{count}").is_null());
        assert_eq!(
            answer("/webhooks-journal/journal/2026-03/latest"),
            json!({"description": "kept"})
        );
    }

    #[test]
    fn associated_object_ids_read_numbers_or_text() {
        let mut doc = json!({"components": {"schemas": {
            "Pair": {"type": "object", "properties": {
                "fromObjectId": {"type": "string"},
                "toObjectId": {"type": "string"},
                "toObjectTypeId": {"type": "string"},
            }},
            "Plain": {"type": "object", "properties": {"id": {"type": "string"}}},
        }}});
        numeric_object_ids(&mut doc);
        let schemas = &doc["components"]["schemas"];
        let object_id = json!({"$ref": "#/components/schemas/ObjectId"});
        assert_eq!(schemas["Pair"]["properties"]["fromObjectId"], object_id);
        assert_eq!(schemas["Pair"]["properties"]["toObjectId"], object_id);
        assert_eq!(
            schemas["Pair"]["properties"]["toObjectTypeId"],
            json!({"type": "string"})
        );
        assert_eq!(schemas["ObjectId"], json!({"type": "string"}));
        let before = doc.clone();
        numeric_object_ids(&mut doc);
        assert_eq!(doc, before, "idempotent");

        let mut plain = json!({"components": {"schemas": {
            "Plain": {"type": "object", "properties": {"id": {"type": "string"}}},
        }}});
        numeric_object_ids(&mut plain);
        assert!(plain["components"]["schemas"].get("ObjectId").is_none());
    }
}
