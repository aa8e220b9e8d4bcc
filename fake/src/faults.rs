//! Fault injection: per operation, by rate or for the first N matching calls, drawn from a
//! seeded generator so a run can be repeated exactly.

use std::fmt;
use std::time::Duration;

/// Whether faults can be aimed at `name`: an operation of the registry (by the client's
/// name, any API, the OAuth token endpoint's `oauth_token` among them).
pub(crate) fn is_target(name: &str) -> bool {
    hubspot_deals::operations::find(name).is_some()
}

/// Every name faults can be aimed at.
pub(crate) fn targets() -> Vec<&'static str> {
    hubspot_deals::operations::all()
        .map(|(_, operation)| operation.name)
        .collect()
}

/// What goes wrong.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with this status and a JSON error body, without touching any deal
    /// (500, 502, 503, 504, …).
    Status(u16),
    /// Answer 429 with HubSpot's ten-second body, and `Retry-After` (seconds) when given.
    RateLimited {
        /// The `Retry-After` header to send, if any (HubSpot normally sends none).
        retry_after: Option<Duration>,
    },
    /// Answer 502 with an HTML page, as a proxy in front of HubSpot does.
    HtmlBadGateway,
    /// Wait this long (real time) before handling the call normally.
    Slow(Duration),
    /// Hold the call until the test lets it go with
    /// [`FakeHubSpot::release_held`](crate::FakeHubSpot::release_held), then handle it
    /// normally: a slow answer whose timing the test decides.
    Held,
    /// Handle the call, then close the connection without answering: the client cannot
    /// know whether a write happened.
    DropConnection,
    /// Handle the call, then send only the first half of the body and close.
    TruncatedBody,
}

/// A fault rule: a kind, which operations it hits, how often.
///
/// ```
/// use hubspot_deals_fake::{Fault, FaultKind};
/// // The first two `get_page` calls get a 503; then the fake behaves.
/// let fault = Fault::new(FaultKind::Status(503)).on("get_page").times(2);
/// // A tenth of all calls are answered slowly.
/// let slow = Fault::new(FaultKind::Slow(std::time::Duration::from_millis(300))).rate(0.1);
/// # let _ = (fault, slow);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) operations: Vec<String>,
    pub(crate) rate: f64,
    pub(crate) remaining: Option<u32>,
}

impl Fault {
    /// A fault hitting every call (rate 1), on every operation.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            operations: Vec::new(),
            rate: 1.0,
            remaining: None,
        }
    }

    /// Limits the fault to an operation, by the client's name of it (any API's, from
    /// [`hubspot_deals::operations::all`]: `get_page`, `list_pipelines`, `oauth_token`); call
    /// again to add more.
    pub fn on(mut self, operation: impl Into<String>) -> Self {
        self.operations.push(operation.into());
        self
    }

    /// Hits a matching call with this probability (clamped to 0..=1).
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self
    }

    /// Hits at most `n` calls, then stops.
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }

    fn matches(&self, operation: &str) -> bool {
        self.remaining != Some(0)
            && (self.operations.is_empty() || self.operations.iter().any(|o| o == operation))
    }
}

/// The spec `--fault` takes, e.g. `503,on=get_page,rate=0.2,times=3`.
impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FaultKind::Status(status) => write!(f, "{status}")?,
            FaultKind::RateLimited { retry_after: None } => f.write_str("429")?,
            FaultKind::RateLimited {
                retry_after: Some(after),
            } => write!(f, "429:{}", after.as_secs())?,
            FaultKind::HtmlBadGateway => f.write_str("html502")?,
            FaultKind::Slow(delay) => write!(f, "slow:{}", delay.as_millis())?,
            FaultKind::Held => f.write_str("held")?,
            FaultKind::DropConnection => f.write_str("drop")?,
            FaultKind::TruncatedBody => f.write_str("truncate")?,
        }
        for operation in &self.operations {
            write!(f, ",on={operation}")?;
        }
        if self.rate < 1.0 {
            write!(f, ",rate={}", self.rate)?;
        }
        if let Some(n) = self.remaining {
            write!(f, ",times={n}")?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub(crate) struct Faults {
    pub rules: Vec<Fault>,
    pub rng: fastrand::Rng,
}

impl Faults {
    /// The fault for this call, if any: the first matching rule whose draw hits.
    pub fn pick(&mut self, operation: &str) -> Option<FaultKind> {
        for rule in self.rules.iter_mut().filter(|r| r.matches(operation)) {
            let hit = rule.rate >= 1.0 || self.rng.f64() < rule.rate;
            if hit {
                if let Some(n) = rule.remaining.as_mut() {
                    *n -= 1;
                }
                return Some(rule.kind.clone());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let draw = |seed| {
            let mut faults = Faults {
                rules: vec![Fault::new(FaultKind::Status(503)).rate(0.3)],
                rng: fastrand::Rng::with_seed(seed),
            };
            (0..200)
                .map(|_| faults.pick("get_page").is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let hits = draw(7).iter().filter(|h| **h).count();
        assert!((30..=90).contains(&hits), "about 30% of 200, got {hits}");
    }

    #[test]
    fn display_round_trips_through_parse() {
        for spec in [
            "503,on=get_page,rate=0.2,times=3",
            "429:7",
            "slow:250,on=create,on=merge",
            "drop",
            "html502,times=1",
        ] {
            let fault: Fault = spec.parse().unwrap();
            assert_eq!(fault.to_string(), spec);
        }
    }

    #[test]
    fn times_and_operations_limit_a_rule() {
        let mut faults = Faults {
            rules: vec![Fault::new(FaultKind::Status(500)).on("create").times(2)],
            rng: fastrand::Rng::with_seed(1),
        };
        assert_eq!(faults.pick("get_page"), None);
        assert_eq!(faults.pick("create"), Some(FaultKind::Status(500)));
        assert_eq!(faults.pick("create"), Some(FaultKind::Status(500)));
        assert_eq!(faults.pick("create"), None);
    }
}
