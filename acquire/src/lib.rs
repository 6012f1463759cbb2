//! Acquisition: turning a track in the vault into an audio file on disk.
//!
//! So far this crate holds two pure parts that the rest builds on (issue 4):
//! the [`matcher`], which decides which upload is the Spotify track and would
//! rather fail honestly than pick the wrong song, and the [`layout`] of the
//! library on disk. The queue, the sources (yt-dlp, a local folder, a pasted
//! URL), validation and tagging are still to come.

pub mod layout;
pub mod matcher;
