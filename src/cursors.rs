//! The guard every cursor-paged listing keeps against a server that would page for ever: a
//! cursor it handed out before (a loop), or [`EMPTY_PAGES`] empty pages in a row that still
//! name a next one (ever-new cursors over nothing). Either ends the listing with an error
//! naming the operation, after what it had listed.

use crate::Error;
use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

/// Empty pages in a row, each naming a next page, after which a listing stops.
pub const EMPTY_PAGES: usize = 3;

/// What one listing has seen of its cursors.
#[derive(Debug)]
pub(crate) struct CursorGuard {
    operation: &'static str,
    /// The cursors seen, hashed (a listing of millions keeps 8 bytes each).
    seen: HashSet<u64>,
    hasher: RandomState,
    empty_in_a_row: usize,
}

impl CursorGuard {
    /// A guard for a listing by `operation`, starting at `start` (its first cursor, if any).
    pub(crate) fn new(operation: &'static str, start: Option<&str>) -> Self {
        let mut guard = Self {
            operation,
            seen: HashSet::new(),
            hasher: RandomState::new(),
            empty_in_a_row: 0,
        };
        if let Some(cursor) = start {
            guard.seen.insert(guard.hasher.hash_one(cursor));
        }
        guard
    }

    /// Checks a page of `items` whose next cursor is `next`: an error when following it
    /// would loop or could go on for ever.
    pub(crate) fn check(&mut self, items: usize, next: Option<&str>) -> Result<(), Error> {
        let Some(next) = next else {
            return Ok(());
        };
        if !self.seen.insert(self.hasher.hash_one(next)) {
            return Err(Error::RepeatedCursor {
                operation: Some(self.operation),
                cursor: next.to_string(),
            });
        }
        self.empty_in_a_row = if items == 0 {
            self.empty_in_a_row + 1
        } else {
            0
        };
        if self.empty_in_a_row >= EMPTY_PAGES {
            return Err(Error::EmptyPages {
                operation: Some(self.operation),
                pages: self.empty_in_a_row,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_seen_before_ends_the_listing() {
        let mut guard = CursorGuard::new("get_page", Some("a"));
        assert!(guard.check(5, Some("b")).is_ok());
        let error = guard.check(5, Some("a")).unwrap_err();
        assert!(matches!(&error, Error::RepeatedCursor { cursor, .. } if cursor == "a"));
        assert_eq!(error.operation(), Some("get_page"));
    }

    #[test]
    fn empty_pages_in_a_row_with_cursors_end_the_listing_and_a_full_one_resets_the_count() {
        let mut guard = CursorGuard::new("list_owners", None);
        for (i, (items, next)) in [(0, "1"), (0, "2"), (4, "3"), (0, "4"), (0, "5")]
            .into_iter()
            .enumerate()
        {
            assert!(guard.check(items, Some(next)).is_ok(), "page {i}");
        }
        let error = guard.check(0, Some("6")).unwrap_err();
        assert!(
            matches!(error, Error::EmptyPages { pages: 3, .. }),
            "{error}"
        );
        assert!(error.to_string().starts_with("list_owners: "), "{error}");
        // The last page (no cursor) is fine however empty.
        let mut guard = CursorGuard::new("get_page", None);
        for _ in 0..10 {
            assert!(guard.check(0, None).is_ok());
        }
    }
}
