//! Hoard's Spotify sync: mirrors a Spotify account (profile, liked songs,
//! playlists with their items, saved albums, followed artists, recently
//! played) into the vault, incrementally, and never deletes anything.
//!
//! - [`auth`]: connecting an account (Authorization Code with PKCE).
//! - [`client`]: the Web API client (rspotify) with Hoard's retry policy.
//! - [`engine`]: one sync run, phase by phase, page by page.
//! - [`wire`] and [`map`]: Spotify's JSON and its mapping to the vault's types.
//! - [`crypto`]: the refresh token's encryption at rest.
//! - [`discography`]: whole discographies, and watched artists' new releases.
//! - [`lastfm`]: artist stories and similar artists from Last.fm.
//! - [`import`]: lists from anywhere (`.txt`, Spotify links) as playlists.
//!
//! The flow and its guarantees are drawn in this crate's README.

pub mod auth;
pub mod client;
pub mod crypto;
pub mod discography;
pub mod engine;
pub mod history;
pub mod import;
pub mod lastfm;
pub mod listen;
pub mod map;
pub mod wire;

pub use client::{Api, ApiError, Endpoints, RetryPolicy};
pub use crypto::SecretBox;
pub use discography::Discographies;
pub use engine::{Connection, SyncError, SyncMode, SyncOptions, SyncReport, Syncer};
