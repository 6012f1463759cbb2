//! The validator, the tagger and the music-folder scan over other projects'
//! test files: mutagen's `tests/data` (101 files from its PyPI source
//! release, fetched by pip into the target folder on first use, never kept
//! in the repository: their licences differ). Many are odd on purpose:
//! empty tags, broken headers, rare formats, files that claim more than
//! they hold. Whatever they are, Hoard must not panic or hang on them, must
//! give a reason for every refusal, and must never leave a file it tagged
//! less readable than it found it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use hoard_acquire::local::scan;
use hoard_acquire::tag::{read_tags, write_tags_checked, CheckedTagError};
use hoard_acquire::testkit::get_lucky_tags;
use hoard_acquire::validate::{check_decodes, check_header, probe, validate, Tolerance};

const MUTAGEN: &str = "mutagen-1.48.1";

/// The longest one file may take through every step (ffmpeg included).
const PER_FILE: Duration = Duration::from_secs(60);

/// mutagen's test files, fetched once per target folder.
fn corpus() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus");
    let data = root.join(MUTAGEN).join("tests").join("data");
    if data.is_dir() {
        return data;
    }
    std::fs::create_dir_all(&root).expect("corpus folder");
    let version = MUTAGEN.trim_start_matches("mutagen-");
    let fetched = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--no-binary", ":all:", "--no-deps", "-d"])
        .arg(&root)
        .arg(format!("mutagen=={version}"))
        .status()
        .expect("python3 -m pip runs");
    assert!(
        fetched.success(),
        "pip could not download mutagen's source release"
    );
    let unpacked = Command::new("tar")
        .arg("xzf")
        .arg(root.join(format!("{MUTAGEN}.tar.gz")))
        .arg("-C")
        .arg(&root)
        .arg(format!("{MUTAGEN}/tests/data"))
        .status()
        .expect("tar runs");
    assert!(unpacked.success(), "cannot unpack mutagen's test data");
    data
}

/// What happened to one file.
#[derive(Debug)]
enum Outcome {
    /// Valid, tagged, still valid, and the tags read back.
    Tagged,
    /// Valid, and tagging was refused (or would have damaged it) with this
    /// reason; the file is left byte for byte as it was.
    TagRefused(String),
    /// Refused by validation with this reason.
    Refused(String),
}

/// Runs one file through the queue's steps on a copy: probe, the header
/// check, tagging with the decode check, and reading the tags back.
fn run(path: &Path, work: &Path) -> Result<Outcome, String> {
    let copy = work.join(path.file_name().expect("a name"));
    std::fs::copy(path, &copy).map_err(|e| format!("copy: {e}"))?;
    let _ = probe(&copy);
    let info = match check_header(&copy) {
        Ok(info) => info,
        Err(invalid) => return Ok(Outcome::Refused(invalid.to_string())),
    };
    let original = std::fs::read(&copy).map_err(|e| e.to_string())?;
    let checked = write_tags_checked(&copy, &get_lucky_tags(None), |p| {
        check_decodes(p, info.duration_ms, None, Tolerance::default())
    });
    let unchanged = || std::fs::read(&copy).is_ok_and(|now| now == original);
    match checked {
        Ok(_) => {
            validate(&copy, None, Tolerance::default())
                .map_err(|e| format!("passed after tagging, but not validation again: {e}"))?;
            let back = read_tags(&copy).map_err(|e| format!("tags do not read back: {e}"))?;
            if back.spotify_id.as_deref() != Some("69kOkLUCkxIZYexIgSG8rq") {
                return Err(format!("the Spotify ID does not read back: {back:?}"));
            }
            Ok(Outcome::Tagged)
        }
        Err(e) if !unchanged() => Err(format!("{e}, and the file was changed")),
        Err(CheckedTagError::Invalid(invalid)) => Ok(Outcome::Refused(invalid.to_string())),
        Err(e) => Ok(Outcome::TagRefused(e.to_string())),
    }
}

#[test]
fn mutagens_test_files_neither_crash_nor_hang_nor_get_damaged() {
    let data = corpus();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&data)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 90, "{} files", files.len());
    let work = tempfile::tempdir().expect("a temp dir");
    let mut failures = Vec::new();
    let (mut tagged, mut tag_refused, mut refused) = (0, 0, 0);
    for path in &files {
        let (send, receive) = mpsc::channel();
        let (path_for_thread, work) = (path.clone(), work.path().to_owned());
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(|| run(&path_for_thread, &work));
            let _ = send.send(result);
        });
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .to_string();
        match receive.recv_timeout(PER_FILE) {
            Err(_) => failures.push(format!("{name}: still running after {PER_FILE:?}")),
            Ok(Err(_)) => failures.push(format!("{name}: panicked")),
            Ok(Ok(Err(problem))) => failures.push(format!("{name}: {problem}")),
            Ok(Ok(Ok(outcome))) => {
                let reason = match &outcome {
                    Outcome::Tagged => {
                        tagged += 1;
                        None
                    }
                    Outcome::TagRefused(r) => {
                        tag_refused += 1;
                        Some(r)
                    }
                    Outcome::Refused(r) => {
                        refused += 1;
                        Some(r)
                    }
                };
                if let Some(reason) = reason {
                    if reason.trim().len() < 8
                        || reason.contains("Error {")
                        || reason.contains(" @ 0x")
                    {
                        failures.push(format!("{name}: a reason nobody can read: {reason}"));
                    }
                }
                println!("{name}: {outcome:?}");
            }
        }
    }
    println!("{tagged} tagged, {tag_refused} valid but not taggable, {refused} refused");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The corpus holds plenty of ordinary audio: most of it must pass.
    assert!(tagged >= 20, "{tagged} tagged");

    // The music-folder scan reads the whole folder without stopping, and
    // names a reason for every file it cannot read.
    let (send, receive) = mpsc::channel();
    let folder = data.clone();
    std::thread::spawn(move || {
        let _ = send.send(std::panic::catch_unwind(|| scan(&folder)));
    });
    let index = receive
        .recv_timeout(Duration::from_secs(120))
        .expect("the scan finishes")
        .expect("the scan does not panic");
    assert!(
        index.files.len() >= 20,
        "{} files indexed",
        index.files.len()
    );
    for (path, why) in &index.problems {
        assert!(why.trim().len() >= 8, "{}: {why}", path.display());
    }
}
