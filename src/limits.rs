//! HubSpot's documented limits: one home for each, read by the client, the fake HubSpot and
//! the command line.
//!
//! Sources and confidence are in the project's notes on HubSpot's API; where HubSpot's pages
//! disagree, the comment says which figure is taken. HubSpot's API versions and their end
//! dates are in the [`registry`](crate::registry).
//!
//! ```
//! use hubspot_deals::limits;
//! assert_eq!(limits::BATCH_INPUTS, 100);
//! assert_eq!(limits::SEARCH_RESULTS, 10_000);
//! ```

/// Inputs in one batch call (read, create, update, upsert, archive).
pub const BATCH_INPUTS: usize = 100;

/// Objects in one associations v4 batch read (since February 2025; it was 11,000).
pub const ASSOCIATIONS_BATCH_READ_INPUTS: usize = 1_000;
/// Associations of one object in one page (of a listing or an associations batch read).
pub const ASSOCIATIONS_PAGE: usize = 500;

/// The longest request URL (path and query) HubSpot serves: longer ones are refused with 414.
/// HubSpot does not document it; connectors report about 16 KB (Airbyte keeps its URLs under
/// 15,000 characters). The fake refuses longer URLs; the client keeps its URLs shorter by a
/// margin ([`URL_MARGIN`]).
pub const URL_BYTES: usize = 16_384;
/// How far below [`URL_BYTES`] the client keeps a URL, for the parts it does not control (a
/// proxy's longer base path, a header a proxy turns into a parameter).
pub const URL_MARGIN: usize = 1_384;

/// Deals in one page of a listing (and its default is 10).
pub const LIST_PAGE: usize = 100;
/// Deals in one page of a listing that asks for property history.
pub const LIST_PAGE_WITH_HISTORY: usize = 50;

/// Deals in one page of a search.
pub const SEARCH_PAGE: usize = 200;
/// Search results served in all: a page past them is refused (400).
pub const SEARCH_RESULTS: usize = 10_000;
/// Filter groups in one search (ORed). (HubSpot's document once said 6, a changelog 5/10/25;
/// 5 is what its search guide says today.)
pub const SEARCH_FILTER_GROUPS: usize = 5;
/// Filters in one group (ANDed).
pub const SEARCH_FILTERS_PER_GROUP: usize = 6;
/// Filters in one search, all groups together.
pub const SEARCH_FILTERS: usize = 18;
/// Characters of a search's free-text `query`.
pub const SEARCH_QUERY_CHARS: usize = 3_000;
/// Search calls per second, per account (exempt from the ten-second budget).
pub const SEARCH_PER_SECOND: u32 = 5;

/// The rolling window of the app's rate budget, in milliseconds.
pub const BUDGET_WINDOW_MS: u64 = 10_000;
/// Calls per ten seconds, Free and Starter accounts.
pub const TEN_SECONDLY_FREE_STARTER: u32 = 100;
/// Calls per ten seconds, Professional accounts.
pub const TEN_SECONDLY_PROFESSIONAL: u32 = 190;
/// Calls per ten seconds, Enterprise accounts.
pub const TEN_SECONDLY_ENTERPRISE: u32 = 190;
/// Calls per ten seconds with the API limit increase pack (one HubSpot page says 200).
pub const TEN_SECONDLY_LIMIT_INCREASE: u32 = 250;
/// Calls per ten seconds for a public (marketplace) app, per installing account.
pub const TEN_SECONDLY_PUBLIC_APP: u32 = 110;
/// Calls per day, Free and Starter accounts.
pub const DAILY_FREE_STARTER: u32 = 250_000;
/// Calls per day, Professional accounts (the 2024 changelog says 650,000).
pub const DAILY_PROFESSIONAL: u32 = 625_000;
/// Calls per day, Enterprise accounts.
pub const DAILY_ENTERPRISE: u32 = 1_000_000;
