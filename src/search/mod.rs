//! Searches past HubSpot's 10,000-result cap: every match of a search
//! ([`SearchAll`], `client.deals().search_all(..)`), and every deal changed since a time
//! ([`ChangedSince`], `client.deals().changed_since(..)`).
//!
//! Both are one keyset walk: the matches ordered by a numeric property
//! (`hs_object_id`; `hs_lastmodifieddate`), each page a new search from the last key given,
//! passing over the deals already given with it (never an offset, which edits during the walk
//! would shift). Both streams
//! ([`SearchStream`]) say where they stand ([`SearchStream::resume_point`], serializable),
//! so a job can store it and go on from there.
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! use futures_util::StreamExt;
//! use hubspot_deals::types::{Filter, FilterGroup, FilterOperator, SearchRequest};
//! let request = SearchRequest {
//!     filter_groups: vec![FilterGroup {
//!         filters: vec![Filter {
//!             property_name: "dealstage".into(),
//!             operator: FilterOperator::Eq,
//!             value: Some("closedwon".into()),
//!             high_value: None,
//!             values: vec![],
//!         }],
//!     }],
//!     properties: vec!["dealname".into(), "amount".into()],
//!     ..Default::default()
//! };
//! let mut won = client.deals().search_all(request).stream();
//! while let Some(deal) = won.next().await {
//!     println!("{}", deal?.id);
//! }
//! let stored = won.resume_point(); // serializable: go on from here tomorrow
//! # let _ = stored;
//! # Ok(()) }
//! ```

mod all;
mod changes;
pub(crate) mod keyset;

pub use all::SearchAll;
pub use changes::{Changed, ChangedSince, DEFAULT_OVERLAP};
pub use keyset::{SearchResume, SearchStream};

use crate::Error;
use crate::generated::Client;
use crate::limits::{SEARCH_FILTER_GROUPS, SEARCH_FILTERS, SEARCH_FILTERS_PER_GROUP, SEARCH_PAGE};
use crate::types::{Filter, FilterGroup, FilterOperator, SearchPage, SearchRequest};

/// Why `groups` cannot take one more filter in each group within HubSpot's limits (`extra`
/// names what adds it), or `None`.
pub(crate) fn check_filters(groups: &[FilterGroup], extra: &str) -> Option<String> {
    if groups.len() > SEARCH_FILTER_GROUPS {
        return Some(format!(
            "{} filter groups: HubSpot takes at most {SEARCH_FILTER_GROUPS}",
            groups.len()
        ));
    }
    if let Some((i, _)) = groups
        .iter()
        .enumerate()
        .find(|(_, g)| g.filters.len() >= SEARCH_FILTERS_PER_GROUP)
    {
        return Some(format!(
            "filter group {} has {} filters, and {extra} must add one to every group \
             (HubSpot takes at most {SEARCH_FILTERS_PER_GROUP} per group): split the group or drop a filter",
            i + 1,
            groups[i].filters.len()
        ));
    }
    let total: usize = groups.iter().map(|g| g.filters.len()).sum();
    let added = groups.len().max(1);
    if total + added > SEARCH_FILTERS {
        return Some(format!(
            "the request has {total} filters and {extra} must add {added} (one per group), \
             over HubSpot's {SEARCH_FILTERS} in all: use fewer groups or filters"
        ));
    }
    None
}

/// `groups`, each with `filter` added (one group of it alone when there are none).
pub(crate) fn with_filter(groups: &[FilterGroup], filter: Filter) -> Vec<FilterGroup> {
    if groups.is_empty() {
        return vec![FilterGroup {
            filters: vec![filter],
        }];
    }
    groups
        .iter()
        .map(|group| {
            let mut group = group.clone();
            group.filters.push(filter.clone());
            group
        })
        .collect()
}

/// A filter on one property.
pub(crate) fn filter(property: &str, operator: FilterOperator, value: String) -> Filter {
    Filter {
        property_name: property.into(),
        operator,
        value: Some(value),
        high_value: None,
        values: vec![],
    }
}

/// The search page size a request asks for (0: the largest).
pub(crate) fn page_size(limit: i32) -> Result<i32, Error> {
    let max = SEARCH_PAGE as i32;
    match limit {
        0 => Ok(max),
        1.. if limit <= max => Ok(limit),
        _ => Err(Error::InvalidRequest(format!(
            "search page size {limit} is out of range: 1 to {max} (0 for {max})"
        ))),
    }
}

/// Sends one search page request.
pub(crate) async fn page(client: &Client, request: SearchRequest) -> Result<SearchPage, Error> {
    client
        .search()
        .body(request)
        .send()
        .await
        .map(|page| page.into_inner())
}

/// The offset of the page after one that started at `offset`, if there is one.
pub(crate) fn next_offset(page: &SearchPage, offset: usize) -> Option<usize> {
    let after = offset + page.results.len();
    let more = page.paging.as_ref().and_then(|p| p.next.as_ref()).is_some()
        || (after as i64) < page.total as i64;
    (more && !page.results.is_empty()).then_some(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(filters: usize) -> FilterGroup {
        FilterGroup {
            filters: (0..filters)
                .map(|i| filter(&format!("p{i}"), FilterOperator::Eq, "x".into()))
                .collect(),
        }
    }

    #[test]
    fn the_extra_filter_must_fit_hubspots_limits() {
        assert_eq!(check_filters(&[], "it"), None);
        assert_eq!(check_filters(&[group(5)], "it"), None);
        assert!(
            check_filters(&[group(6)], "it")
                .unwrap()
                .contains("filter group 1 has 6 filters")
        );
        assert_eq!(check_filters(&vec![group(2); 5], "it"), None, "10 + 5 = 15");
        assert_eq!(
            check_filters(&[group(5), group(5), group(3)], "it"),
            None,
            "13 + 3 = 16"
        );
        assert_eq!(
            check_filters(&[group(5), group(5), group(5)], "it"),
            None,
            "15 + 3 = 18"
        );
        assert!(
            check_filters(&vec![group(4); 4], "it")
                .unwrap()
                .contains("over HubSpot's 18")
        );
        assert!(
            check_filters(&vec![group(1); 6], "it")
                .unwrap()
                .contains("6 filter groups")
        );
    }

    #[test]
    fn the_filter_goes_into_every_group() {
        let extra = filter("hs_object_id", FilterOperator::Gt, "7".into());
        let added = with_filter(&[group(1), group(2)], extra.clone());
        assert_eq!(
            added.iter().map(|g| g.filters.len()).collect::<Vec<_>>(),
            [2, 3]
        );
        assert!(added.iter().all(|g| g.filters.last() == Some(&extra)));
        assert_eq!(
            with_filter(&[], extra.clone()),
            vec![FilterGroup {
                filters: vec![extra]
            }]
        );
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(0).unwrap(), 200);
        assert_eq!(page_size(1).unwrap(), 1);
        assert_eq!(page_size(200).unwrap(), 200);
        assert!(page_size(201).is_err() && page_size(-1).is_err());
    }
}
