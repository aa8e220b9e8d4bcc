//! The fake's deals: records, property definitions, pipelines, validation, merges.

pub(crate) mod changes;
pub(crate) mod definitions;
pub(crate) mod render;
pub(crate) mod stages;
pub(crate) mod targets;
pub(crate) mod values;

use crate::errors::{ApiError, PropertyProblem};
use crate::store::changes::Change;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Properties a deal has in a fresh HubSpot account (a selection of HubSpot's defaults).
const STANDARD_PROPERTIES: &[&str] = &[
    "dealname",
    "amount",
    "closedate",
    "pipeline",
    "dealstage",
    "dealtype",
    "description",
    "hubspot_owner_id",
    "hs_priority",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hs_merged_object_ids",
    "hs_is_closed",
    "hs_is_closed_won",
    "hs_deal_stage_probability",
];

/// Properties HubSpot maintains itself; writing them is an error.
pub(crate) const READ_ONLY: &[&str] = &[
    "hs_lastmodifieddate",
    "hs_object_id",
    "hs_merged_object_ids",
    "hs_is_closed",
    "hs_is_closed_won",
    "hs_deal_stage_probability",
];

/// Returned when `properties` is not given.
pub(crate) const DEFAULT_PROPERTIES: &[&str] =
    &["dealname", "amount", "closedate", "pipeline", "dealstage"];

/// Always returned alongside whatever was asked for.
pub(crate) const SYSTEM_PROPERTIES: &[&str] =
    &["createdate", "hs_lastmodifieddate", "hs_object_id"];

/// Searched by a free-text `query`.
pub(crate) const QUERY_PROPERTIES: &[&str] = &[
    "dealname",
    "pipeline",
    "dealstage",
    "description",
    "dealtype",
];

/// A deal pipeline and its stage ids, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// The pipeline's id (`default` for HubSpot's default pipeline).
    pub id: String,
    /// Its stage ids.
    pub stages: Vec<String>,
}

impl Pipeline {
    /// A pipeline with these stage ids.
    pub fn new(id: impl Into<String>, stages: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            id: id.into(),
            stages: stages.into_iter().map(Into::into).collect(),
        }
    }

    /// HubSpot's default sales pipeline, preloaded in every fake.
    pub fn hubspot_default() -> Self {
        Self::new(
            "default",
            [
                "appointmentscheduled",
                "qualifiedtobuy",
                "presentationscheduled",
                "decisionmakerboughtin",
                "contractsent",
                "closedwon",
                "closedlost",
            ],
        )
    }
}

/// One past value of a property.
#[derive(Debug, Clone)]
pub(crate) struct PastValue {
    pub value: String,
    pub at: DateTime<Utc>,
}

/// One deal as the fake stores it.
#[derive(Debug, Clone)]
pub(crate) struct Deal {
    pub id: u64,
    pub values: BTreeMap<String, String>,
    pub history: BTreeMap<String, Vec<PastValue>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
    /// (object type, object id, association type label)
    pub associations: Vec<(String, String, String)>,
}

impl Deal {
    /// Its value of property `name`, with the properties HubSpot derives from its stage
    /// (`hs_is_closed`, `hs_v2_date_entered_{stageId}`, …) computed from the account's
    /// pipelines and `dealstage`'s history.
    pub fn value_in(&self, schema: &Schema, name: &str) -> Option<String> {
        if stages::is_derived(name) {
            let pipeline = self
                .values
                .get("pipeline")
                .map_or("default", String::as_str);
            let stage = self.values.get("dealstage").map(String::as_str);
            let history = self.history.get("dealstage").map_or(&[][..], Vec::as_slice);
            return stages::derived(schema, name, pipeline, stage, history).flatten();
        }
        self.value(name)
    }

    pub fn value(&self, name: &str) -> Option<String> {
        match name {
            "hs_object_id" => Some(self.id.to_string()),
            "createdate" => self
                .values
                .get(name)
                .cloned()
                .or_else(|| Some(timestamp(self.created_at))),
            "hs_lastmodifieddate" => Some(timestamp(self.updated_at)),
            _ => self.values.get(name).cloned(),
        }
    }
}

/// When the account's own pipelines and properties were made (HubSpot gives the account's
/// creation; the fake's account was made on 2026-01-01).
pub(crate) fn account_created() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

/// HubSpot's timestamp form: milliseconds and `Z`.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// What a pipeline or stage created through the pipelines API was given (pipelines from
/// the builder or the command line have none: `pipelines.rs` renders defaults for them).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Described {
    pub label: String,
    pub display_order: i64,
    /// A stage's metadata (`probability`, `isClosed`), as given.
    pub metadata: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
}

/// One change of a pipeline or stage, for its audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Audit {
    /// The pipeline's id.
    pub pipeline: String,
    /// The stage's id (empty: the pipeline itself).
    pub stage: String,
    /// `CREATE`, `UPDATE` or `DELETE`.
    pub action: &'static str,
    pub at: DateTime<Utc>,
}

/// A label created through the association labels API for deals' associations with one
/// object type (`USER_DEFINED`, numbered as HubSpot numbers them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserLabel {
    /// The object type (plural) the associations lead to.
    pub target: &'static str,
    /// Its association type id.
    pub type_id: i64,
    /// Its internal name.
    pub name: String,
    /// What it reads from the deal's side.
    pub label: String,
}

/// A custom property created through the properties API: what it was given.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CustomProperty {
    pub label: String,
    /// HubSpot's type: `string`, `number`, `date`, `datetime`, `enumeration`, `bool`.
    pub kind: String,
    pub field_type: String,
    /// An enumeration's (value, label) pairs, in display order.
    pub options: Vec<(String, String)>,
    pub created_at: DateTime<Utc>,
}

/// Property definitions and pipelines: the account's configuration.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    pub properties: BTreeSet<String>,
    pub unique: BTreeSet<String>,
    pub pipelines: Vec<Pipeline>,
    /// Pipelines and stages created through the API, by pipeline id and by
    /// `(pipeline id, stage id)` (a stage's pipeline id alone: the pipeline).
    pub described: BTreeMap<(String, String), Described>,
    /// Properties created through the properties API, by name.
    pub custom: BTreeMap<String, CustomProperty>,
    /// Association labels created through the API.
    pub association_labels: Vec<UserLabel>,
    /// Property groups created through the API: name -> (label, display order).
    pub property_groups: BTreeMap<String, (String, i64)>,
    /// What was done to pipelines and stages through the API, oldest first.
    pub pipeline_audit: Vec<Audit>,
    /// Limits set through the API on how many objects of a type a deal may be associated
    /// with under one association type: (object type, category, type id) -> at most.
    pub association_limits: BTreeMap<(&'static str, String, i64), i64>,
    /// The account's rule that a deal closed won needs a close date (an account setting;
    /// HubSpot applies such rules to API writes from 2026-09).
    pub close_date_required_when_won: bool,
}

impl Default for Schema {
    fn default() -> Self {
        Self {
            properties: STANDARD_PROPERTIES.iter().map(|p| p.to_string()).collect(),
            unique: BTreeSet::new(),
            pipelines: vec![Pipeline::hubspot_default()],
            described: BTreeMap::new(),
            custom: BTreeMap::new(),
            association_labels: Vec::new(),
            property_groups: BTreeMap::new(),
            pipeline_audit: Vec::new(),
            association_limits: BTreeMap::new(),
            close_date_required_when_won: false,
        }
    }
}

/// Where a lookup by id or unique value led.
pub(crate) enum Lookup {
    Found(u64),
    Missing,
}

/// The deals of one fake account.
#[derive(Debug)]
pub(crate) struct Store {
    pub schema: Schema,
    next_id: u64,
    /// The next id of a pipeline or stage created through the API.
    next_schema_id: u64,
    deals: BTreeMap<u64, Deal>,
    /// Merged-away id -> the id it now resolves to.
    aliases: HashMap<u64, u64>,
    /// Changes not yet published to webhook subscribers (`None`: nobody listens).
    changes: Option<Vec<Change>>,
    /// (unique property, value) -> the live deal holding it, so lookups by a unique value
    /// and the uniqueness check do not scan every deal.
    unique_live: HashMap<(String, String), u64>,
}

impl Store {
    pub fn new(schema: Schema) -> Self {
        Self {
            schema,
            next_id: 1001,
            next_schema_id: 100_000_001,
            deals: BTreeMap::new(),
            aliases: HashMap::new(),
            changes: None,
            unique_live: HashMap::new(),
        }
    }

    /// A fresh id for a pipeline or stage (numbers, as HubSpot gives custom ones).
    pub fn next_schema_id(&mut self) -> u64 {
        self.next_schema_id += 1;
        self.next_schema_id - 1
    }

    /// Adds or removes a live deal's unique values to or from the index.
    fn index_unique(&mut self, id: u64, add: bool) {
        let Some(deal) = self.deals.get(&id) else {
            return;
        };
        for property in &self.schema.unique {
            if let Some(value) = deal.values.get(property) {
                let key = (property.clone(), value.clone());
                if add {
                    self.unique_live.insert(key, id);
                } else if self.unique_live.get(&key) == Some(&id) {
                    self.unique_live.remove(&key);
                }
            }
        }
    }

    /// The live deal holding `value` of the unique `property`.
    fn live_with(&self, property: &str, value: &str) -> Option<u64> {
        self.unique_live
            .get(&(property.to_string(), value.to_string()))
            .copied()
    }

    /// Starts keeping changes for webhook subscribers.
    pub fn record_changes(&mut self) {
        self.changes.get_or_insert_with(Vec::new);
    }

    /// The changes kept since the last call.
    pub fn take_changes(&mut self) -> Vec<Change> {
        self.changes
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    fn note(&mut self, change: Change) {
        if let Some(changes) = &mut self.changes {
            changes.push(change);
        }
    }

    pub fn deals(&self) -> impl Iterator<Item = &Deal> {
        self.deals.values()
    }

    pub fn get(&self, id: u64) -> Option<&Deal> {
        self.deals.get(&id)
    }

    /// Deals with `id >= from`, by id, live or archived as asked.
    pub fn range(&self, from: u64, archived: bool) -> impl Iterator<Item = &Deal> {
        self.deals
            .range(from..)
            .map(|(_, d)| d)
            .filter(move |d| d.archived_at.is_some() == archived)
    }

    /// Resolves an id (following merges) or a unique property value to a deal id.
    pub fn resolve(
        &self,
        key: &str,
        id_property: Option<&str>,
        archived: bool,
    ) -> Result<Lookup, ApiError> {
        let id = match id_property.filter(|p| !p.is_empty() && *p != "hs_object_id") {
            Some(property) => {
                if !self.schema.unique.contains(property) {
                    return Err(ApiError::validation(format!(
                        "{property} is not a unique identifier property for deals"
                    )));
                }
                let found = if archived {
                    self.deals
                        .values()
                        .find(|d| {
                            d.archived_at.is_some()
                                && d.values.get(property).map(String::as_str) == Some(key)
                        })
                        .map(|d| d.id)
                } else {
                    self.live_with(property, key)
                };
                match found {
                    Some(id) => id,
                    None => return Ok(Lookup::Missing),
                }
            }
            None => {
                let Ok(id) = key.parse::<u64>() else {
                    return Err(ApiError::not_numeric(key));
                };
                *self.aliases.get(&id).unwrap_or(&id)
            }
        };
        Ok(match self.deals.get(&id) {
            Some(deal) if deal.archived_at.is_some() == archived => Lookup::Found(id),
            _ => Lookup::Missing,
        })
    }

    /// Whether `id` was merged away (batch update does not accept such ids).
    pub fn is_alias(&self, id: &str) -> bool {
        id.parse::<u64>()
            .is_ok_and(|id| self.aliases.contains_key(&id))
    }

    /// Checks `values` could be written to `existing` (or to a new deal), without writing.
    pub fn validate(
        &self,
        values: &BTreeMap<String, String>,
        existing: Option<u64>,
    ) -> Result<(), ApiError> {
        let mut problems = Vec::new();
        for (name, value) in values {
            if !self.schema.properties.contains(name) {
                problems.push(PropertyProblem::missing(name));
            } else if READ_ONLY.contains(&name.as_str()) {
                problems.push(PropertyProblem::read_only(name));
            } else if let Some(problem) = crate::store::values::problem(name, value) {
                problems.push(problem);
            } else if let Some(custom) = self.schema.custom.get(name)
                && let Some(problem) = crate::store::values::custom_problem(
                    name,
                    (&custom.kind, &custom.field_type, &custom.options),
                    value,
                )
            {
                problems.push(problem);
            }
        }
        let current = existing.and_then(|id| self.deals.get(&id));
        let pipeline_id = values
            .get("pipeline")
            .filter(|v| !v.is_empty())
            .cloned()
            .or_else(|| current.and_then(|d| d.values.get("pipeline").cloned()))
            .unwrap_or_else(|| "default".into());
        let pipeline = self.schema.pipelines.iter().find(|p| p.id == pipeline_id);
        if values.contains_key("pipeline") && pipeline.is_none() {
            let ids: Vec<String> = self.schema.pipelines.iter().map(|p| p.id.clone()).collect();
            problems.push(PropertyProblem::invalid_option(
                "pipeline",
                &pipeline_id,
                &ids,
            ));
        }
        if let (Some(stage), Some(pipeline)) =
            (values.get("dealstage").filter(|v| !v.is_empty()), pipeline)
            && !pipeline.stages.contains(stage)
        {
            problems.push(PropertyProblem::invalid_option(
                "dealstage",
                stage,
                &pipeline.stages,
            ));
        }
        if !problems.is_empty() {
            return Err(ApiError::invalid_properties(&problems));
        }
        for property in &self.schema.unique {
            if let Some(value) = values.get(property).filter(|v| !v.is_empty())
                && let Some(other) = self
                    .live_with(property, value)
                    .filter(|other| Some(*other) != existing)
            {
                return Err(ApiError::validation(format!(
                    "A deal with {property}={value} already exists. Existing ID: {other}"
                ))
                .with("category", "CONFLICT".into()));
            }
        }
        Ok(())
    }

    /// The rules the account has that HubSpot applies to API writes from 2026-09 on (its
    /// release notes of 2026-09: conditionally required properties): with the rule set, a
    /// deal closed won needs a close date. Checked on the deal as it would be after the write
    /// (`values` over its current ones).
    pub fn check_account_rules(
        &self,
        values: &BTreeMap<String, String>,
        existing: Option<u64>,
    ) -> Result<(), ApiError> {
        if !self.schema.close_date_required_when_won {
            return Ok(());
        }
        let current = existing.and_then(|id| self.deals.get(&id));
        let after = |name: &str| -> Option<String> {
            values
                .get(name)
                .cloned()
                .or_else(|| current.and_then(|d| d.values.get(name).cloned()))
                .filter(|v| !v.is_empty())
        };
        let Some(stage) = after("dealstage") else {
            return Ok(());
        };
        let pipeline = after("pipeline").unwrap_or_else(|| "default".into());
        if self.schema.stage(&pipeline, &stage).is_closed_won() && after("closedate").is_none() {
            return Err(ApiError::invalid_properties(&[PropertyProblem::required(
                "closedate",
                "a deal closed won needs a close date (the account's rule, applied to API writes from 2026-09)",
            )]));
        }
        Ok(())
    }

    /// Creates a deal (values already validated).
    pub fn create(
        &mut self,
        values: BTreeMap<String, String>,
        associations: Vec<(String, String, String)>,
        now: DateTime<Utc>,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut deal = Deal {
            id,
            values: BTreeMap::new(),
            history: BTreeMap::new(),
            created_at: now,
            updated_at: now,
            archived_at: None,
            associations,
        };
        let mut values = crate::store::values::stored(values);
        if !values.contains_key("pipeline") && values.contains_key("dealstage") {
            values.insert("pipeline".into(), "default".into());
        }
        write(&mut deal, values, now);
        self.deals.insert(id, deal);
        self.index_unique(id, true);
        self.note(Change::Created(id));
        id
    }

    /// Updates a live deal (values already validated).
    pub fn update(&mut self, id: u64, values: BTreeMap<String, String>, now: DateTime<Utc>) {
        let Some(deal) = self.deals.get(&id) else {
            return;
        };
        let values = crate::store::values::stored(values);
        let changed: Vec<Change> = match self.changes {
            None => Vec::new(),
            Some(_) => values
                .iter()
                .filter(|(name, value)| {
                    deal.values.get(*name).map_or("", String::as_str) != value.as_str()
                })
                .map(|(name, value)| Change::PropertyChanged {
                    id,
                    name: name.clone(),
                    old: deal.values.get(name).cloned(),
                    value: value.clone(),
                })
                .collect(),
        };
        self.index_unique(id, false);
        if let Some(deal) = self.deals.get_mut(&id) {
            write(deal, values, now);
            deal.updated_at = now;
        }
        self.index_unique(id, true);
        for change in changed {
            self.note(change);
        }
    }

    /// Associates a deal with another object (once per pair).
    pub fn associate(&mut self, id: u64, object: &str, to: &str, label: &str) {
        let Some(deal) = self.deals.get_mut(&id) else {
            return;
        };
        let entry = (object.to_string(), to.to_string(), label.to_string());
        if !deal.associations.contains(&entry) {
            deal.associations.push(entry);
            self.note(Change::AssociationChanged {
                id,
                object: object.to_string(),
                to: to.to_string(),
                kind: label.to_string(),
                removed: false,
            });
        }
    }

    /// Removes a deal's associations with an object: all of them (`kinds` `None`), or those
    /// of the association types `kinds` names.
    pub fn disassociate(&mut self, id: u64, object: &str, to: &str, kinds: Option<&[String]>) {
        let Some(deal) = self.deals.get_mut(&id) else {
            return;
        };
        let removed = |(o, t, kind): &(String, String, String)| {
            o == object && t == to && kinds.is_none_or(|kinds| kinds.contains(kind))
        };
        let gone: Vec<String> = deal
            .associations
            .iter()
            .filter(|a| removed(a))
            .map(|(_, _, kind)| kind.clone())
            .collect();
        deal.associations.retain(|a| !removed(a));
        for kind in gone {
            self.note(Change::AssociationChanged {
                id,
                object: object.to_string(),
                to: to.to_string(),
                kind,
                removed: true,
            });
        }
    }

    /// Removes every deal's associations with `object` of the type `kind` (its label was
    /// removed).
    pub fn remove_association_kind(&mut self, object: &str, kind: &str) {
        let ids: Vec<u64> = self.deals.keys().copied().collect();
        for id in ids {
            let pairs: Vec<String> = self.deals[&id]
                .associations
                .iter()
                .filter(|(o, _, k)| o == object && k == kind)
                .map(|(_, to, _)| to.clone())
                .collect();
            for to in pairs {
                self.disassociate(id, object, &to, Some(&[kind.to_string()]));
            }
        }
    }

    /// Removes a deal for good (GDPR deletion): its id and merged-away ids stop resolving.
    pub fn remove(&mut self, id: u64) {
        self.index_unique(id, false);
        if self.deals.remove(&id).is_some() {
            self.aliases.retain(|_, target| *target != id);
            self.note(Change::Deleted { id, gdpr: true });
        }
    }

    /// Archives a deal; unknown or already archived ids are fine.
    pub fn archive(&mut self, key: &str, now: DateTime<Utc>) {
        let Ok(id) = key.parse::<u64>() else { return };
        let id = *self.aliases.get(&id).unwrap_or(&id);
        if let Some(deal) = self.deals.get_mut(&id)
            && deal.archived_at.is_none()
        {
            deal.archived_at = Some(now);
            deal.updated_at = now;
            self.index_unique(id, false);
            self.note(Change::Deleted { id, gdpr: false });
        }
    }

    /// Brings an archived deal back (as HubSpot's recycle bin does); whether there was one.
    /// A unique value another live deal took since keeps it archived.
    pub fn restore(&mut self, id: u64, now: DateTime<Utc>) -> bool {
        let Some(deal) = self.deals.get(&id).filter(|d| d.archived_at.is_some()) else {
            return false;
        };
        let taken = self.schema.unique.iter().any(|property| {
            deal.values
                .get(property)
                .is_some_and(|value| self.live_with(property, value).is_some())
        });
        if taken {
            return false;
        }
        if let Some(deal) = self.deals.get_mut(&id) {
            deal.archived_at = None;
            deal.updated_at = now;
        }
        self.index_unique(id, true);
        self.note(Change::Restored(id));
        true
    }

    /// Merges two live deals into a new one with the primary's values; both old ids resolve
    /// to it afterwards.
    pub fn merge(&mut self, primary: u64, other: u64, now: DateTime<Utc>) -> u64 {
        if !(self.deals.contains_key(&primary) && self.deals.contains_key(&other)) {
            return primary;
        }
        self.index_unique(primary, false);
        self.index_unique(other, false);
        let (Some(first), Some(second)) = (self.deals.remove(&primary), self.deals.remove(&other))
        else {
            return primary;
        };
        let mut values = second.values.clone();
        values.extend(first.values.clone());
        let mut merged_ids: Vec<String> = [&first, &second]
            .iter()
            .flat_map(|d| {
                let mut ids = vec![d.id.to_string()];
                if let Some(previous) = d.values.get("hs_merged_object_ids") {
                    ids.extend(previous.split(';').map(str::to_string));
                }
                ids
            })
            .collect();
        merged_ids.sort();
        merged_ids.dedup();
        values.insert("hs_merged_object_ids".into(), merged_ids.join(";"));
        values.insert("createdate".into(), timestamp(first.created_at));
        let mut associations = first.associations.clone();
        associations.extend(second.associations.iter().cloned());
        associations.dedup();
        let id = self.create(values, associations, now);
        if let Some(changes) = &mut self.changes {
            // A merge is one event, not a creation.
            changes.retain(|change| *change != Change::Created(id));
        }
        self.note(Change::Merged {
            primary,
            merged: vec![other],
            new_id: id,
        });
        // The remaining deal carries both deals' associations: each is told as added to it.
        let carried = self.deals.get(&id).map(|d| d.associations.clone());
        for (object, to, kind) in carried.unwrap_or_default() {
            self.note(Change::AssociationChanged {
                id,
                object,
                to,
                kind,
                removed: false,
            });
        }
        if let Some(deal) = self.deals.get_mut(&id) {
            deal.created_at = first.created_at;
        }
        for old in merged_ids.iter().filter_map(|i| i.parse::<u64>().ok()) {
            self.aliases.insert(old, id);
        }
        for target in self.aliases.values_mut() {
            if *target == primary || *target == other {
                *target = id;
            }
        }
        id
    }
}

fn write(deal: &mut Deal, values: BTreeMap<String, String>, now: DateTime<Utc>) {
    for (name, value) in values {
        deal.history
            .entry(name.clone())
            .or_default()
            .push(PastValue {
                value: value.clone(),
                at: now,
            });
        if value.is_empty() {
            deal.values.remove(&name);
        } else {
            deal.values.insert(name, value);
        }
    }
}
