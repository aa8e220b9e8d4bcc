//! `search_all`: the keyset walk on `hs_object_id`; see [`SearchAll`].

use super::keyset::{Key, SearchResume, SearchStream, Walk};
use super::{check_filters, page_size};
use crate::Error;
use crate::generated::Client;
use crate::types::{Deal, SearchRequest};

/// Every match of a search: ordered by `hs_object_id`, each page a new search after the last
/// id given (`hs_object_id > last` is added to every filter group, as groups are ORed), so
/// deals archived or created while it reads never shift the ones it has yet to give. A request that cannot take that filter within HubSpot's limits (5 groups, 6 filters
/// per group, 18 in all) is refused with the reason, as is one with sorts or an `after` of
/// its own.
#[derive(Debug, Clone)]
#[must_use]
pub struct SearchAll {
    client: Client,
    request: SearchRequest,
    from: SearchResume,
}

impl SearchAll {
    pub(crate) fn new(client: Client, request: SearchRequest) -> Self {
        Self {
            client,
            request,
            from: SearchResume::default(),
        }
    }

    /// Goes on where an earlier stream of the same search stood
    /// ([`SearchStream::resume_point`]).
    pub fn resume(mut self, point: SearchResume) -> Self {
        self.from = point;
        self
    }

    /// The matching deals, ordered by id.
    pub fn stream(self) -> SearchStream<Deal> {
        let mut request = self.request;
        let refusal = if !request.sorts.is_empty() {
            Some(Error::InvalidRequest(
                "search_all orders the matches by hs_object_id itself: remove the request's sorts"
                    .into(),
            ))
        } else if request.after.is_some() {
            Some(Error::InvalidRequest(
                "search_all pages by itself: leave the request's `after` unset".into(),
            ))
        } else if let Some(why) = check_filters(
            &request.filter_groups,
            "search_all (to get past the 10,000-result cap)",
        ) {
            Some(Error::InvalidRequest(why))
        } else {
            match page_size(request.limit) {
                Ok(limit) => {
                    request.limit = limit;
                    None
                }
                Err(error) => Some(error),
            }
        };
        let walk = Walk {
            client: self.client,
            request,
            key: Key::ObjectId,
            from: self.from,
        };
        match refusal {
            None => walk.stream(|deal| deal),
            Some(error) => walk.refused(error, |deal| deal),
        }
    }
}
