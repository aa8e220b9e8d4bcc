//! Which of HubSpot's API versions this build calls, and when HubSpot ends them.
//!
//! Each generated client speaks the version of the `spec/` document it was generated from
//! (HubSpot's current date version by default; `cargo xtask update-spec --api-version V`
//! regenerates another); OAuth calls go to the token API of [`TokenApi`](crate::auth::TokenApi).
//! The end dates come from the [`registry`]. A call to a version within
//! [`WARNING_DAYS`] of its end (or past it) logs one `warn` per version and process.
//!
//! ```
//! use hubspot_deals::versions;
//! for version in versions::in_use() {
//!     let left = version.days_left("2026-12-07");
//!     println!("{} {}: {:?} days left", version.api.name, version.version, left);
//! }
//! ```

use crate::clock::Clock;
use crate::registry::{self, Api, Ending};
use std::sync::Mutex;

/// How long before a version's end the client warns (and `hubspot-deals doctor` fails).
pub const WARNING_DAYS: i64 = 90;

/// One API version this build calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InUse {
    /// The API.
    pub api: &'static Api,
    /// Its version (`2026-09`, `v3`).
    pub version: &'static str,
    /// When HubSpot ends it.
    pub ends: Ending,
}

impl InUse {
    /// Days from `today` (`YYYY-MM-DD`) to its end (negative once past it); `None` without
    /// an end.
    pub fn days_left(&self, today: &str) -> Option<i64> {
        registry::days_between(today, self.ends.date()?)
    }

    /// Whether its end is within [`WARNING_DAYS`] of `today`, or past.
    pub fn ends_soon(&self, today: &str) -> bool {
        self.days_left(today)
            .is_some_and(|left| left <= WARNING_DAYS)
    }
}

/// The version of `api` this build's client was generated from (`None`: it is not generated).
pub fn generated(api: &str) -> Option<&'static str> {
    crate::operations::GENERATED_VERSIONS
        .iter()
        .find(|(name, _)| *name == api)
        .map(|(_, version)| *version)
}

/// The version `version` of `api`, with its end date.
pub fn of(api: &'static Api, version: &'static str) -> InUse {
    let ends = api.version(version).map_or(Ending::None, |v| v.ends);
    InUse { api, version, ends }
}

/// Every API version this build's client calls: each generated API at its document's
/// version, and OAuth at its default token API.
pub fn in_use() -> Vec<InUse> {
    let mut all: Vec<InUse> = registry::APIS
        .iter()
        .filter_map(|api| Some(of(api, generated(api.name)?)))
        .collect();
    all.push(of(
        &registry::OAUTH,
        crate::auth::TokenApi::default().version(),
    ));
    all
}

/// The versions already warned about in this process.
static WARNED: Mutex<Vec<(&str, &str)>> = Mutex::new(Vec::new());

/// Logs one `warn` per version and process when a call goes to a version whose end is near.
pub(crate) fn note_call(operation: &str, clock: &dyn Clock) {
    let Some((api, _)) = crate::operations::find(operation) else {
        return;
    };
    if let Some(version) = generated(api.name) {
        note_version(of(api, version), clock);
    }
}

/// [`note_call`] for a version called by hand (OAuth's token API).
pub(crate) fn note_version(in_use: InUse, clock: &dyn Clock) {
    let today = clock.now().format("%Y-%m-%d").to_string();
    if !in_use.ends_soon(&today) {
        return;
    }
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    let key = (in_use.api.name, in_use.version);
    if warned.contains(&key) {
        return;
    }
    warned.push(key);
    let (what, day) = match in_use.ends {
        Ending::Retired(day) => ("stops answering", day),
        Ending::Unsupported(day) => ("goes unsupported", day),
        Ending::None => return,
    };
    tracing::warn!(
        api = in_use.api.name,
        version = in_use.version,
        ends = day,
        days_left = in_use.days_left(&today),
        "HubSpot's {} API {} {what} on {day}: regenerate the client for a newer version \
         (cargo xtask update-spec --document all --api-version {}) or update hubspot-deals",
        in_use.api.title,
        in_use.version,
        registry::DEFAULT_VERSION,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_in_use_is_current_with_its_end_date() {
        let all = in_use();
        let names: Vec<&str> = all.iter().map(|v| v.api.name).collect();
        for api in ["deals", "pipelines", "properties", "associations", "oauth"] {
            assert!(names.contains(&api), "{api} in {names:?}");
        }
        for version in &all {
            assert!(
                !version.ends_soon("2026-12-07"),
                "{} {} ends within 90 days of today",
                version.api.name,
                version.version
            );
            assert!(!version.version.starts_with('v'), "{version:?} is numbered");
        }
    }

    #[test]
    fn days_left_counts_to_the_end() {
        let deals_v3 = of(&registry::DEALS, "v3");
        assert_eq!(deals_v3.ends, Ending::Retired("2027-09-01"));
        assert_eq!(deals_v3.days_left("2027-08-31"), Some(1));
        assert_eq!(deals_v3.days_left("2027-09-02"), Some(-1));
        assert!(deals_v3.ends_soon("2027-06-03"), "90 days before");
        assert!(!deals_v3.ends_soon("2027-06-02"), "91 days before");
        assert!(deals_v3.ends_soon("2028-01-01"), "past it");
        let beta = of(&registry::DEALS, "2026-09-beta");
        assert_eq!(beta.days_left("2030-01-01"), None);
        assert!(!beta.ends_soon("2030-01-01"));
    }
}
