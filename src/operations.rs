//! The operation table: what the runtime needs to know of every operation the client can
//! call, read from the [`registry`](crate::registry) (its one home): whether a replay is safe,
//! which rate-limit budget it spends, which scope it needs, whether it changes data.
//!
//! The runtime, the retry decision, the limiter and the fake HubSpot all read it; nothing
//! else compares operation names. `tests/client/operation_table.rs` holds it to every
//! `spec/` document (budget from `x-hubspot-rate-limit-exemptions`, scope from `security`,
//! body from `requestBody`). An operation it does not know (a client regenerated from a newer
//! document) gets [`CallPolicy::unknown`]: replayed after it may have been sent only if it is
//! a `GET`, and charged to the ten-second budget.
//!
//! ```
//! use hubspot_deals::operations::{Budget, Operation};
//! let search = Operation::find("search").unwrap();
//! assert_eq!(search.budget, Budget::Search);
//! assert!(search.replay_safe());
//! assert!(!Operation::find("create").unwrap().replay_safe());
//! ```

include!(concat!(env!("OUT_DIR"), "/api.rs"));
include!(concat!(env!("OUT_DIR"), "/deals_paths.rs"));

use crate::registry::{APIS, Api};
pub use crate::registry::{Body, Budget, Effect, Operation};

/// The OpenAPI document (`spec/deals.json`, normalized) this build's deals client was
/// generated from: the fake HubSpot checks request bodies against its schemas.
pub const DOCUMENT: &str = include_str!("../spec/deals.json");

impl Budget {
    /// Both budgets, in the order of [`Budget::index`].
    pub(crate) const ALL: [Budget; 2] = [Budget::TenSecondly, Budget::Search];

    /// Its place in arrays kept per budget.
    pub(crate) const fn index(self) -> usize {
        match self {
            Self::TenSecondly => 0,
            Self::Search => 1,
        }
    }

    /// Its name, in a shared store's keys and in logs.
    pub const fn name(self) -> &'static str {
        match self {
            Self::TenSecondly => "ten-secondly",
            Self::Search => "search",
        }
    }

    /// HubSpot's window for it: ten seconds, or a second for search.
    pub const fn window(self) -> std::time::Duration {
        match self {
            Self::TenSecondly => std::time::Duration::from_millis(crate::limits::BUDGET_WINDOW_MS),
            Self::Search => std::time::Duration::from_secs(1),
        }
    }
}

impl Operation {
    /// The operation the generated clients call `name` (operation names are unique across
    /// the registry's APIs).
    pub fn find(name: &str) -> Option<&'static Operation> {
        find(name).map(|(_, operation)| operation)
    }
}

/// Operation `name` and the API it belongs to.
pub fn find(name: &str) -> Option<(&'static Api, &'static Operation)> {
    all().find(|(_, operation)| operation.name == name)
}

/// Every operation of every API of the registry, with its API.
pub fn all() -> impl Iterator<Item = (&'static Api, &'static Operation)> {
    APIS.iter()
        .flat_map(|api| api.operations.iter().map(move |operation| (api, operation)))
}

/// What the runtime needs to know to run one call: the table's row, or safe defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPolicy {
    /// Replay after the request may have been sent.
    pub replay_safe: bool,
    /// The budget it spends.
    pub budget: Budget,
    /// Whether it changes data (a failure to decode its success body means it was applied).
    pub writes: bool,
}

impl CallPolicy {
    /// The policy for the operation `name`, sent with `method`.
    pub fn of(name: &str, method: &http::Method) -> Self {
        match Operation::find(name) {
            Some(operation) => Self {
                replay_safe: operation.replay_safe(),
                budget: operation.budget,
                writes: operation.writes(),
            },
            None => Self::unknown(method),
        }
    }

    /// The defaults for an operation the table does not know: replayed after it may have
    /// been sent only if it is a `GET`, the ten-second budget.
    pub fn unknown(method: &http::Method) -> Self {
        let get = method == http::Method::GET;
        Self {
            replay_safe: get,
            budget: Budget::TenSecondly,
            writes: !get,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_unique_across_the_apis() {
        for (api, operation) in all() {
            let same = all().filter(|(_, o)| o.name == operation.name).count();
            assert_eq!(same, 1, "{}: {} named twice", api.name, operation.name);
            assert_eq!(Operation::find(operation.name), Some(operation));
            assert!(
                !operation.doc.is_empty(),
                "{}: our description",
                operation.name
            );
        }
    }

    #[test]
    fn only_what_creates_or_cannot_be_repeated_is_never_replayed() {
        // Sent twice, each of these would make two of something (or fail the second time
        // after the first was done): a timed-out one is never sent again.
        let once = [
            "create",
            "batch_create",
            "merge",
            "gdpr_delete",
            "create_pipeline",
            "create_stage",
            "create_property",
            "batch_create_properties",
            "create_property_group",
            "batch_create_associations",
            "batch_create_default_associations",
            "create_association_label",
            "batch_create_association_limits",
            "batch_update_association_limits",
            "create_crm_snapshots",
            "upsert_journal_subscription",
            "create_journal_filter",
            "oauth_token",
        ];
        for (_, operation) in all() {
            assert_eq!(
                operation.replay_safe(),
                !once.contains(&operation.name),
                "{}",
                operation.name
            );
            assert_eq!(operation.writes(), operation.effect != Effect::Reads);
            if operation.method == "GET" {
                assert_eq!(operation.effect, Effect::Reads, "{}", operation.name);
            }
        }
    }

    #[test]
    fn bodies_follow_the_method() {
        let body = |name| Operation::find(name).unwrap().body;
        assert_eq!(body("create"), Body::Object);
        assert_eq!(body("update"), Body::Object);
        assert_eq!(body("search"), Body::Object);
        assert_eq!(body("create_labelled_association"), Body::Array);
        assert_eq!(body("replace_pipeline"), Body::Object);
        assert_eq!(body("create_default_association"), Body::None);
        assert_eq!(body("get_page"), Body::None);
        assert_eq!(body("archive"), Body::None);
        assert_eq!(body("oauth_token"), Body::Form);
    }

    #[test]
    fn the_policy_says_which_operations_change_data() {
        let writes = |name| CallPolicy::of(name, &http::Method::POST).writes;
        for name in [
            "create",
            "batch_upsert",
            "create_property",
            "create_pipeline",
            "create_labelled_association",
            "upsert_journal_subscription",
            "create_crm_snapshots",
        ] {
            assert!(writes(name), "{name} changes data");
        }
        for name in [
            "get_page",
            "search",
            "batch_read",
            "list_properties",
            "batch_read_associations",
            "journal_batch_next",
            "list_journal_subscriptions",
        ] {
            assert!(!writes(name), "{name} only reads");
        }
    }

    #[test]
    fn budgets_are_named_as_shared_stores_key_them() {
        // A shared budget's Redis keys are `hubspot-deals:{name}:{budget}`: a changed name
        // would split one account's budget between old and new processes.
        assert_eq!(Budget::TenSecondly.name(), "ten-secondly");
        assert_eq!(Budget::Search.name(), "search");
        for budget in Budget::ALL {
            assert_eq!(Budget::ALL[budget.index()], budget);
        }
        assert_eq!(Operation::find("search").unwrap().budget, Budget::Search);
        let searches: Vec<&str> = all()
            .filter(|(_, o)| o.budget == Budget::Search)
            .map(|(_, o)| o.name)
            .collect();
        assert_eq!(searches, ["search"], "only search spends the search budget");
    }

    #[test]
    fn unknown_operations_get_safe_defaults() {
        let get = CallPolicy::of("list_everything", &http::Method::GET);
        assert!(get.replay_safe && !get.writes);
        assert_eq!(get.budget, Budget::TenSecondly);
        for method in [
            http::Method::POST,
            http::Method::PUT,
            http::Method::PATCH,
            http::Method::DELETE,
        ] {
            let policy = CallPolicy::of("brand_new", &method);
            assert!(!policy.replay_safe, "{method} is not replayed");
            assert!(policy.writes);
            assert_eq!(policy.budget, Budget::TenSecondly);
        }
        let search = CallPolicy::of("search", &http::Method::POST);
        assert!(search.replay_safe && !search.writes);
        assert_eq!(search.budget, Budget::Search);
        assert!(!CallPolicy::of("create", &http::Method::POST).replay_safe);
    }
}
