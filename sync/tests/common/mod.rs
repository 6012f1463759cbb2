//! The harness the sync's integration tests share: the local Spotify Web
//! API, a real SQLite vault in a temporary directory, and an account
//! connected through the real PKCE flow.
#![allow(dead_code)]

use std::time::Duration;

use hoard_sync::{auth, Endpoints, RetryPolicy, SecretBox, SyncMode, SyncOptions, Syncer};
use spotify_mock::{LibrarySpec, MockHandle, MockServer};
use vault::Vault;

pub const CLIENT_ID: &str = "0123456789abcdef0123456789abcdef";
pub const REDIRECT: &str = "http://127.0.0.1:9/spotify/callback";

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub mock: MockServer,
    pub vault: Vault,
    pub syncer: std::sync::Arc<Syncer>,
    pub refresh_token: String,
}

impl Harness {
    pub async fn new(spec: LibrarySpec) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mock = MockServer::start(spec).await.expect("mock starts");
        let vault = Vault::open(&dir.path().join("hoard.db"))
            .await
            .expect("vault");
        let secrets = SecretBox::from_key_file(&dir.path().join("secret.key")).expect("key");
        let options = SyncOptions {
            endpoints: Endpoints::local(&mock.url()),
            redirect_uri: REDIRECT.into(),
            full_pass_every: Duration::from_secs(24 * 3600),
            policy: RetryPolicy {
                min_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(200),
                ..RetryPolicy::default()
            },
            lock_file: Some(dir.path().join("sync.lock")),
        };
        let syncer = std::sync::Arc::new(Syncer::new(vault.clone(), secrets, options));
        let refresh_token = connect(&syncer, &mock).await;
        Self {
            dir,
            mock,
            vault,
            syncer,
            refresh_token,
        }
    }

    pub fn spotify(&self) -> MockHandle {
        self.mock.handle()
    }

    pub async fn sync(&self) -> hoard_sync::SyncReport {
        self.syncer
            .run("test", SyncMode::Incremental)
            .await
            .expect("sync completes")
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(self.vault.pool())
            .await
            .expect(sql);
        n
    }

    /// The vault's current liked songs, newest first, as Spotify IDs.
    pub async fn liked(&self) -> Vec<String> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT t.spotify_id FROM liked_tracks l JOIN tracks t ON t.id = l.track_id
             WHERE l.removed_at IS NULL ORDER BY l.added_at DESC",
        )
        .fetch_all(self.vault.pool())
        .await
        .expect("liked");
        rows.into_iter().map(|r| r.0).collect()
    }

    /// The vault's current entries of a playlist, in order: the Spotify ID
    /// for tracks and episodes the mock names, `None` otherwise.
    pub async fn items(&self, playlist: &str) -> Vec<(String, Option<String>)> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT i.kind, t.spotify_id FROM playlist_items i
             JOIN playlists p ON p.id = i.playlist_id
             LEFT JOIN tracks t ON t.id = i.track_id
             WHERE p.spotify_id = ? AND i.removed_at IS NULL ORDER BY i.position",
        )
        .bind(playlist)
        .fetch_all(self.vault.pool())
        .await
        .expect("items");
        rows
    }

    /// Checks that every readable playlist in the vault matches Spotify's, in order.
    pub async fn assert_mirrors_playlists(&self) {
        let spotify = self.spotify();
        for playlist in spotify.playlist_ids() {
            let want: Vec<Option<String>> = spotify.playlist_item_ids(&playlist);
            let have = self.items(&playlist).await;
            assert_eq!(have.len(), want.len(), "playlist {playlist}: entry count");
            for (position, ((kind, id), want)) in have.iter().zip(&want).enumerate() {
                if kind == "track" {
                    assert_eq!(id, want, "playlist {playlist} position {position}");
                }
            }
        }
    }
}

/// Connects the way a browser would: authorize (the mock approves at once),
/// follow the redirect's code back, trade it for tokens.
pub async fn connect(syncer: &Syncer, mock: &MockServer) -> String {
    let pending = auth::begin(&Endpoints::local(&mock.url()), CLIENT_ID, REDIRECT).expect("begin");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = client
        .get(&pending.authorize_url)
        .send()
        .await
        .expect("authorize");
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("location")
        .to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = url::Url::parse(&location).expect("url");
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some(pending.state.as_str()));
    let code = param("code").expect("code");
    let refresh = auth::finish(&pending, &code).await.expect("token");
    syncer
        .store_connection(CLIENT_ID, &refresh)
        .await
        .expect("stored");
    refresh
}
