//! The deals operations' names and routes: one home for the client's operation table
//! (`operations.rs`), and for the normalizer (`spec/normalize.rs`) that names the operations
//! of HubSpot's documents for `build.rs` and `cargo xtask`, which include this plain file by
//! path (it has no imports).

/// An operation's method name, HTTP method and path under the deals object's path (`{id}`:
/// any path parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The generated method's name.
    pub name: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The path under the object's (`""`: the object's own).
    pub path: &'static str,
}

const fn route(name: &'static str, method: &'static str, path: &'static str) -> Route {
    Route { name, method, path }
}

/// `GET /{objectType}`.
pub const GET_PAGE: Route = route("get_page", "GET", "");
/// `POST /{objectType}`.
pub const CREATE: Route = route("create", "POST", "");
/// `GET /{objectType}/{id}`.
pub const GET_BY_ID: Route = route("get_by_id", "GET", "/{id}");
/// `PATCH /{objectType}/{id}`.
pub const UPDATE: Route = route("update", "PATCH", "/{id}");
/// `DELETE /{objectType}/{id}`.
pub const ARCHIVE: Route = route("archive", "DELETE", "/{id}");
/// `POST …/batch/read`.
pub const BATCH_READ: Route = route("batch_read", "POST", "/batch/read");
/// `POST …/batch/create`.
pub const BATCH_CREATE: Route = route("batch_create", "POST", "/batch/create");
/// `POST …/batch/update`.
pub const BATCH_UPDATE: Route = route("batch_update", "POST", "/batch/update");
/// `POST …/batch/upsert`.
pub const BATCH_UPSERT: Route = route("batch_upsert", "POST", "/batch/upsert");
/// `POST …/batch/archive`.
pub const BATCH_ARCHIVE: Route = route("batch_archive", "POST", "/batch/archive");
/// `POST …/search`.
pub const SEARCH: Route = route("search", "POST", "/search");
/// `POST …/merge`.
pub const MERGE: Route = route("merge", "POST", "/merge");
/// `POST …/gdpr-delete`.
pub const GDPR_DELETE: Route = route("gdpr_delete", "POST", "/gdpr-delete");
/// `GET …/{id}/associations/{toObjectType}`.
pub const LIST_ASSOCIATIONS: Route = route(
    "list_associations",
    "GET",
    "/{id}/associations/{toObjectType}",
);
/// `PUT …/{id}/associations/{toObjectType}/{toObjectId}`.
pub const ASSOCIATE: Route = route(
    "associate",
    "PUT",
    "/{id}/associations/{toObjectType}/{toObjectId}",
);
/// `PUT …/{id}/associations/default/{toObjectType}/{toObjectId}`.
pub const ASSOCIATE_DEFAULT: Route = route(
    "associate_default",
    "PUT",
    "/{id}/associations/default/{toObjectType}/{toObjectId}",
);
/// `DELETE …/{id}/associations/{toObjectType}/{toObjectId}`.
pub const DISASSOCIATE: Route = route(
    "disassociate",
    "DELETE",
    "/{id}/associations/{toObjectType}/{toObjectId}",
);

/// Every deals operation, in any of HubSpot's versions (the normalizer names operations from
/// it; in the library a unit test holds the operation table to it).
#[cfg_attr(not(test), allow(dead_code))]
pub const ROUTES: &[Route] = &[
    GET_PAGE,
    CREATE,
    GET_BY_ID,
    UPDATE,
    ARCHIVE,
    BATCH_READ,
    BATCH_CREATE,
    BATCH_UPDATE,
    BATCH_UPSERT,
    BATCH_ARCHIVE,
    SEARCH,
    MERGE,
    GDPR_DELETE,
    LIST_ASSOCIATIONS,
    ASSOCIATE,
    ASSOCIATE_DEFAULT,
    DISASSOCIATE,
];
