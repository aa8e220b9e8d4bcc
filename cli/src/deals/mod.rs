//! `deals`: export, import, get, search, archive and watch deals.

mod archive;
mod export;
mod import;
mod read;
mod watch;

pub use archive::archive;
pub use export::export;
pub use import::import;
pub use read::{get, search};
pub use watch::watch;
