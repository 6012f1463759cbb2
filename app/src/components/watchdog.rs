//! The connection watchdog: polls the server's health endpoint from the
//! browser and shows a banner while the server cannot be reached. While it
//! is, `<body>` has the class `offline`, which greys out the controls that
//! need the server (class `needs-server`); music on the device still plays.

use leptos::prelude::*;

/// How often the browser asks `/health`, in milliseconds.
pub const INTERVAL_MS: u32 = 2_000;
/// How long one health request may take before the server counts as gone.
pub const TIMEOUT_MS: u32 = 1_500;

/// A banner that appears when the server stops answering and goes when it is back.
#[component]
pub fn Watchdog() -> impl IntoView {
    let reachable = RwSignal::new(true);

    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let copy = crate::library_copy::use_library_copy();
        let copied = move || copy.is_some_and(|c| c.copied.get_untracked());
        leptos::task::spawn_local(async move {
            loop {
                let ok = server_answers().await;
                if reachable.get_untracked() != ok {
                    reachable.set(ok);
                }
                gloo_timers::future::TimeoutFuture::new(INTERVAL_MS).await;
            }
        });
        // The browser knows first when the network goes.
        let on_offline = Closure::<dyn Fn()>::new(move || reachable.set(false));
        if let Some(w) = web_sys::window() {
            let _ =
                w.add_event_listener_with_callback("offline", on_offline.as_ref().unchecked_ref());
        }
        on_offline.forget();
        // Offline, a link followed in the app would ask the server for its
        // data and fail; a full navigation gets the page the service worker
        // cached instead (or "On device" for one never visited). Pages that
        // the library's copy on the device answers stay in the app.
        let on_click =
            Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |e: web_sys::MouseEvent| {
                if reachable.get_untracked() || e.default_prevented() || e.button() != 0 {
                    return;
                }
                if e.ctrl_key() || e.meta_key() || e.shift_key() || e.alt_key() {
                    return;
                }
                let Some(link) = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|el| el.closest("a[href]").ok().flatten())
                else {
                    return;
                };
                let href = link.get_attribute("href").unwrap_or_default();
                if !href.starts_with('/')
                    || link.has_attribute("download")
                    || link.has_attribute("target")
                    || (copied() && crate::library_copy::answers_offline(&href))
                {
                    return;
                }
                e.prevent_default();
                e.stop_propagation();
                if let Some(w) = web_sys::window() {
                    let _ = w.location().assign(&href);
                }
            });
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback_and_bool(
                "click",
                on_click.as_ref().unchecked_ref(),
                true,
            );
        }
        on_click.forget();
        Effect::new(move |_| {
            let offline = !reachable.get();
            if let Some(body) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.body())
            {
                let _ = body.class_list().toggle_with_force("offline", offline);
            }
        });
    }

    view! {
        <Show when=move || !reachable.get()>
            <div class="banner" role="alert" data-testid="watchdog">
                <strong>"Can't reach the Hoard server: you are offline."</strong>
                " Music kept on this device still plays (see On device); syncing, downloads and keeping more need the server. "
                "Hoard keeps trying and this goes away once the server answers."
            </div>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
async fn server_answers() -> bool {
    let signal = web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS);
    match gloo_net::http::Request::get("/health")
        .abort_signal(Some(&signal))
        .cache(web_sys::RequestCache::NoStore)
        .send()
        .await
    {
        // The body is read (it is short): a response left unread keeps its
        // connection until the timeout aborts it, one of the browser's six
        // to this server held all the time.
        Ok(response) => response.ok() && response.text().await.is_ok(),
        Err(_) => false,
    }
}
