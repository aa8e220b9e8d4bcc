//! What a request changed in the account: the store records each change, and the world
//! hands them to the webhooks journal and to webhook subscribers.

/// A change to a deal that the journal and webhook subscribers are told of.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Created(u64),
    PropertyChanged {
        id: u64,
        name: String,
        /// The value before (`None`: it had none).
        old: Option<String>,
        value: String,
    },
    /// Archived, or (`gdpr`) removed for good.
    Deleted {
        id: u64,
        gdpr: bool,
    },
    /// Brought back from the archive.
    Restored(u64),
    Merged {
        primary: u64,
        merged: Vec<u64>,
        new_id: u64,
    },
    AssociationChanged {
        id: u64,
        object: String,
        to: String,
        /// How the store records the association's type.
        kind: String,
        removed: bool,
    },
}
