//! Download states pushed from the server while the queue runs: one
//! `EventSource` on `/downloads/events` for the whole app, whose events every
//! track row and the Downloads view read.

use std::collections::HashMap;

use leptos::prelude::*;
use vault::model::{DownloadEvent, Id};

/// The latest event of each job seen since the page loaded.
#[derive(Clone, Copy)]
pub struct LiveDownloads {
    pub jobs: RwSignal<HashMap<Id, DownloadEvent>>,
    /// Bumped when a job enters or leaves the queue, so lists can reload.
    pub changes: RwSignal<u32>,
}

impl LiveDownloads {
    /// The live state of a track's job, if an event about it has arrived.
    pub fn state(&self, track_id: Id) -> Option<DownloadEvent> {
        self.jobs.with(|jobs| jobs.get(&track_id).cloned())
    }
}

/// Provides [`LiveDownloads`] and, in the browser, listens for events.
pub fn provide_live_downloads() {
    let live = LiveDownloads {
        jobs: RwSignal::new(HashMap::new()),
        changes: RwSignal::new(0),
    };
    provide_context(live);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| listen(live));
}

#[cfg(feature = "hydrate")]
fn listen(live: LiveDownloads) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let Ok(source) = web_sys::EventSource::new("/downloads/events") else {
        return;
    };
    let on_job =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            let Ok(event) = serde_json::from_str::<DownloadEvent>(&text) else {
                return;
            };
            let settled = matches!(
                event.state.as_str(),
                "queued" | "downloaded" | "failed" | "skipped"
            );
            live.jobs.update(|jobs| {
                jobs.insert(event.track_id, event);
            });
            if settled {
                live.changes.update(|n| *n += 1);
            }
        });
    // The browser reconnects by itself after a network drop or a restart.
    let _ = source.add_event_listener_with_callback("job", on_job.as_ref().unchecked_ref());
    // Both live as long as the page: the app provides this once, at its root.
    on_job.forget();
}

/// What a badge says for a download state.
pub fn state_label(state: &str) -> &'static str {
    match state {
        "downloaded" => "In vault",
        "failed" => "Download failed",
        "skipped" => "Skipped",
        "queued" => "Queued",
        "searching" => "Searching",
        "validating" => "Checking",
        _ => "Downloading",
    }
}

/// The download badge of a track: the server's state at render, then
/// whatever the live events say, with the progress while it downloads (and
/// a progress bar too with `bar`).
#[component]
pub fn DownloadBadge(
    track_id: Id,
    state: Option<String>,
    #[prop(optional)] bar: bool,
) -> impl IntoView {
    let live = use_context::<LiveDownloads>();
    move || {
        let event = live.and_then(|l| l.state(track_id));
        let state = event.as_ref().map(|e| e.state.clone()).or(state.clone())?;
        let progress = event
            .as_ref()
            .and_then(|e| e.progress)
            .filter(|_| state == "downloading");
        let label = match progress {
            Some(p) => format!("Downloading {:.0}%", p * 100.0),
            None => state_label(&state).to_owned(),
        };
        let title = event.and_then(|e| e.reason);
        let bar = progress
            .filter(|_| bar)
            .map(|p| view! { <progress max="100" value=format!("{:.0}", p * 100.0)></progress> });
        Some(view! { <span class=format!("badge dl-{state}") title=title>{label}</span> {bar} })
    }
}
