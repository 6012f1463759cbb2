//! An exclusive hold on a lock file, for work that one process at a time
//! may do on a data folder (a server, a sync, the download queue, a
//! backup). The operating system releases it when the file is dropped or
//! the process ends, however it ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;

/// Holds `path` (created if missing): the held file, or `None` if another
/// process holds it now.
pub fn hold(path: &Path) -> io::Result<Option<File>> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_hold_waits_for_the_first_to_be_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.lock");
        let first = hold(&path).expect("hold").expect("free");
        assert!(hold(&path).expect("hold").is_none());
        drop(first);
        assert!(hold(&path).expect("hold").is_some());
    }
}
