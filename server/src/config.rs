//! Configuration: built-in defaults, then an optional TOML file, then `HOARD_*`
//! environment variables (a `.env` file in the working folder counts as
//! environment). Every value is checked at start; a bad one stops the server
//! with the name of the setting and what it expects.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// The environment variable that names the configuration file.
pub const CONFIG_FILE_VAR: &str = "HOARD_CONFIG";
/// The configuration file read when `HOARD_CONFIG` is not set, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "hoard.toml";

/// Hoard's settings. The names are the TOML keys; `HOARD_` plus the name in
/// capitals is the environment variable (`HOARD_DATA_DIR`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on. Anything but loopback needs `password_hash`.
    pub listen: SocketAddr,
    /// The folder for the database and, later, audio files; created at start.
    pub data_dir: PathBuf,
    /// The SQLite file; defaults to `hoard.db` in `data_dir`.
    pub database: Option<PathBuf>,
    /// The built web assets (scripts/build-site: `bundle.txt`, `pkg/hoard-HASH.js`, …).
    pub site_dir: PathBuf,
    /// Argon2 hash of the login password (`hoard hash-password` makes one).
    pub password_hash: Option<String>,
    /// The address people reach Hoard at through a reverse proxy
    /// (`https://music.example.com/`): its host is answered, its origin may
    /// change things, and with https the session cookie is `Secure`.
    pub public_url: Option<String>,
    /// More host names Hoard answers for, besides loopback and `public_url`.
    pub allowed_hosts: Vec<String>,
    /// How long a login lasts, in days.
    pub session_days: u32,
    /// Log filter, in `tracing` syntax (`info`, `hoard=debug,tower_http=info`).
    pub log: String,
    /// The Spotify app's client ID, offered in Settings (it can also be typed there).
    pub spotify_client_id: Option<String>,
    /// The redirect URI registered in the Spotify app; defaults to
    /// `http://127.0.0.1:PORT/spotify/callback` with the port of `listen`.
    pub spotify_redirect_uri: Option<String>,
    /// The Web API root (ends in `/v1/`); only tests and demo mode change it.
    pub spotify_api_url: String,
    /// The accounts service root (has `authorize` and `api/token`).
    pub spotify_accounts_url: String,
    /// 32 random bytes in base64 that encrypt the Spotify token at rest;
    /// without it Hoard creates `secret.key` (mode 0600) in `data_dir`.
    pub secret_key: Option<String>,
    /// Minutes between scheduled syncs; 0 switches the schedule off.
    pub sync_interval_minutes: u32,
    /// Sync once when the server starts (if an account is connected).
    pub sync_on_start: bool,
    /// Hours between full passes, which notice removals that counts cannot.
    pub full_sync_hours: u32,
    /// Download jobs worked on at once.
    pub download_concurrency: u32,
    /// Attempts per download before it fails.
    pub download_attempts: u32,
    /// Seconds before a failed download is tried again; doubles with each attempt.
    pub download_retry_seconds: u32,
    /// Queue newly synced tracks for download (Downloads has the same switch).
    pub auto_download: bool,
    /// A file may differ from Spotify's duration by this many seconds…
    pub duration_tolerance_seconds: f64,
    /// …or by this percentage of it, whichever is larger.
    pub duration_tolerance_percent: f64,
    /// The score (0 to 1) a search result needs to be downloaded without asking.
    pub match_threshold: f64,
    /// How to run yt-dlp: the program and any first arguments (`python3 -m yt_dlp`).
    pub ytdlp_command: String,
    /// Where tracks are searched for, in priority order: `youtube-music`
    /// (ytmusicapi), `youtube` and `soundcloud` (yt-dlp's searches).
    pub search_sources: Vec<String>,
    /// YouTube Music's address (a local stand-in for the demo and tests).
    pub ytmusic_url: String,
    /// How to run Python 3 with ytmusicapi, for the YouTube Music search.
    pub python_command: String,
    /// The longest a yt-dlp search or download may take, in seconds.
    pub ytdlp_timeout_seconds: u32,
    /// A folder of music the user already has, searched before yt-dlp.
    pub music_folder: Option<PathBuf>,
    /// Seconds between polls of what plays on Spotify while something
    /// plays (it backs off while paused or idle); 0 switches polling off.
    pub listen_poll_seconds: f64,
    /// Minutes between recently-played backfills of what the poll missed.
    pub listen_backfill_minutes: u32,
    /// How much faster than the clock progress may advance before it is
    /// taken for a seek. Only the local API's sped-up listener needs more
    /// than the default.
    pub listen_max_progress_rate: f64,
    /// The largest Extended Streaming History upload, in megabytes.
    pub history_upload_max_mb: u32,
    /// The folder database snapshots are kept in; defaults to `backups` in `data_dir`.
    pub backup_dir: Option<PathBuf>,
    /// Hours between scheduled backups; 0 switches the schedule off.
    pub backup_interval_hours: u32,
    /// How many snapshots are kept (here, and on the remote).
    pub backup_keep: u32,
    /// Where backups also go: a remote from rclone's config (`gdrive:hoard`,
    /// `s3:bucket/hoard`) or a local folder. Credentials stay in rclone's config.
    pub backup_remote: Option<String>,
    /// Whether the audio library goes to the remote too (incrementally).
    pub backup_remote_audio: bool,
    /// How to run rclone.
    pub rclone_command: String,
    /// rclone's config file, when not rclone's default.
    pub rclone_config: Option<PathBuf>,
    /// Hours between checks of watched artists for new releases; 0 switches
    /// the checks off.
    pub watch_interval_hours: u32,
    /// The listener's Last.fm API key (32 hexadecimal characters, from
    /// last.fm/api/account/create), for artist stories and similar
    /// artists. Checked at start; never logged.
    pub lastfm_api_key: Option<String>,
    /// Last.fm's API root; only tests and demo mode change it.
    pub lastfm_api_url: String,
    /// Keep an `.m3u8` file of every list in `<data_dir>/library/Playlists/`
    /// for other players.
    pub playlist_files: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: PathBuf::from("hoard-data"),
            database: None,
            site_dir: PathBuf::from("target/site"),
            password_hash: None,
            public_url: None,
            allowed_hosts: Vec::new(),
            session_days: 30,
            log: "info".into(),
            spotify_client_id: None,
            spotify_redirect_uri: None,
            spotify_api_url: "https://api.spotify.com/v1/".into(),
            spotify_accounts_url: "https://accounts.spotify.com/".into(),
            secret_key: None,
            sync_interval_minutes: 360,
            sync_on_start: true,
            full_sync_hours: 24,
            download_concurrency: 2,
            download_attempts: 3,
            download_retry_seconds: 60,
            auto_download: false,
            duration_tolerance_seconds: 5.0,
            duration_tolerance_percent: 5.0,
            match_threshold: 0.75,
            ytdlp_command: "yt-dlp".into(),
            search_sources: vec!["youtube-music".into(), "youtube".into()],
            ytmusic_url: hoard_acquire::ytmusic::DEFAULT_URL.into(),
            python_command: "python3".into(),
            ytdlp_timeout_seconds: 900,
            music_folder: None,
            listen_poll_seconds: 2.0,
            listen_backfill_minutes: 60,
            listen_max_progress_rate: 1.25,
            history_upload_max_mb: 1024,
            backup_dir: None,
            backup_interval_hours: 24,
            backup_keep: 7,
            backup_remote: None,
            backup_remote_audio: true,
            rclone_command: "rclone".into(),
            rclone_config: None,
            playlist_files: true,
            watch_interval_hours: 24,
            lastfm_api_key: None,
            lastfm_api_url: hoard_sync::lastfm::LASTFM_API.into(),
        }
    }
}

/// The names `search_sources` accepts.
pub const SEARCH_SOURCES: &[&str] = &["youtube-music", "youtube", "soundcloud"];

/// A configuration that cannot be used, with the setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value could not be read as the type the setting expects.
    #[error("{0}")]
    Parse(String),
    /// A value was read but is not acceptable.
    #[error("setting `{setting}` (HOARD_{env}): {problem}")]
    Invalid {
        setting: &'static str,
        env: String,
        problem: String,
    },
}

fn invalid(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        env: setting.to_uppercase(),
        problem: problem.into(),
    }
}

impl Config {
    /// The listening poller's timing, or `None` when polling is off.
    pub fn listen_options(&self) -> Option<hoard_sync::listen::ListenOptions> {
        if self.listen_poll_seconds == 0.0 {
            return None;
        }
        let playing = Duration::from_secs_f64(self.listen_poll_seconds);
        Some(hoard_sync::listen::ListenOptions {
            playing_every: playing,
            ending_every: (playing / 2).max(Duration::from_millis(500)),
            backfill_every: Duration::from_secs(u64::from(self.listen_backfill_minutes) * 60),
            max_progress_rate: self.listen_max_progress_rate,
            ..Default::default()
        })
    }

    /// Reads the configuration from defaults, the file and the environment, and checks it.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os(CONFIG_FILE_VAR).map(PathBuf::from);
        if let Some(path) = &file {
            if !path.is_file() {
                return Err(ConfigError::Parse(format!(
                    "{CONFIG_FILE_VAR} names {}, which is not a readable file",
                    path.display()
                )));
            }
        }
        let file = file.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(&file))
            .merge(Env::prefixed("HOARD_").ignore(&["config"]))
            .extract()
            .map_err(|e| ConfigError::Parse(describe(e)))?;
        config.check()?;
        Ok(config)
    }

    /// Checks values that parse but are not acceptable.
    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(hash) = &self.password_hash {
            argon2::PasswordHash::new(hash).map_err(|_| {
                invalid(
                    "password_hash",
                    "must be an Argon2 hash such as `hoard hash-password` prints ($argon2id$...)",
                )
            })?;
        } else if !self.listen.ip().is_loopback() {
            return Err(invalid(
                "listen",
                format!(
                    "{} is reachable from other machines, and no password is set; \
                     set password_hash (HOARD_PASSWORD_HASH) first, or listen on 127.0.0.1",
                    self.listen
                ),
            ));
        }
        if let Some(url) = &self.public_url {
            check_public_url(url).map_err(|problem| invalid("public_url", problem))?;
        }
        for host in &self.allowed_hosts {
            check_host_name(host).map_err(|problem| invalid("allowed_hosts", problem))?;
        }
        if self.session_days == 0 {
            return Err(invalid("session_days", "must be at least 1"));
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "must not be empty"));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log)
            .map_err(|e| invalid("log", format!("is not a valid log filter: {e}")))?;
        if let Some(id) = &self.spotify_client_id {
            hoard_sync::auth::check_client_id(id).map_err(|e| invalid("spotify_client_id", e))?;
        }
        hoard_sync::auth::check_redirect_uri(&self.redirect_uri())
            .map_err(|e| invalid("spotify_redirect_uri", e))?;
        for (setting, url) in [
            ("spotify_api_url", &self.spotify_api_url),
            ("spotify_accounts_url", &self.spotify_accounts_url),
            ("lastfm_api_url", &self.lastfm_api_url),
        ] {
            let parsed = url::Url::parse(url)
                .map_err(|e| invalid(setting, format!("`{url}` is not a URL ({e})")))?;
            if !matches!(parsed.scheme(), "http" | "https") || !url.ends_with('/') {
                return Err(invalid(
                    setting,
                    format!("`{url}` must be an http(s) URL ending in `/`"),
                ));
            }
        }
        if let Some(key) = &self.secret_key {
            hoard_sync::SecretBox::from_base64(key)
                .map_err(|e| invalid("secret_key", e.to_string()))?;
        }
        if self.listen_poll_seconds != 0.0 && !(1.0..=60.0).contains(&self.listen_poll_seconds) {
            return Err(invalid(
                "listen_poll_seconds",
                "must be from 1 to 60 (2 is the default), or 0 to switch polling off",
            ));
        }
        if !(1..=24 * 60).contains(&self.listen_backfill_minutes) {
            return Err(invalid(
                "listen_backfill_minutes",
                "must be from 1 to 1440 (60 is the default)",
            ));
        }
        if !(1.0..=1000.0).contains(&self.listen_max_progress_rate) {
            return Err(invalid(
                "listen_max_progress_rate",
                "must be from 1 to 1000",
            ));
        }
        if !(1..=16 * 1024).contains(&self.history_upload_max_mb) {
            return Err(invalid("history_upload_max_mb", "must be from 1 to 16384"));
        }
        if self.full_sync_hours == 0 {
            return Err(invalid("full_sync_hours", "must be at least 1"));
        }
        if !(1..=16).contains(&self.download_concurrency) {
            return Err(invalid("download_concurrency", "must be from 1 to 16"));
        }
        if !(1..=20).contains(&self.download_attempts) {
            return Err(invalid("download_attempts", "must be from 1 to 20"));
        }
        if !(0.0..=600.0).contains(&self.duration_tolerance_seconds) {
            return Err(invalid(
                "duration_tolerance_seconds",
                "must be from 0 to 600",
            ));
        }
        if !(0.0..=100.0).contains(&self.duration_tolerance_percent) {
            return Err(invalid(
                "duration_tolerance_percent",
                "must be from 0 to 100",
            ));
        }
        if !(0.0..=1.0).contains(&self.match_threshold) {
            return Err(invalid(
                "match_threshold",
                "must be from 0 to 1 (0.75 is the default)",
            ));
        }
        if self.ytdlp_command.split_whitespace().next().is_none() {
            return Err(invalid(
                "ytdlp_command",
                "must name a program, such as `yt-dlp`",
            ));
        }
        if self.search_sources.is_empty() {
            return Err(invalid(
                "search_sources",
                "must name at least one of youtube-music, youtube, soundcloud",
            ));
        }
        for source in &self.search_sources {
            if !SEARCH_SOURCES.contains(&source.as_str()) {
                return Err(invalid(
                    "search_sources",
                    format!("{source:?} is not one of youtube-music, youtube, soundcloud"),
                ));
            }
        }
        let url_ok = ["http://", "https://"]
            .iter()
            .any(|scheme| self.ytmusic_url.starts_with(scheme))
            && !self.ytmusic_url.contains(char::is_whitespace);
        if !url_ok {
            return Err(invalid(
                "ytmusic_url",
                "must be an http(s) URL, such as https://music.youtube.com",
            ));
        }
        if self.python_command.split_whitespace().next().is_none() {
            return Err(invalid(
                "python_command",
                "must name a program, such as `python3`",
            ));
        }
        if self.ytdlp_timeout_seconds < 10 {
            return Err(invalid("ytdlp_timeout_seconds", "must be at least 10"));
        }
        if self.backup_interval_hours > 24 * 365 {
            return Err(invalid(
                "backup_interval_hours",
                "must be from 1 to 8760 (24 is the default), or 0 to switch the schedule off",
            ));
        }
        if let Some(key) = &self.lastfm_api_key {
            if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(
                    "lastfm_api_key",
                    "must be a Last.fm API key: 32 hexadecimal characters (make one at https://www.last.fm/api/account/create)",
                ));
            }
        }
        if self.watch_interval_hours > 24 * 365 {
            return Err(invalid(
                "watch_interval_hours",
                "must be from 1 to 8760 (24 is the default), or 0 to switch the checks off",
            ));
        }
        if !(1..=1000).contains(&self.backup_keep) {
            return Err(invalid(
                "backup_keep",
                "must be from 1 to 1000 (7 is the default)",
            ));
        }
        if let Some(remote) = &self.backup_remote {
            check_remote(remote).map_err(|problem| invalid("backup_remote", problem))?;
        }
        if self.rclone_command.trim().is_empty() {
            return Err(invalid(
                "rclone_command",
                "must name a program, such as `rclone`",
            ));
        }
        if let Some(file) = &self.rclone_config {
            if !file.is_file() {
                return Err(invalid(
                    "rclone_config",
                    format!("{} is not a file", file.display()),
                ));
            }
        }
        if let Some(folder) = &self.music_folder {
            if !folder.is_dir() {
                return Err(invalid(
                    "music_folder",
                    format!("{} is not a folder", folder.display()),
                ));
            }
        }
        Ok(())
    }

    /// The redirect URI Spotify sends the browser back to: the setting, or
    /// `public_url`'s when that is https, or the loopback address's.
    pub fn redirect_uri(&self) -> String {
        if let Some(uri) = &self.spotify_redirect_uri {
            return uri.clone();
        }
        match self.public_url() {
            Some(url) if url.scheme() == "https" => format!("{}spotify/callback", url.as_str()),
            _ => format!("http://127.0.0.1:{}/spotify/callback", self.listen.port()),
        }
    }

    /// `public_url`, parsed (it was checked at start).
    pub fn public_url(&self) -> Option<url::Url> {
        self.public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
    }

    /// The key file that seals the Spotify token when `secret_key` is not set.
    pub fn key_file(&self) -> PathBuf {
        self.data_dir.join("secret.key")
    }

    /// The SQLite file to open.
    pub fn database_path(&self) -> PathBuf {
        self.database
            .clone()
            .unwrap_or_else(|| self.data_dir.join("hoard.db"))
    }

    /// The folder database snapshots are kept in.
    pub fn backup_dir(&self) -> PathBuf {
        self.backup_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("backups"))
    }

    /// Whether a login is required.
    pub fn password_protected(&self) -> bool {
        self.password_hash.is_some()
    }
}

/// A `backup_remote` is `name:` or `name:path` of a remote in rclone's
/// config, or a local folder. rclone's on-the-fly remotes
/// (`:webdav,url=…,pass=…:`, `name,option=…:`) are refused: they carry
/// options, credentials among them, in the string, which would then be in
/// Hoard's config and on rclone's command line.
fn check_remote(remote: &str) -> Result<(), String> {
    let remote = remote.trim();
    if remote.is_empty() {
        return Err("must not be empty; leave it out for no remote".into());
    }
    if remote.starts_with('/') {
        return Ok(());
    }
    let Some((name, _path)) = remote.split_once(':') else {
        return Err(format!(
            "`{remote}` is neither a remote (`name:path`, as `rclone listremotes` names it) nor an absolute folder"
        ));
    };
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '+' | '@'));
    if !plain {
        return Err(
            "must name a remote set up in rclone's config (`rclone config`), such as `gdrive:hoard`; \
             on-the-fly remotes with options (`:backend,…:`) would put credentials in Hoard's settings"
                .into(),
        );
    }
    Ok(())
}

/// A `public_url` is an http(s) URL of a host's root: Hoard's pages and
/// assets use absolute paths, so it cannot live under a sub-path.
fn check_public_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("`{url}` is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "`{url}` must be an http(s) URL such as https://music.example.com/"
        ));
    }
    if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "`{url}` must be the root of its host (no path): Hoard cannot live under a sub-path"
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("`{url}` must not carry a user name or password"));
    }
    Ok(())
}

/// An `allowed_hosts` entry is a bare host name or address, without scheme, port or path.
fn check_host_name(host: &str) -> Result<(), String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let valid = !host.is_empty()
        && (bare.parse::<std::net::IpAddr>().is_ok()
            || host.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            }));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{host}` is not a host name; give names such as music.example.com, without scheme, port or path"
        ))
    }
}

/// Figment's message, with the setting's name and where the value came from.
fn describe(e: figment::Error) -> String {
    e.into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let origin = match &e.metadata {
                Some(m) => match &m.source {
                    Some(source) => format!("{} {source}", m.name),
                    None => m.name.to_string(),
                },
                None => String::new(),
            };
            let what = match &e.kind {
                figment::error::Kind::UnknownField(field, _) => {
                    format!("unknown setting `{field}`")
                }
                kind => kind.to_string(),
            };
            if key.is_empty() {
                format!("configuration: {what} ({origin})")
            } else {
                format!(
                    "setting `{key}` (HOARD_{}): {what} (from {origin})",
                    key.to_uppercase()
                )
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Creates the data folder (and the database's folder) if needed.
pub fn prepare_dirs(config: &Config) -> Result<(), ConfigError> {
    create_dir(&config.data_dir, "data_dir")?;
    if let Some(parent) = config
        .database_path()
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        create_dir(parent, "database")?;
    }
    Ok(())
}

fn create_dir(path: &Path, setting: &'static str) -> Result<(), ConfigError> {
    std::fs::create_dir_all(path).map_err(|e| {
        invalid(
            setting,
            format!("cannot create folder {}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_listen_on_loopback_without_a_password() {
        let config = Config::default();
        assert!(config.listen.ip().is_loopback());
        assert!(config.check().is_ok());
        assert_eq!(config.database_path(), PathBuf::from("hoard-data/hoard.db"));
    }

    #[test]
    fn the_lan_without_a_password_is_refused_by_name() {
        let config = Config {
            listen: "0.0.0.0:3000".parse().expect("addr"),
            ..Config::default()
        };
        let message = config.check().expect_err("must refuse").to_string();
        assert!(message.contains("`listen`"), "{message}");
        assert!(message.contains("password_hash"), "{message}");
    }

    #[test]
    fn a_password_hash_that_is_not_argon2_is_refused() {
        let config = Config {
            password_hash: Some("hunter2".into()),
            ..Config::default()
        };
        let message = config.check().expect_err("must refuse").to_string();
        assert!(message.contains("`password_hash`"), "{message}");
    }

    #[test]
    fn a_bad_log_filter_is_refused() {
        let config = Config {
            log: "info,[[[".into(),
            ..Config::default()
        };
        assert!(config
            .check()
            .expect_err("must refuse")
            .to_string()
            .contains("`log`"));
    }

    #[test]
    fn spotify_settings_are_checked_by_name() {
        let localhost = Config {
            spotify_redirect_uri: Some("http://localhost:3000/spotify/callback".into()),
            ..Config::default()
        };
        let message = localhost.check().expect_err("localhost").to_string();
        assert!(message.contains("`spotify_redirect_uri`"), "{message}");
        assert!(message.contains("127.0.0.1"), "{message}");

        let client = Config {
            spotify_client_id: Some("not a client id".into()),
            ..Config::default()
        };
        let message = client.check().expect_err("client id").to_string();
        assert!(message.contains("`spotify_client_id`"), "{message}");

        let key = Config {
            secret_key: Some("c2hvcnQ=".into()),
            ..Config::default()
        };
        assert!(key
            .check()
            .expect_err("key")
            .to_string()
            .contains("`secret_key`"));
        assert_eq!(
            Config::default().redirect_uri(),
            "http://127.0.0.1:3000/spotify/callback"
        );
    }

    #[test]
    fn backup_settings_are_checked_by_name() {
        for (remote, fine) in [
            ("gdrive:hoard", true),
            ("s3:bucket/hoard", true),
            ("nas:", true),
            ("/mnt/usb/hoard", true),
            (":webdav,url=http://x,pass=secret:", false),
            ("dav,pass=secret:path", false),
            ("relative/folder", false),
            ("  ", false),
        ] {
            let config = Config {
                backup_remote: Some(remote.into()),
                ..Config::default()
            };
            match config.check() {
                Ok(()) => assert!(fine, "{remote} was taken"),
                Err(e) => {
                    assert!(!fine, "{remote} was refused: {e}");
                    let message = e.to_string();
                    assert!(message.contains("`backup_remote`"), "{message}");
                    assert!(
                        !message.contains("secret"),
                        "the credential is repeated: {message}"
                    );
                }
            }
        }
        let keep = Config {
            backup_keep: 0,
            ..Config::default()
        };
        assert!(keep
            .check()
            .expect_err("keep")
            .to_string()
            .contains("`backup_keep`"));
        let config = Config {
            rclone_config: Some("/nonexistent/rclone.conf".into()),
            ..Config::default()
        };
        assert!(config
            .check()
            .expect_err("rclone config")
            .to_string()
            .contains("`rclone_config`"));
    }
}
