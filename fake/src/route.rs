//! Where a request goes: an operation of one of the registry's APIs, found by the client's
//! own route table (`hubspot_deals::registry`) with the client's operation names; the
//! fake's own endpoints (stats, a journal entry's content, the authorize page); or nowhere.
//! The calendar (`--as-of`) turns away versions HubSpot will have retired by then.

use hubspot_deals::registry::{self, Api, Ending, Found, Miss, Operation, Version};
use hyper::Method;

/// A call of one of the registry's operations, its path parameters percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// The API.
    pub api: &'static Api,
    /// Its version the path names.
    pub version: Version,
    /// The operation.
    pub operation: &'static Operation,
    /// The path's object type (`deals`, `0-3`, `contacts`) where the API's paths name one.
    pub object_type: Option<String>,
    params: Vec<(&'static str, String)>,
}

impl Call {
    /// The value of path parameter `name` as the registry names it (`dealId`,
    /// `toObjectType`), decoded; `""` when the path has none.
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The object type the path names is another than deals (`contacts`): the fake keeps
    /// deals only.
    pub fn other_object_type(&self) -> Option<&str> {
        self.object_type
            .as_deref()
            .filter(|t| !registry::DEAL_OBJECT_TYPES.contains(t))
    }

    fn from(found: Found) -> Self {
        Self {
            api: found.api,
            version: found.version,
            operation: found.operation,
            object_type: found.object_type.as_deref().map(percent_decode),
            params: found
                .params
                .into_iter()
                .map(|(name, value)| (name, percent_decode(&value)))
                .collect(),
        }
    }
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// An operation of one of the registry's APIs.
    Api(Call),
    /// An operation of a version HubSpot retired before the fake's calendar day.
    Retired {
        call: Call,
        /// The day it was retired.
        since: &'static str,
    },
    /// The page a person approves the app on (`GET /oauth/authorize`).
    Authorize,
    /// `GET /__fake/stats`.
    Stats,
    /// `GET /__fake/journal/{offset}`: a journal entry's content, at the URL a journal read
    /// hands out (no credentials, as a presigned download).
    JournalContent(String),
    /// A known path with another method; the methods it takes, for `Allow`.
    MethodNotAllowed(String),
    NotFound,
}

impl Route {
    /// The name the log, counters and fault rules use: the client's name of the operation.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Api(call) | Route::Retired { call, .. } => call.operation.name,
            Route::Authorize => "oauth_authorize",
            Route::Stats => "fake_stats",
            Route::JournalContent(_) => "journal_content",
            Route::MethodNotAllowed(_) | Route::NotFound => "unknown",
        }
    }
}

/// Where `method` `path` goes on the fake's calendar day `as_of` (`YYYY-MM-DD`; `None`:
/// every version is served).
pub(crate) fn route(method: &Method, path: &str, as_of: Option<&str>) -> Route {
    match path {
        "/oauth/authorize" => return only(method, "GET", Route::Authorize),
        "/__fake/stats" => return only(method, "GET", Route::Stats),
        _ => {}
    }
    if let Some(offset) = path.strip_prefix("/__fake/journal/") {
        return only(method, "GET", Route::JournalContent(percent_decode(offset)));
    }
    match registry::find(method.as_str(), path) {
        Ok(found) => {
            let call = Call::from(found);
            match (call.version.ends, as_of) {
                (Ending::Retired(since), Some(today)) if today >= since => {
                    Route::Retired { call, since }
                }
                _ => Route::Api(call),
            }
        }
        Err(Miss::MethodNotAllowed(methods)) => Route::MethodNotAllowed(methods.join(", ")),
        Err(Miss::NotFound) => Route::NotFound,
    }
}

/// `route` when the method is `allowed`, else the methods it takes.
fn only(method: &Method, allowed: &str, route: Route) -> Route {
    if method.as_str() == allowed {
        route
    } else {
        Route::MethodNotAllowed(allowed.into())
    }
}

/// Decodes `%XX` escapes in a path segment; anything else is kept as it is.
fn percent_decode(segment: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: Method, path: &str) -> (&'static str, &'static str, String) {
        match route(&method, path, None) {
            Route::Api(call) => (
                call.api.name,
                call.operation.name,
                call.param("dealId").into(),
            ),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn routes_deals_under_every_spelling_and_version() {
        for base in [
            "/crm/v3/objects/deals",
            "/crm/v3/objects/0-3",
            "/crm/v3/objects/deal",
            "/crm/objects/2025-09/deals",
            "/crm/objects/2026-03/0-3",
            "/crm/objects/2026-09/deals",
            "/crm/objects/2026-09-beta/0-3",
        ] {
            assert_eq!(call(Method::GET, base).1, "get_page", "{base}");
            assert_eq!(
                call(Method::POST, &format!("{base}/batch/upsert")).1,
                "batch_upsert"
            );
            assert_eq!(call(Method::POST, &format!("{base}/search")).1, "search");
            assert_eq!(
                call(Method::PATCH, &format!("{base}/a%2Fb")),
                ("deals", "update", "a/b".into())
            );
        }
        assert_eq!(
            route(&Method::PUT, "/crm/v3/objects/deals/1", None),
            Route::MethodNotAllowed("GET, PATCH, DELETE".into())
        );
        assert_eq!(
            route(&Method::GET, "/crm/v3/objects/deals/search", None),
            Route::MethodNotAllowed("POST".into()),
            "a literal segment outranks an id"
        );
        assert_eq!(
            route(&Method::GET, "/crm/objects/2024-01/deals", None),
            Route::NotFound,
            "an unknown version"
        );
        assert_eq!(
            route(&Method::GET, "/crm/v3/objects/deals/1/2", None),
            Route::NotFound
        );
    }

    #[test]
    fn routes_every_api_by_the_clients_names() {
        let cases = [
            (
                Method::GET,
                "/crm/pipelines/2026-09/deals",
                "pipelines",
                "list_pipelines",
            ),
            (
                Method::GET,
                "/crm/v3/pipelines/deals/default/stages",
                "pipelines",
                "list_stages",
            ),
            (
                Method::GET,
                "/crm/properties/2026-09/deals/amount",
                "properties",
                "get_property",
            ),
            (
                Method::POST,
                "/crm/v3/properties/deals/batch/read",
                "properties",
                "batch_read_properties",
            ),
            (
                Method::POST,
                "/crm/associations/2026-09/deals/contacts/batch/read",
                "associations",
                "batch_read_associations",
            ),
            (
                Method::POST,
                "/crm/v4/associations/deals/line_items/batch/read",
                "associations",
                "batch_read_associations",
            ),
            (
                Method::PUT,
                "/crm/objects/2026-09/deals/7/associations/contacts/9",
                "associations",
                "create_labelled_association",
            ),
            (
                Method::GET,
                "/crm/v4/objects/deals/7/associations/contacts",
                "associations",
                "read_associations",
            ),
            (
                Method::GET,
                "/crm/associations/2026-09/deals/contacts/labels",
                "association_labels",
                "list_association_labels",
            ),
            (
                Method::GET,
                "/crm/v4/associations/deals/contacts/labels",
                "association_labels",
                "list_association_labels",
            ),
            (
                Method::POST,
                "/crm/associations/v4/definitions/configurations/deals/companies/batch/purge",
                "association_labels",
                "batch_archive_association_limits",
            ),
            (
                Method::GET,
                "/webhooks-journal/journal-local/2026-03/offset/abc/next",
                "webhooks_journal",
                "local_journal_next",
            ),
            (
                Method::DELETE,
                "/webhooks-journal/subscriptions/2026-03/filters/5",
                "webhooks_journal",
                "archive_journal_filter",
            ),
            (Method::POST, "/oauth/v1/token", "oauth", "oauth_token"),
            (
                Method::POST,
                "/oauth/2026-09/token/introspect",
                "oauth",
                "oauth_introspect",
            ),
            (
                Method::GET,
                "/oauth/v1/access-tokens/a%2Bb",
                "oauth",
                "oauth_access_token_info",
            ),
            (
                Method::DELETE,
                "/oauth/v1/refresh-tokens/r",
                "oauth",
                "oauth_delete_refresh_token",
            ),
            (
                Method::GET,
                "/properties/v2/deals/properties",
                "legacy_crm",
                "legacy_deal_properties",
            ),
            (
                Method::GET,
                "/crm/v3/schemas",
                "legacy_crm",
                "legacy_schemas",
            ),
        ];
        for (method, path, api, name) in cases {
            let (a, n, _) = call(method.clone(), path);
            assert_eq!((a, n), (api, name), "{method} {path}");
        }
        match route(&Method::GET, "/oauth/v1/access-tokens/a%2Bb", None) {
            Route::Api(call) => assert_eq!(call.param("token"), "a+b"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_object_types_are_found_and_named() {
        match route(&Method::GET, "/crm/v3/properties/contacts", None) {
            Route::Api(call) => {
                assert_eq!(call.operation.name, "list_properties");
                assert_eq!(call.other_object_type(), Some("contacts"));
            }
            other => panic!("{other:?}"),
        }
        match route(&Method::GET, "/crm/v3/objects/0-3", None) {
            Route::Api(call) => assert_eq!(call.other_object_type(), None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_calendar_retires_what_hubspot_ends_before_the_day() {
        let retired = |path: &str, day: &str| {
            matches!(route(&Method::POST, path, Some(day)), Route::Retired { .. })
        };
        assert!(!retired("/oauth/v1/token", "2027-02-15"));
        assert!(retired("/oauth/v1/token", "2027-02-16"));
        assert!(!retired("/oauth/2026-09/token", "2030-01-01"));
        assert!(retired(
            "/crm/v4/associations/deals/contacts/batch/read",
            "2027-03-30"
        ));
        assert!(!retired(
            "/crm/associations/2026-09/deals/contacts/batch/read",
            "2027-10-01"
        ));
        assert!(!retired("/crm/v3/objects/deals/search", "2027-08-31"));
        assert!(retired("/crm/v3/objects/deals/search", "2027-10-01"));
        assert!(!retired("/crm/objects/2026-09/deals/search", "2027-10-01"));
        assert!(
            !retired("/crm/objects/2026-03/deals/search", "2027-10-01"),
            "a date version past its support is still answered"
        );
        assert_eq!(
            route(&Method::GET, "/__fake/stats", Some("2030-01-01")),
            Route::Stats
        );
    }
}
