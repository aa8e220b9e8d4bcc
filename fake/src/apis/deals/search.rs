//! `POST …/search`: filter groups (ORed) of filters (ANDed) with every operator, HubSpot's
//! limits (5 groups, 6 filters per group, 18 in all), one sort, a free-text `query`, `limit`
//! up to 200, `after` as an offset, `total`, the 10,000-result cap, archived deals left out
//! and an optional indexing lag.
//!
//! Bodies in the forms HubSpot accepts beyond its document (sent by released connectors) are
//! read as their documented form first: `after` as a number, a sort rule as an object,
//! `filters` at the top level (one group), and filter values as numbers or booleans. A field the fake cannot apply is refused with a
//! 400 naming it, never ignored: an unknown top-level field, a second sort rule, an
//! association pseudo-property with an operator other than `EQ`/`IN`/`HAS_PROPERTY`.

use crate::apis::request::strings;
use crate::errors::Answer;
use crate::errors::ApiError;
use crate::store::render::{self, Selection};
use crate::store::targets as associations;
use crate::store::{Deal, QUERY_PROPERTIES, Schema};
use crate::world::World;
use chrono::DateTime;
use serde_json::{Value, json};
use std::cmp::Ordering;

/// No search pages past this many results.
use hubspot_deals::limits::{
    SEARCH_FILTER_GROUPS as MAX_GROUPS, SEARCH_FILTERS as MAX_FILTERS,
    SEARCH_FILTERS_PER_GROUP as MAX_FILTERS_PER_GROUP, SEARCH_PAGE,
    SEARCH_QUERY_CHARS as MAX_QUERY_CHARS, SEARCH_RESULTS as RESULT_CAP,
};

const MAX_LIMIT: i64 = SEARCH_PAGE as i64;

/// The fields of a search body (HubSpot's `PublicObjectSearchRequest`).
const FIELDS: &[&str] = &[
    "filterGroups",
    "sorts",
    "query",
    "properties",
    "limit",
    "after",
];

/// Rewrites what HubSpot accepts beyond its document into the documented form, and refuses
/// what the fake could not apply (see the module's comment).
pub(crate) fn accepted_forms(body: &mut Value) -> Result<(), ApiError> {
    let Some(fields) = body.as_object_mut() else {
        return Ok(()); // the schema check says what is wrong with it
    };
    if let Some(filters) = fields.remove("filters") {
        let groups = fields.get("filterGroups").and_then(Value::as_array);
        if groups.is_some_and(|g| !g.is_empty()) {
            return Err(ApiError::validation(
                "Give filters either in filterGroups or as top-level filters (one group), not both",
            ));
        }
        if !filters.is_array() {
            return Err(ApiError::validation(
                "Invalid input JSON: filters must be an array of filters",
            ));
        }
        fields.insert("filterGroups".into(), json!([{ "filters": filters }]));
    }
    if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::validation(format!(
            "Unknown search field {unknown:?}: a search takes {} (the fake refuses what it cannot apply)",
            FIELDS.join(", ")
        )));
    }
    if let Some(after) = fields.get_mut("after")
        && let Some(offset) = after.as_u64()
    {
        *after = Value::String(offset.to_string());
    }
    let filters = fields
        .get_mut("filterGroups")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(|group| group.get_mut("filters").and_then(Value::as_array_mut))
        .flatten();
    for filter in filters {
        for name in ["value", "highValue"] {
            if let Some(value) = filter.get_mut(name) {
                as_text(value);
            }
        }
        if let Some(Value::Array(values)) = filter.get_mut("values") {
            values.iter_mut().for_each(as_text);
        }
    }
    if let Some(Value::Array(sorts)) = fields.get_mut("sorts") {
        if sorts.len() > 1 {
            return Err(ApiError::validation(format!(
                "sorts: one sort rule is applied, {} were given",
                sorts.len()
            )));
        }
        for sort in sorts.iter_mut() {
            if let Value::Object(rule) = sort {
                *sort = Value::String(sort_rule(rule)?);
            }
        }
    }
    Ok(())
}

/// A number or boolean filter value as the string HubSpot's document asks for (`1796252738713`
/// as `"1796252738713"`, `true` as `"true"`); anything else is left to the schema check.
fn as_text(value: &mut Value) {
    match value {
        Value::Number(n) => *value = Value::String(n.to_string()),
        Value::Bool(b) => *value = Value::String(b.to_string()),
        _ => {}
    }
}

/// A sort rule's object form (`{"propertyName", "direction"}`) as its string form
/// (`name`, or `-name` descending).
fn sort_rule(rule: &serde_json::Map<String, Value>) -> Result<String, ApiError> {
    let name = rule
        .get("propertyName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            ApiError::validation("Invalid input JSON: sorts[0].propertyName is required")
        })?;
    if let Some(unknown) = rule
        .keys()
        .find(|k| *k != "propertyName" && *k != "direction")
    {
        return Err(ApiError::validation(format!(
            "Unknown sort field {unknown:?}: a sort rule takes propertyName and direction"
        )));
    }
    match rule.get("direction").and_then(Value::as_str) {
        None | Some("ASCENDING") => Ok(name.to_string()),
        Some("DESCENDING") => Ok(format!("-{name}")),
        Some(other) => Err(ApiError::validation(format!(
            "sorts[0].direction must be ASCENDING or DESCENDING, got {other:?}"
        ))),
    }
}

#[derive(Debug)]
struct Filter {
    property: String,
    operator: String,
    value: Option<String>,
    high: Option<String>,
    values: Vec<String>,
    /// The values as comparisons read them, parsed once per search.
    value_key: SortKey,
    high_key: SortKey,
    value_keys: Vec<SortKey>,
    /// For `associations.{type}`: the object type (plural) whose associated ids it matches.
    association: Option<&'static str>,
}

fn parse_filters(body: &Value) -> Result<Vec<Vec<Filter>>, ApiError> {
    let groups = match body.get("filterGroups") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(groups)) => groups,
        Some(_) => {
            return Err(ApiError::validation(
                "Invalid input JSON: filterGroups must be an array",
            ));
        }
    };
    if groups.len() > MAX_GROUPS {
        return Err(ApiError::validation(format!(
            "Too many filter groups: {} (at most {MAX_GROUPS})",
            groups.len()
        )));
    }
    let total: usize = groups
        .iter()
        .map(|g| g["filters"].as_array().map_or(0, Vec::len))
        .sum();
    if total > MAX_FILTERS {
        return Err(ApiError::validation(format!(
            "Too many filters: {total} in all (at most {MAX_FILTERS})"
        )));
    }
    groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let filters = group["filters"].as_array().ok_or_else(|| {
                ApiError::validation(format!(
                    "Invalid input JSON: filterGroups[{g}].filters is required"
                ))
            })?;
            if filters.len() > MAX_FILTERS_PER_GROUP {
                return Err(ApiError::validation(format!(
                    "Too many filters in filterGroups[{g}]: {} (at most {MAX_FILTERS_PER_GROUP})",
                    filters.len()
                )));
            }
            filters
                .iter()
                .enumerate()
                .map(|(f, filter)| parse_filter(filter, &format!("filterGroups[{g}].filters[{f}]")))
                .collect()
        })
        .collect()
}

fn parse_filter(filter: &Value, at: &str) -> Result<Filter, ApiError> {
    let text = |name: &str| filter.get(name).and_then(Value::as_str).map(str::to_string);
    let property = text("propertyName").ok_or_else(|| {
        ApiError::validation(format!("Invalid input JSON: {at}.propertyName is required"))
    })?;
    let operator = text("operator").ok_or_else(|| {
        ApiError::validation(format!("Invalid input JSON: {at}.operator is required"))
    })?;
    let values = strings(filter, "values");
    let key = |v: &Option<String>| SortKey::of(v.as_deref().unwrap_or(""));
    let (value, high) = (text("value"), text("highValue"));
    let association = match property.strip_prefix("associations.") {
        None => None,
        Some(object) => {
            let name = associations::target_name(object).ok_or_else(|| {
                ApiError::validation(format!(
                    "{at}.propertyName: the fake knows no associations of deals with {object:?}"
                ))
            })?;
            let operator = text("operator").unwrap_or_default();
            if !["EQ", "IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"].contains(&operator.as_str()) {
                return Err(ApiError::validation(format!(
                    "{at}: the fake applies EQ, IN, HAS_PROPERTY and NOT_HAS_PROPERTY to {property}, not {operator}"
                )));
            }
            Some(name)
        }
    };
    let parsed = Filter {
        association,
        value_key: key(&value),
        high_key: key(&high),
        // HubSpot compares IN values with string properties' lowercased values, so a value
        // written with capitals matches nothing there (its search guide asks for lowercase).
        value_keys: values
            .iter()
            .filter(|v| number(v).is_some() || !v.chars().any(char::is_uppercase))
            .map(|v| SortKey::of(v))
            .collect(),
        property,
        operator,
        value,
        high,
        values,
    };
    let needs = |what: &str| {
        ApiError::validation(format!("{at}: operator {} needs {what}", parsed.operator))
    };
    match parsed.operator.as_str() {
        "EQ" | "NEQ" | "LT" | "LTE" | "GT" | "GTE" | "CONTAINS_TOKEN" | "NOT_CONTAINS_TOKEN"
            if parsed.value.is_none() =>
        {
            Err(needs("a value"))
        }
        "BETWEEN" if parsed.value.is_none() || parsed.high.is_none() => {
            Err(needs("a value and a highValue"))
        }
        "IN" | "NOT_IN" if parsed.values.is_empty() => Err(needs("values")),
        "EQ" | "NEQ" | "LT" | "LTE" | "GT" | "GTE" | "BETWEEN" | "IN" | "NOT_IN"
        | "HAS_PROPERTY" | "NOT_HAS_PROPERTY" | "CONTAINS_TOKEN" | "NOT_CONTAINS_TOKEN" => {
            Ok(parsed)
        }
        other => Err(ApiError::validation(format!(
            "{at}: unknown operator {other:?}"
        ))),
    }
}

/// A comparable form of a value: dates as epoch milliseconds, numbers as numbers.
fn number(value: &str) -> Option<f64> {
    value.parse::<f64>().ok().or_else(|| {
        DateTime::parse_from_rfc3339(value)
            .ok()
            .map(|d| d.timestamp_millis() as f64)
    })
}

/// A value as search compares it: numbers and dates as numbers, other text without case.
#[derive(Debug, Clone, PartialEq)]
enum SortKey {
    Number(f64),
    Text(String),
}

impl SortKey {
    fn of(value: &str) -> Self {
        match number(value) {
            Some(n) => Self::Number(n),
            None => Self::Text(value.to_lowercase()),
        }
    }
}

impl Eq for SortKey {}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    /// Two numbers compare as numbers; otherwise as text (a number as it was written).
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => a.total_cmp(b),
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
            (Self::Number(a), Self::Text(b)) => a.to_string().cmp(b),
            (Self::Text(a), Self::Number(b)) => a.cmp(&b.to_string()),
        }
    }
}

/// The tokens of a value, lowercased: each whitespace-separated word whole (`a@hubspot.com`,
/// `acme-widgets`), and each run of letters and digits within it (`a`, `hubspot`, `com`).
/// HubSpot does not document its tokenizer; this lets both the whole-word patterns of its
/// search guide (`*@hubspot.com`) and single-word ones (`hubspot`) match.
fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace().flat_map(|word| {
        let parts: Vec<&str> = word
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty() && *t != word)
            .collect();
        std::iter::once(word).chain(parts).map(str::to_lowercase)
    })
}

/// Whether a token matches a pattern with `*` wildcards at either end (any case).
fn token_matches(pattern: &str, token: &str) -> bool {
    let pattern = pattern.trim().to_lowercase();
    let leading = pattern.starts_with('*');
    let trailing = pattern.len() > 1 && pattern.ends_with('*');
    let core = pattern.trim_matches('*');
    if core.is_empty() {
        return leading;
    }
    match (leading, trailing) {
        (true, true) => token.contains(core),
        (true, false) => token.ends_with(core),
        (false, true) => token.starts_with(core),
        (false, false) => token == core,
    }
}

fn contains_token(value: Option<&str>, pattern: &str) -> bool {
    value.is_some_and(|v| tokens(v).any(|t| token_matches(pattern, &t)))
}

fn matches(deal: &Deal, filter: &Filter, schema: &Schema) -> bool {
    if let Some(object) = filter.association {
        let mut ids = deal
            .associations
            .iter()
            .filter(|(o, _, _)| o == object)
            .map(|(_, id, _)| id.as_str());
        return match filter.operator.as_str() {
            "EQ" => ids.any(|id| Some(id) == filter.value.as_deref()),
            "IN" => ids.any(|id| filter.values.iter().any(|v| v == id)),
            "HAS_PROPERTY" => ids.next().is_some(),
            _ => ids.next().is_none(),
        };
    }
    let text = || {
        deal.value_in(schema, &filter.property)
            .filter(|v| !v.is_empty())
    };
    let key = || key_of(deal, &filter.property, schema);
    let cmp =
        |wanted: fn(Ordering) -> bool| key().is_some_and(|k| wanted(k.cmp(&filter.value_key)));
    let among = || key().is_some_and(|k| filter.value_keys.contains(&k));
    match filter.operator.as_str() {
        "EQ" => cmp(Ordering::is_eq),
        "NEQ" => !cmp(Ordering::is_eq),
        "LT" => cmp(Ordering::is_lt),
        "LTE" => cmp(Ordering::is_le),
        "GT" => cmp(Ordering::is_gt),
        "GTE" => cmp(Ordering::is_ge),
        "BETWEEN" => key().is_some_and(|k| k >= filter.value_key && k <= filter.high_key),
        "IN" => among(),
        "NOT_IN" => !among(),
        "HAS_PROPERTY" => text().is_some(),
        "NOT_HAS_PROPERTY" => text().is_none(),
        "CONTAINS_TOKEN" => {
            contains_token(text().as_deref(), filter.value.as_deref().unwrap_or(""))
        }
        "NOT_CONTAINS_TOKEN" => {
            !contains_token(text().as_deref(), filter.value.as_deref().unwrap_or(""))
        }
        _ => false,
    }
}

/// A deal's value of `property` as search compares it: the system ones read straight from
/// the deal, the rest parsed from their text. `None` when it has no value.
fn key_of(deal: &Deal, property: &str, schema: &Schema) -> Option<SortKey> {
    match property {
        "hs_object_id" => Some(SortKey::Number(deal.id as f64)),
        "hs_lastmodifieddate" => Some(SortKey::Number(deal.updated_at.timestamp_millis() as f64)),
        "createdate" if !deal.values.contains_key("createdate") => {
            Some(SortKey::Number(deal.created_at.timestamp_millis() as f64))
        }
        _ => deal
            .value_in(schema, property)
            .filter(|v| !v.is_empty())
            .map(|v| SortKey::of(&v)),
    }
}

fn matches_query(deal: &Deal, query: &str) -> bool {
    tokens(query).all(|word| {
        QUERY_PROPERTIES
            .iter()
            .filter_map(|p| deal.value(p))
            .any(|text| tokens(&text).any(|t| t.starts_with(&word)))
    })
}

pub(crate) fn search(world: &mut World, body: &Value) -> Answer {
    let groups = parse_filters(body)?;
    let query = body.get("query").and_then(Value::as_str).unwrap_or("");
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::validation(format!(
            "query is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let limit = match body.get("limit") {
        None | Some(Value::Null) => 10,
        Some(v) => match v.as_i64() {
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n as usize,
            _ => {
                return Err(ApiError::validation(format!(
                    "limit must be a whole number from 1 to {MAX_LIMIT}, got {v}"
                )));
            }
        },
    };
    let offset = match body.get("after") {
        None | Some(Value::Null) => 0,
        Some(Value::String(s)) if s.is_empty() => 0,
        Some(Value::String(s)) => s.parse::<usize>().map_err(|_| {
            ApiError::validation(format!("after must be a numeric offset, got {s:?}"))
        })?,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "after must be an offset (a string or a whole number), got {other}"
            )));
        }
    };
    if offset >= RESULT_CAP {
        return Err(ApiError::validation(format!(
            "Search results are capped at {RESULT_CAP}; after={offset} is past the cap. Narrow the search instead."
        )));
    }
    let sort: Option<(String, bool)> = body
        .get("sorts")
        .and_then(Value::as_array)
        .and_then(|s| s.first())
        .and_then(Value::as_str)
        .map(|text| match text.strip_prefix('-') {
            Some(name) => (name.to_string(), true),
            None => (text.to_string(), false),
        });
    let properties = strings(body, "properties");

    let now = world.now();
    let schema = &world.store.schema;
    let mut hits: Vec<&Deal> = world
        .store
        .deals()
        .filter(|d| d.archived_at.is_none())
        .filter(|d| world.indexed(d.id, now))
        .filter(|d| {
            groups.is_empty()
                || groups
                    .iter()
                    .any(|g| g.iter().all(|f| matches(d, f, schema)))
        })
        .filter(|d| query.trim().is_empty() || matches_query(d, query))
        .collect();
    match &sort {
        Some((property, descending)) => {
            // Each deal's key is read once; deals without a value come last either way.
            let mut keyed: Vec<(Option<SortKey>, &Deal)> = hits
                .into_iter()
                .map(|d| (key_of(d, property, schema), d))
                .collect();
            keyed.sort_by(|(a, x), (b, y)| {
                let order = match (a, b) {
                    (Some(a), Some(b)) if *descending => b.cmp(a),
                    (Some(a), Some(b)) => a.cmp(b),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                order.then(x.id.cmp(&y.id))
            });
            hits = keyed.into_iter().map(|(_, d)| d).collect();
        }
        None => hits.sort_by_key(|d| (d.created_at, d.id)),
    }
    let total = hits.len();
    let reachable = total.min(RESULT_CAP);
    let selection = Selection::properties(properties);
    let results: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(limit.min(reachable.saturating_sub(offset)))
        .map(|d| render::deal(d, &world.store.schema, &selection))
        .collect();
    let mut body = json!({"total": total, "results": results});
    // Like HubSpot, the next page is offered while results remain, even past the cap,
    // where asking for it gets the 400 above.
    let next = offset + limit;
    if next < total {
        body["paging"] = json!({"next": {"after": next.to_string()}});
    }
    Ok((200, Some(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_with_wildcards() {
        assert!(token_matches("integr*", "integrations"));
        assert!(token_matches("*tions", "integrations"));
        assert!(token_matches("*egra*", "integrations"));
        assert!(token_matches("Integrations", "integrations"));
        assert!(!token_matches("integr", "integrations"));
        assert!(
            token_matches("*", "anything"),
            "a lone wildcard matches every token"
        );
    }

    #[test]
    fn tokens_with_punctuation_match_as_hubspots_guide_shows() {
        let found = |value: &str, pattern: &str| contains_token(Some(value), pattern);
        assert!(found("Renewal for ana@HubSpot.com", "*@hubspot.com"));
        assert!(!found("Renewal for ana@hubspot.co", "*@hubspot.com"));
        assert!(
            found("ana@hubspot.com", "hubspot"),
            "a part of a word is a token too"
        );
        assert!(found("ana@hubspot.com", "ana@*"));
        assert!(found("Acme-Widgets renewal", "acme-*"));
        assert!(found("Acme-Widgets renewal", "widgets"));
        assert!(found("Acme-Widgets renewal", "*widgets"));
        assert!(
            !found("Acme-Widgets renewal", "acme-w"),
            "no wildcard: the whole token"
        );
        assert!(found("www.example.org", "*.org"));
        assert!(!found("", "*"));
    }

    #[test]
    fn in_values_with_capitals_match_no_string_value() {
        let filter = |values: serde_json::Value| {
            parse_filter(
                &serde_json::json!({"propertyName": "dealstage", "operator": "IN", "values": values}),
                "filterGroups[0].filters[0]",
            )
            .unwrap()
        };
        assert_eq!(
            filter(serde_json::json!(["closedwon", "ClosedLost"]))
                .value_keys
                .len(),
            1
        );
        assert_eq!(
            filter(serde_json::json!(["1E3", "250"])).value_keys.len(),
            2,
            "numbers are kept"
        );
    }

    #[test]
    fn values_compare_as_numbers_dates_or_text() {
        let compare = |a: &str, b: &str| SortKey::of(a).cmp(&SortKey::of(b));
        assert_eq!(compare("1500.00", "900"), Ordering::Greater);
        assert_eq!(
            compare("2024-01-01T00:00:00.000Z", "1704067200000"),
            Ordering::Equal
        );
        assert_eq!(compare("ClosedWon", "closedwon"), Ordering::Equal);
    }
}
