//! A page size that gives way to pages too large to take: halved when a response passes the
//! client's size cap ([`Error::ResponseTooLarge`]), down to one deal, and doubled back after
//! each page taken, up to the size asked for. A listing or search never sticks on a stretch
//! of deals with long values (HubSpot allows 65,536 characters a value, so 200 deals with a
//! few such values pass a 16 MiB cap).

use crate::Error;

/// The size of the next page to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageSize {
    asked: u32,
    now: u32,
}

impl PageSize {
    /// Pages of `asked` items (at least one) until one is too large.
    pub(crate) fn new(asked: u32) -> Self {
        let asked = asked.max(1);
        Self { asked, now: asked }
    }

    /// The size to ask for now.
    pub(crate) fn get(self) -> u32 {
        self.now
    }

    /// After `error` at the current size: whether to ask for the same page again, smaller
    /// (the size is halved). `false` for any other error, and for a single deal too large.
    pub(crate) fn smaller_after(&mut self, error: &Error) -> bool {
        if !matches!(error, Error::ResponseTooLarge { .. }) || self.now <= 1 {
            return false;
        }
        self.now /= 2;
        true
    }

    /// A page was taken: the next may be larger again.
    pub(crate) fn taken(&mut self) {
        self.now = self.now.saturating_mul(2).min(self.asked);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn too_large() -> Error {
        Error::ResponseTooLarge {
            operation: None,
            status: 200,
            limit: 16 << 20,
        }
    }

    #[test]
    fn halves_down_to_one_deal_then_grows_back_to_what_was_asked() {
        let mut size = PageSize::new(200);
        assert_eq!(size.get(), 200);
        let mut tried = Vec::new();
        while size.smaller_after(&too_large()) {
            tried.push(size.get());
        }
        assert_eq!(tried, [100, 50, 25, 12, 6, 3, 1]);
        assert!(
            !size.smaller_after(&too_large()),
            "one deal too large: said"
        );
        let mut grown = Vec::new();
        for _ in 0..9 {
            size.taken();
            grown.push(size.get());
        }
        assert_eq!(grown, [2, 4, 8, 16, 32, 64, 128, 200, 200]);
    }

    #[test]
    fn other_errors_are_not_retried_smaller() {
        let mut size = PageSize::new(100);
        assert!(!size.smaller_after(&Error::Other("no".into())));
        assert_eq!(size.get(), 100);
        assert_eq!(PageSize::new(0).get(), 1);
    }
}
