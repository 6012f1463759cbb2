//! Hoard's vault: the domain model and the SQLite database behind it.
//!
//! Everything here runs on the server only and is testable without a browser;
//! the `app` crate reaches it through server functions, and the WASM bundle
//! never links it. Later the Spotify sync and the acquisition pipeline live here
//! too, each as a module that speaks the same domain words ([`model`]).
//!
//! The database is opened once per process ([`Vault::open`]) with WAL and
//! foreign keys on, and the migrations in `vault/migrations/` are applied at
//! open. To add a table, add a new migration file; never edit one that shipped.

//!
//! Without the default `db` feature only [`model`] is compiled: the browser
//! bundle shares those types and nothing else.

pub mod mirror;
pub mod model;
pub mod smart;

#[cfg(feature = "db")]
pub mod backup;
#[cfg(feature = "db")]
mod db;
#[cfg(feature = "db")]
pub mod lock;
#[cfg(feature = "db")]
pub use db::*;
