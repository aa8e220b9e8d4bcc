//! Owners: the account's users and queues who own records (a deal's `hubspot_owner_id` is an
//! owner's id). The client Progenitor generates from `spec/owners.json` (2026-09), through
//! the same runtime as deals, and [`all`], which streams every owner past HubSpot's pages.
//! Reading owners needs `crm.objects.owners.read`.
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! use futures_util::StreamExt;
//! let mut owners = hubspot_deals::owners::all(&client, false);
//! while let Some(owner) = owners.next().await {
//!     let owner = owner?;
//!     println!("{} {:?}", owner.id, owner.email);
//! }
//! let ada = client.owners().get_owner().owner_id(9001).id_property("userId").send().await?;
//! println!("user 9001 is owner {}", ada.id);
//! # Ok(()) }
//! ```

generated_client!(
    "owners_client.rs",
    owners,
    "The account's owners ([`crate::owners`]), through this client's runtime."
);

use crate::cursors::CursorGuard;
use crate::stream::{Items, Prefetch};

/// Owners in one page: HubSpot's largest.
pub const PAGE: i32 = 500;

/// Empty pages in a row that still name a next page before the stream gives up.
pub use crate::cursors::EMPTY_PAGES;

/// Every owner of the account (`archived`: only the archived ones), 500 a call, one page
/// fetched ahead. A page cursor HubSpot gave before, or [`EMPTY_PAGES`] empty pages in a
/// row that still name a next one, end the stream with an error naming the operation
/// instead of looping.
pub fn all(client: &crate::Client, archived: bool) -> Items<types::Owner> {
    let owners = client.owners();
    Items::new(Prefetch::spawn(move |producer| async move {
        let mut after: Option<String> = None;
        let mut guard = CursorGuard::new("list_owners", None);
        loop {
            let Some(slot) = producer.reserve().await else {
                return;
            };
            let mut call = owners.list_owners().limit(PAGE).archived(archived);
            if let Some(cursor) = &after {
                call = call.after(cursor.clone());
            }
            let page = match call.send().await {
                Ok(page) => page.into_inner(),
                Err(error) => {
                    slot.send(Err(error));
                    return;
                }
            };
            let next = page.paging.and_then(|p| p.next).map(|n| n.after);
            if let Err(error) = guard.check(page.results.len(), next.as_deref()) {
                slot.send(Err(error));
                return;
            }
            slot.send(Ok(page.results));
            match next {
                Some(cursor) => after = Some(cursor),
                None => return,
            }
        }
    }))
}
