//! The metadata editor: a track's title, artists, numbers and genre, and an
//! album's name, album artist, date, genre and cover, kept beside Spotify's
//! values (each field shows "as Spotify has it" and a revert) and written
//! into the audio files' tags. A track whose file cannot be written keeps
//! its old file and its old values; an album says which files failed.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use vault::model::{AlbumEdit, AlbumForm, EditForm, Id, TrackDetails};

use crate::error::AppError;

/// A track's editor.
#[server(endpoint = "edit_track_get", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_track_details(id: Id) -> Result<TrackDetails, AppError> {
    let state = crate::state::server_state()?;
    Ok(state.vault.track_details(id).await?)
}

/// Saves a track's edits and writes them into its file. When the file
/// cannot be written the edits are not kept either: nothing changes.
#[server(endpoint = "edit_track_save", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn save_track_edit(id: Id, form: EditForm) -> Result<TrackDetails, AppError> {
    let state = crate::state::server_state()?;
    let edit = form.parse().map_err(|e| AppError::Refused(e.to_string()))?;
    let before = state.vault.track_edit(id).await?;
    state
        .vault
        .set_track_edit(vault::model::OWNER, id, &edit)
        .await?;
    let details = state.vault.track_details(id).await?;
    if details.file_path.is_some() {
        if let Err(reason) = state.acquirer.retag(id).await {
            tracing::warn!(track_id = id, %reason, "an edit could not be written to the file");
            state
                .vault
                .set_track_edit(vault::model::OWNER, id, &before)
                .await?;
            return Err(AppError::Refused(format!(
                "The file could not be tagged ({reason}). It is as it was, and so are the details."
            )));
        }
    }
    Ok(details)
}

/// An album's editor: Spotify's values, the edits, how many files it has,
/// and the other albums whose cover it could take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumEditor {
    pub spotify_name: String,
    pub spotify_artist: Option<String>,
    pub spotify_date: Option<String>,
    pub edit: AlbumEdit,
    pub files: i64,
    /// Albums by the same artists with a cover Hoard keeps: (id, name).
    pub covers: Vec<(Id, String)>,
}

/// What saving an album's edits did to its files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumSaved {
    pub tagged: i64,
    /// "file: reason" for each file left as it was.
    pub failed: Vec<String>,
}

#[cfg(feature = "ssr")]
async fn retag_album(state: &crate::state::ServerState, album: Id) -> Result<AlbumSaved, AppError> {
    let mut saved = AlbumSaved {
        tagged: 0,
        failed: Vec::new(),
    };
    for (track, file) in state.vault.album_files(album).await? {
        match state.acquirer.retag(track).await {
            Ok(()) => saved.tagged += 1,
            Err(reason) => {
                tracing::warn!(track_id = track, %reason, "an album edit could not be written to a file");
                saved.failed.push(format!("{file}: {reason}"));
            }
        }
    }
    Ok(saved)
}

/// The album editor's data.
#[server(endpoint = "edit_album_get", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_album_editor(id: Id) -> Result<AlbumEditor, AppError> {
    let state = crate::state::server_state()?;
    let (spotify_name, spotify_artist, spotify_date) = state.vault.album_spotify_values(id).await?;
    let covers_dir = state.acquirer.settings().covers_dir();
    let candidates = state.vault.albums_sharing_artists(id).await?;
    let covers = candidates
        .into_iter()
        .filter(|(other, _)| hoard_acquire::queue::kept_cover(&covers_dir, *other).is_some())
        .collect();
    Ok(AlbumEditor {
        spotify_name,
        spotify_artist,
        spotify_date,
        edit: state.vault.album_edit(id).await?,
        files: state.vault.album_files(id).await?.len() as i64,
        covers,
    })
}

/// Saves an album's edits and tags its files again.
#[server(endpoint = "edit_album_save", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn save_album_edit(id: Id, form: AlbumForm) -> Result<AlbumSaved, AppError> {
    let state = crate::state::server_state()?;
    let cover = state.vault.album_edit(id).await?.cover_mime;
    let edit = form
        .parse(cover)
        .map_err(|e| AppError::Refused(e.to_string()))?;
    state
        .vault
        .set_album_edit(vault::model::OWNER, id, &edit)
        .await?;
    retag_album(&state, id).await
}

/// Gives an album the cover of another (`from`), or Spotify's own again
/// (`from` = `None`), and tags its files again.
#[server(endpoint = "edit_album_cover", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn set_album_cover(id: Id, from: Option<Id>) -> Result<AlbumSaved, AppError> {
    let state = crate::state::server_state()?;
    let dir = state.acquirer.settings().covers_dir();
    let mut edit = state.vault.album_edit(id).await?;
    match from {
        None => {
            for name in ["jpg", "png"].map(|e| format!("edit-{id}.{e}")) {
                let _ = tokio::fs::remove_file(dir.join(name)).await;
            }
            edit.cover_mime = None;
        }
        Some(other) => {
            let (source, mime) = hoard_acquire::queue::kept_cover(&dir, other)
                .ok_or_else(|| AppError::Refused("That album has no cover Hoard keeps.".into()))?;
            let data = tokio::fs::read(&source).await.map_err(|e| {
                tracing::error!(error = %e, "cannot read a kept cover");
                AppError::Refused("That album's cover cannot be read.".into())
            })?;
            store_edited_cover(&dir, id, mime, &data).await?;
            edit.cover_mime = Some(mime.to_string());
        }
    }
    state
        .vault
        .set_album_edit(vault::model::OWNER, id, &edit)
        .await?;
    retag_album(&state, id).await
}

/// Writes the listener's cover for `album` (whole, then renamed into place).
#[cfg(feature = "ssr")]
pub async fn store_edited_cover(
    dir: &std::path::Path,
    album: Id,
    mime: &str,
    data: &[u8],
) -> Result<(), AppError> {
    let name = hoard_acquire::queue::edited_cover_name(album, mime);
    let partial = dir.join(format!("{name}.part"));
    let written = async {
        tokio::fs::create_dir_all(dir).await?;
        tokio::fs::write(&partial, data).await?;
        // The other type's file would be found first by a later read.
        for other in ["jpg", "png"].map(|e| format!("edit-{album}.{e}")) {
            if other != name {
                let _ = tokio::fs::remove_file(dir.join(other)).await;
            }
        }
        tokio::fs::rename(&partial, dir.join(&name)).await
    }
    .await;
    written.map_err(|e| {
        tracing::error!(error = %e, "cannot keep a chosen cover");
        AppError::Refused("The cover could not be kept on the server's disk.".into())
    })
}

/// One field of the editor: the value, Spotify's for comparison, and a revert.
#[component]
fn EditField(
    label: &'static str,
    value: RwSignal<String>,
    spotify: String,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] numeric: bool,
) -> impl IntoView {
    let shown = spotify.clone();
    let differs = move || {
        let v = value.get();
        !v.trim().is_empty() && v.trim() != shown
    };
    let id = format!("edit-{}", label.to_lowercase().replace(' ', "-"));
    view! {
        <div class="edit-field">
            <label for=id.clone()>{label}</label>
            <input id=id type="text" inputmode=if numeric { "numeric" } else { "text" }
                bind:value=value placeholder=spotify.clone() maxlength="500"
                data-testid=format!("edit-{}", label.to_lowercase().replace(' ', "-"))/>
            {hint.map(|h| view! { <span class="hint">{h}</span> })}
            <Show when=differs>
                <span class="as-spotify">
                    {if spotify.is_empty() { "Spotify has none".to_string() } else { format!("As Spotify has it: {spotify}") }}
                    <button type="button" class="link" on:click=move |_| value.set(String::new())>"Revert"</button>
                </span>
            </Show>
        </div>
    }
}

/// The track editor, on a track's page.
#[component]
pub fn TrackEditor(details: TrackDetails) -> impl IntoView {
    let edit = details.edit.clone();
    let sp = details.spotify.clone();
    let title = RwSignal::new(edit.title.clone().unwrap_or_default());
    let artists = RwSignal::new(
        edit.artists
            .clone()
            .map(|a| a.join("; "))
            .unwrap_or_default(),
    );
    let track_number = RwSignal::new(edit.track_number.map(|n| n.to_string()).unwrap_or_default());
    let disc_number = RwSignal::new(edit.disc_number.map(|n| n.to_string()).unwrap_or_default());
    let genre = RwSignal::new(edit.genre.clone().unwrap_or_default());
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let id = details.track.id;
    let has_file = details.file_path.is_some();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = EditForm {
            title: title.get_untracked(),
            artists: artists.get_untracked(),
            track_number: track_number.get_untracked(),
            disc_number: disc_number.get_untracked(),
            genre: genre.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = save_track_edit(id, form).await;
            busy.set(false);
            status.set(Some(match result {
                Ok(_) if has_file => Ok("Saved, and written into the file.".into()),
                Ok(_) => Ok("Saved. The file will carry it once the track is downloaded.".into()),
                Err(e) => Err(e.to_string()),
            }));
        });
    };
    let revert_all = move |_| {
        for field in [title, artists, track_number, disc_number, genre] {
            field.set(String::new());
        }
    };
    view! {
        <details class="editor" data-testid="track-editor">
            <summary>"Edit details"</summary>
            <form on:submit=save>
                <p class="hint">"An empty field is as Spotify has it. Edits stay through every sync."</p>
                <EditField label="Title" value=title spotify=sp.title.clone()/>
                <EditField label="Artists" value=artists spotify=sp.artists.join("; ") hint="Separate several with ;"/>
                <EditField label="Track number" value=track_number spotify=sp.track_number.map(|n| n.to_string()).unwrap_or_default() numeric=true/>
                <EditField label="Disc number" value=disc_number spotify=sp.disc_number.to_string() numeric=true/>
                <EditField label="Genre" value=genre spotify=String::new()/>
                {details.track.album_id.map(|a| view! {
                    <p class="hint">"Album, album artist, date and cover are the album's: " <a href=format!("/albums/{a}#edit")>"edit the album"</a> "."</p>
                })}
                {move || status.get().map(|result| view! { <crate::components::Outcome result testid="edit-status"/> })}
                <div class="head-actions">
                    <button type="submit" class="primary" disabled=move || busy.get()>"Save"</button>
                    <button type="button" class="secondary" on:click=revert_all>"Revert all to Spotify's"</button>
                </div>
            </form>
        </details>
    }
}

/// The most a cover upload may be.
pub const MAX_COVER_BYTES: usize = 10 * 1024 * 1024;

/// The album editor, on an album's page.
#[component]
pub fn AlbumEditorPanel(album: Id) -> impl IntoView {
    let data = RwSignal::new(None::<Result<AlbumEditor, AppError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            data.set(Some(get_album_editor(album).await));
        });
    };
    let opened = RwSignal::new(false);
    // Kept here, not in the form: the form is drawn again after a cover
    // change, and what the change did must stay on screen.
    let status = RwSignal::new(None::<Result<String, String>>);
    view! {
        <details id="edit" class="editor" data-testid="album-editor" on:toggle=move |_| {
            if !opened.get_untracked() {
                opened.set(true);
                load();
            }
        }>
            <summary>"Edit album"</summary>
            {move || match data.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                Some(Ok(editor)) => view! { <AlbumFields album editor status reload=move || load()/> }.into_any(),
            }}
        </details>
    }
}

#[component]
fn AlbumFields(
    album: Id,
    editor: AlbumEditor,
    status: RwSignal<Option<Result<String, String>>>,
    #[prop(into)] reload: Callback<()>,
) -> impl IntoView {
    let name = RwSignal::new(editor.edit.name.clone().unwrap_or_default());
    let artist = RwSignal::new(editor.edit.album_artist.clone().unwrap_or_default());
    let date = RwSignal::new(editor.edit.date.clone().unwrap_or_default());
    let genre = RwSignal::new(editor.edit.genre.clone().unwrap_or_default());
    let busy = RwSignal::new(false);
    let report = move |result: Result<AlbumSaved, AppError>| {
        status.set(Some(match result {
            Ok(s) if s.failed.is_empty() => Ok(format!(
                "Saved, and written into {}.",
                crate::components::format::count(s.tagged, "file", "files")
            )),
            Ok(s) => Err(format!(
                "Saved; {} written, and these left as they were: {}",
                s.tagged,
                s.failed.join("; ")
            )),
            Err(e) => Err(e.to_string()),
        }));
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = AlbumForm {
            name: name.get_untracked(),
            album_artist: artist.get_untracked(),
            date: date.get_untracked(),
            genre: genre.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = save_album_edit(album, form).await;
            busy.set(false);
            report(result);
        });
    };
    let pick = move |ev: leptos::ev::Event| {
        let choice = event_target_value(&ev);
        let from = match choice.as_str() {
            "" => return,
            "spotify" => None,
            other => match other.parse::<Id>() {
                Ok(id) => Some(id),
                Err(_) => return,
            },
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = set_album_cover(album, from).await;
            busy.set(false);
            report(result);
            reload.run(());
        });
    };
    let upload = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: Option<web_sys::HtmlInputElement> =
                ev.target().and_then(|t| t.dyn_into().ok());
            let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                return;
            };
            if file.size() > MAX_COVER_BYTES as f64 {
                status.set(Some(Err(format!(
                    "Cover: {} is {:.0} MB; a cover may be at most {} MB.",
                    file.name(),
                    file.size() / 1_048_576.0,
                    MAX_COVER_BYTES / 1_048_576
                ))));
                return;
            }
            busy.set(true);
            status.set(Some(Ok(
                "Sending the cover and writing it into the files…".into()
            )));
            leptos::task::spawn_local(async move {
                let sent = gloo_net::http::Request::post(&format!("/albums/{album}/cover"))
                    .header("Content-Type", &file.type_())
                    .body(wasm_bindgen::JsValue::from(file))
                    .map(|r| r.send());
                let answer = match sent {
                    Ok(request) => request.await,
                    Err(e) => Err(e),
                };
                busy.set(false);
                match answer {
                    Ok(r) if r.ok() => {
                        let saved = r
                            .json::<AlbumSaved>()
                            .await
                            .map_err(|e| AppError::Transport(e.to_string()));
                        report(saved);
                        reload.run(());
                    }
                    Ok(r) => {
                        let reason = r.text().await.unwrap_or_default();
                        status.set(Some(Err(reason)));
                    }
                    Err(e) => {
                        status.set(Some(Err(format!("Could not reach the Hoard server ({e})"))))
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let chosen = editor.edit.cover_mime.is_some();
    view! {
        <form on:submit=save>
            <p class="hint">{format!("Written into the album's {} in the vault. An empty field is as Spotify has it.", crate::components::format::count(editor.files, "file", "files"))}</p>
            <EditField label="Album" value=name spotify=editor.spotify_name.clone()/>
            <EditField label="Album artist" value=artist spotify=editor.spotify_artist.clone().unwrap_or_default()/>
            <EditField label="Date" value=date spotify=editor.spotify_date.clone().unwrap_or_default() hint="2024, 2024-05 or 2024-05-31"/>
            <EditField label="Genre" value=genre spotify=String::new()/>
            <div class="edit-field">
                <span class="label">"Cover"</span>
                <label class="button secondary file-button">"Upload an image (JPEG or PNG, up to 10 MB)"
                    <input type="file" accept="image/jpeg,image/png" class="visually-hidden" on:change=upload data-testid="cover-input"/>
                </label>
                <label>
                    <span class="visually-hidden">"Or the cover of"</span>
                    <select on:change=pick data-testid="cover-from">
                        <option value="">"Or use the cover of…"</option>
                        {chosen.then(|| view! { <option value="spotify">"Spotify's own cover"</option> })}
                        {editor.covers.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                {chosen.then(|| view! { <span class="as-spotify">"A cover of your choice is in use."</span> })}
            </div>
            {move || status.get().map(|result| view! { <crate::components::Outcome result testid="album-edit-status"/> })}
            <button type="submit" class="primary" disabled=move || busy.get()>"Save"</button>
        </form>
    }
}
