//! Settings: where the vault lives, how the server is protected, and what the vault holds.

use leptos::prelude::*;
use leptos_meta::Title;
use vault::model::Stats;

use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::routes::listening::ListeningPanel;
use crate::routes::spotify::SpotifyPanel;
use crate::state::ServerInfo;

/// Facts about the server and counts of the vault.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn server_overview() -> Result<(ServerInfo, Stats), AppError> {
    let state = crate::state::server_state()?;
    Ok((state.info.clone(), state.vault.stats().await?))
}

/// The Settings view.
#[component]
pub fn SettingsPage() -> impl IntoView {
    // Bumped by the Spotify panel when a sync ends: the vault's counts reload.
    let synced = RwSignal::new(0u32);
    let overview = Resource::new(move || synced.get(), |_| server_overview());
    view! {
        <Title text="Settings"/>
        <h1>"Settings"</h1>
        <SpotifyPanel synced/>
        <ListeningPanel/>
        <crate::routes::personal::PersonalPanel/>
        <crate::routes::backups::BackupsPanel/>
        <crate::routes::subsonic::SubsonicPanel/>
        <Transition fallback=|| view! { <p class="loading">"Loading settings…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok((info, stats)) => view! {
                        <section class="panel">
                            <h2>"Server"</h2>
                            <dl class="facts">
                                <dt>"Version"</dt><dd>{info.version}</dd>
                                <dt>"Listening on"</dt><dd>{info.listen}</dd>
                                <dt>"Password"</dt>
                                <dd>{if info.password_protected { "Required to sign in" } else { "None (loopback only)" }}</dd>
                                <dt>"Data folder"</dt><dd><code>{info.data_dir}</code></dd>
                                <dt>"Database"</dt><dd><code>{info.database}</code></dd>
                            </dl>
                            {info.password_protected.then(|| view! {
                                <form method="post" action="/logout" class="sign-out"
                                    on:submit=|_| crate::components::player::forget_saved()>
                                    <button type="submit">"Sign out"</button>
                                    <p class="hint">"Signing out also removes the music and pages kept on this device, so a shared phone or computer keeps nothing of your vault."</p>
                                </form>
                            })}
                        </section>
                        <section class="panel">
                            <h2>"Vault"</h2>
                            <dl class="facts" data-testid="stats">
                                <dt>"Tracks"</dt><dd>{stats.tracks}</dd>
                                <dt>"Liked songs"</dt><dd>{stats.liked}</dd>
                                <dt>"Playlists"</dt><dd>{stats.playlists}</dd>
                                <dt>"Albums"</dt><dd>{stats.albums}</dd>
                                <dt>"Artists"</dt><dd>{stats.artists}</dd>
                                <dt>"Audio files"</dt><dd>{stats.downloaded}</dd>
                                <dt>"Plays"</dt><dd>{stats.plays}</dd>
                            </dl>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
