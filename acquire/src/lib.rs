//! Acquisition: turning each track in the vault into a tagged audio file in
//! the library folder, through a persistent queue ([`queue`]).
//!
//! - [`source`]: the small trait every source implements; [`ytmusic`]
//!   (YouTube Music searched with ytmusicapi in a long-lived worker),
//!   [`ytdlp`] (downloads for every source and URLs the user pastes; plain
//!   YouTube and SoundCloud searches) and [`folder`] (music the user already
//!   has, indexed by [`local`]).
//! - [`matcher`]: which upload is the Spotify track; it would rather refuse
//!   than pick the wrong recording.
//! - [`validate`]: a file counts only if it decodes from start to end and
//!   lasts as long as Spotify says; [`tag`] writes the metadata and cover
//!   with lofty.
//! - [`layout`]: `Album Artist/Album (Year)/Disc-Track Title.ext`, safe on
//!   every file system.

pub mod folder;
pub mod layout;
pub mod local;
pub mod matcher;
pub mod queue;
pub mod source;
pub mod tag;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod validate;
pub mod ytdlp;
pub mod ytmusic;

pub use queue::{Acquirer, QueueSettings};
pub use source::{Source, SourceError};
