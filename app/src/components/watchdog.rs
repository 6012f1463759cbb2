//! The connection watchdog: polls the server's health endpoint from the
//! browser and shows a banner while the server cannot be reached.

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
    leptos::task::spawn_local(async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(INTERVAL_MS).await;
            let ok = server_answers().await;
            if reachable.get_untracked() != ok {
                reachable.set(ok);
            }
        }
    });

    view! {
        <Show when=move || !reachable.get()>
            <div class="banner" role="alert" data-testid="watchdog">
                <strong>"Can't reach the Hoard server."</strong>
                " Showing what this page already has; Hoard keeps trying and this goes away once the server answers."
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
        Ok(response) => response.ok(),
        Err(_) => false,
    }
}
