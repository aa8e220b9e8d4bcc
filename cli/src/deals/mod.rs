//! `deals`: export, import, get, search and archive deals.

mod archive;
mod export;
mod import;
mod read;

pub use archive::archive;
pub use export::export;
pub use import::import;
pub use read::{get, search};
