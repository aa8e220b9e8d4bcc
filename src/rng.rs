//! A small seeded random generator (SplitMix64): retry jitter, and the fake's fault draws and
//! correlation ids. Not for secrets (the OAuth `state` uses the OS generator).

use std::sync::atomic::{AtomicU64, Ordering};

/// SplitMix64: fast, and good enough for deterministic test choices and jitter.
#[derive(Debug)]
pub(crate) struct Rng(AtomicU64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(AtomicU64::new(seed))
    }

    /// A seed that differs between processes and calls.
    pub fn from_entropy() -> Self {
        use std::hash::{BuildHasher, RandomState};
        Self::new(RandomState::new().hash_one(std::time::SystemTime::now()))
    }

    pub fn next_u64(&self) -> u64 {
        let mut z = self
            .0
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A random (version 4 shaped) UUID.
    #[cfg_attr(not(feature = "mock"), allow(dead_code))]
    pub fn uuid(&self) -> uuid::Uuid {
        let bytes = (u128::from(self.next_u64()) << 64 | u128::from(self.next_u64())).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}
