//! The installable, offline side of the app in the page: registers the
//! service worker (`/sw.js`) and tells the user when a new version is ready.
//!
//! A new service worker installs in the background (it caches the new app
//! whole before anything changes) and then waits. The page says "A new
//! version of Hoard is ready" and, on "Reload", asks the waiting worker to
//! take over and reloads once it has: the offline cache is never half old,
//! half new.

use leptos::prelude::*;

/// Whether a new version waits for a reload.
#[derive(Clone, Copy)]
pub struct Update {
    pub ready: RwSignal<bool>,
}

/// Registers the service worker and shows the update notice.
#[component]
pub fn UpdateNotice() -> impl IntoView {
    let update = Update {
        ready: RwSignal::new(false),
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::register(update));
    // Every page the user reaches is cached for offline use.
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        Effect::new(move |first: Option<()>| {
            let search = location.search.get();
            let path = location.pathname.get();
            let url = if search.is_empty() {
                path
            } else {
                format!("{path}?{search}")
            };
            // A page the worker served itself is cached already.
            if first.is_some() || !browser::controlled() {
                browser::visited(&url);
            }
        });
    }
    let reload = move |_| {
        #[cfg(feature = "hydrate")]
        browser::activate_waiting();
    };
    view! {
        <Show when=move || update.ready.get()>
            <div class="banner update" role="status" data-testid="update-notice">
                <strong>"A new version of Hoard is ready."</strong>
                " Reload to use it; your music on this device stays."
                <button type="button" on:click=reload>"Reload"</button>
            </div>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

    use super::Update;

    thread_local! {
        /// Whether the user pressed "Reload" on the update notice.
        static RELOAD_ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    fn container() -> Option<ServiceWorkerContainer> {
        let navigator = web_sys::window()?.navigator();
        // Absent over plain HTTP on other hosts than localhost, and in old browsers.
        js_sys::Reflect::has(&navigator, &"serviceWorker".into())
            .unwrap_or(false)
            .then(|| navigator.service_worker())
    }

    pub fn register(update: Update) {
        let Some(container) = container() else { return };
        // The new worker took over after "Reload": load the page it serves.
        // (The first worker claiming the page is not a reason to reload.)
        let on_change = Closure::<dyn Fn()>::new(move || {
            if RELOAD_ASKED.with(std::cell::Cell::get) {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
            }
        });
        container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
        leptos::task::spawn_local(async move {
            // (A registration blocked by the browser's owner, as Playwright
            // does, may resolve to nothing.)
            let Some(registration) = JsFuture::from(container.register("/sw.js"))
                .await
                .ok()
                .and_then(|r| r.dyn_into::<ServiceWorkerRegistration>().ok())
            else {
                return;
            };
            watch(registration, update);
        });
    }

    /// Marks the update ready when a new worker has installed next to a running one.
    fn watch(registration: ServiceWorkerRegistration, update: Update) {
        let has_controller = || container().and_then(|c| c.controller()).is_some();
        if registration.waiting().is_some() && has_controller() {
            update.ready.set(true);
        }
        let reg = registration.clone();
        let on_found = Closure::<dyn Fn()>::new(move || {
            let Some(installing) = reg.installing() else {
                return;
            };
            let worker = installing.clone();
            let on_state = Closure::<dyn Fn()>::new(move || {
                if worker.state() == ServiceWorkerState::Installed && has_controller() {
                    update.ready.set(true);
                }
            });
            installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            on_state.forget();
        });
        registration.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
        on_found.forget();
        // Look for a new version now and then while the app stays open.
        leptos::task::spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(15 * 60 * 1000).await;
                if let Ok(p) = registration.update() {
                    let _ = JsFuture::from(p).await;
                }
            }
        });
    }

    /// Whether a service worker controls the page (it saw its navigation).
    pub fn controlled() -> bool {
        container().and_then(|c| c.controller()).is_some()
    }

    /// Asks the service worker to cache `url` (a page reached without a
    /// navigation it saw). Waits for the worker on a first visit.
    pub fn visited(url: &str) {
        let Some(container) = container() else { return };
        let Ok(ready) = container.ready() else { return };
        let url = url.to_string();
        leptos::task::spawn_local(async move {
            let Ok(reg) = JsFuture::from(ready).await else {
                return;
            };
            let reg: ServiceWorkerRegistration = reg.unchecked_into();
            if let Some(active) = reg.active() {
                let message = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&message, &"type".into(), &"visited".into());
                let _ = js_sys::Reflect::set(&message, &"url".into(), &url.into());
                let _ = active.post_message(&message);
            }
        });
    }

    /// Tells the waiting worker to take over; `controllerchange` reloads.
    pub fn activate_waiting() {
        let Some(container) = container() else { return };
        RELOAD_ASKED.with(|asked| asked.set(true));
        leptos::task::spawn_local(async move {
            let Ok(reg) = JsFuture::from(
                container
                    .ready()
                    .unwrap_or_else(|_| js_sys::Promise::resolve(&JsValue::NULL)),
            )
            .await
            else {
                return;
            };
            let reg: ServiceWorkerRegistration = reg.unchecked_into();
            match reg.waiting() {
                Some(waiting) => {
                    let _ = waiting.post_message(&"skip-waiting".into());
                }
                None => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                }
            }
        });
    }
}
