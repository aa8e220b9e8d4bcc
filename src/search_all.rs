//! Every match of a search, past HubSpot's 10,000-result cap.
//!
//! HubSpot answers 400 for any search page past 10,000 results. `search_all` orders the
//! matches by `hs_object_id` and, before the cap, starts a new search from the last id seen,
//! adding `hs_object_id > last` to every filter group (groups are ORed, so each needs it). A
//! request that cannot take that filter within HubSpot's limits (5 groups, 6 filters per
//! group, 18 in all) is refused with the reason, as is one with sorts of its own.
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
//! # Ok(()) }
//! ```

use crate::Error;
use crate::ahead::{Ahead, Feed, Items};
use crate::generated::Client;
use crate::types::{Deal, Filter, FilterGroup, FilterOperator, SearchPage, SearchRequest};

/// HubSpot serves no search results past this many.
pub const RESULT_CAP: usize = 10_000;
/// The most filter groups in one search.
pub const MAX_GROUPS: usize = 5;
/// The most filters in one group.
pub const MAX_FILTERS_PER_GROUP: usize = 6;
/// The most filters in one search.
pub const MAX_FILTERS: usize = 18;
/// The largest search page.
pub const MAX_PAGE: i32 = 200;

/// A search of every match; see the module docs.
#[derive(Debug, Clone)]
#[must_use]
pub struct SearchAll {
    client: Client,
    request: SearchRequest,
}

/// Why a request cannot be searched past the cap, or `None`.
pub(crate) fn check_filters(groups: &[FilterGroup], extra: &str) -> Option<String> {
    if groups.len() > MAX_GROUPS {
        return Some(format!(
            "{} filter groups: HubSpot takes at most {MAX_GROUPS}",
            groups.len()
        ));
    }
    if let Some((i, _)) = groups
        .iter()
        .enumerate()
        .find(|(_, g)| g.filters.len() >= MAX_FILTERS_PER_GROUP)
    {
        return Some(format!(
            "filter group {} has {} filters, and {extra} must add one to every group \
             (HubSpot takes at most {MAX_FILTERS_PER_GROUP} per group): split the group or drop a filter",
            i + 1,
            groups[i].filters.len()
        ));
    }
    let total: usize = groups.iter().map(|g| g.filters.len()).sum();
    let added = groups.len().max(1);
    if total + added > MAX_FILTERS {
        return Some(format!(
            "the request has {total} filters and {extra} must add {added} (one per group), \
             over HubSpot's {MAX_FILTERS} in all: use fewer groups or filters"
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
    match limit {
        0 => Ok(MAX_PAGE),
        1..=MAX_PAGE => Ok(limit),
        _ => Err(Error::InvalidRequest(format!(
            "search page size {limit} is out of range: 1 to {MAX_PAGE} (0 for {MAX_PAGE})"
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

/// The offset of the page after one that started at `offset` with `results` results, if
/// there is one.
pub(crate) fn next_offset(page: &SearchPage, offset: usize) -> Option<usize> {
    let after = offset + page.results.len();
    let more = page.paging.as_ref().and_then(|p| p.next.as_ref()).is_some()
        || (after as i64) < page.total as i64;
    (more && !page.results.is_empty()).then_some(after)
}

impl SearchAll {
    pub(crate) fn new(client: Client, request: SearchRequest) -> Self {
        Self { client, request }
    }

    /// The matching deals, ordered by id.
    pub fn stream(self) -> Items<Deal> {
        Ahead::spawn(move |feed| produce(feed, self)).into()
    }
}

async fn fail(feed: &Feed<Vec<Deal>>, error: Error) {
    if let Some(room) = feed.room().await {
        room.send(Err(error));
    }
}

async fn produce(feed: Feed<Vec<Deal>>, search: SearchAll) {
    let SearchAll { client, request } = search;
    if !request.sorts.is_empty() {
        let message =
            "search_all orders the matches by hs_object_id itself: remove the request's sorts";
        return fail(&feed, Error::InvalidRequest(message.into())).await;
    }
    if request.after.is_some() {
        let message = "search_all pages by itself: leave the request's `after` unset";
        return fail(&feed, Error::InvalidRequest(message.into())).await;
    }
    if let Some(why) = check_filters(
        &request.filter_groups,
        "search_all (to get past the 10,000-result cap)",
    ) {
        return fail(&feed, Error::InvalidRequest(why)).await;
    }
    let limit = match page_size(request.limit) {
        Ok(limit) => limit,
        Err(error) => return fail(&feed, error).await,
    };
    let groups = request.filter_groups.clone();
    // The last id given, and the one the current search starts after.
    let mut last_id: Option<u64> = None;
    let mut floor: Option<u64> = None;
    let mut offset = 0;
    loop {
        let Some(room) = feed.room().await else {
            return;
        };
        let mut page_request = request.clone();
        page_request.limit = limit;
        page_request.sorts = vec!["hs_object_id".into()];
        if let Some(floor) = floor {
            let past = filter("hs_object_id", FilterOperator::Gt, floor.to_string());
            page_request.filter_groups = with_filter(&groups, past);
        }
        page_request.after = (offset > 0).then(|| offset.to_string());
        let page = match page(&client, page_request).await {
            Ok(page) => page,
            Err(error) => return room.send(Err(error)),
        };
        let next = next_offset(&page, offset);
        if let Some(deal) = page.results.last() {
            match deal.id.parse::<u64>() {
                Ok(id) => last_id = Some(id),
                Err(_) => {
                    let message = format!(
                        "deal id {:?} is not a number; search_all cannot page past it",
                        deal.id
                    );
                    return room.send(Err(Error::Other(message)));
                }
            }
        }
        room.send(Ok(page.results));
        match next {
            None => return,
            // The next page would be past the cap: search again from the last id given.
            Some(after) if after + limit as usize > RESULT_CAP => {
                floor = last_id;
                offset = 0;
            }
            Some(after) => offset = after,
        }
    }
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
