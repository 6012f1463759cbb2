//! Acquisition: turning a track in the vault into an audio file on disk.
//!
//! So far this crate holds the [`matcher`]: the part that decides which
//! upload is the Spotify track, and would rather fail honestly than pick the
//! wrong song. The queue, the sources (yt-dlp, a local folder, a pasted URL),
//! validation and tagging build on it (issue 4).

pub mod matcher;
