#![recursion_limit = "256"]
//! The browser entry point: hydrates the server-rendered page into the live app.

use std::future::Future;

/// Called by the generated JS once the WASM module is loaded.
///
/// The page's own code may be in a lazily loaded part (app/src/routes/lazy.rs),
/// so it is fetched first and the page hydrated after: with the part at hand,
/// hydration runs through without waiting, as it did before the split. That
/// matters: while hydration waits, the app's other tasks (what is kept on the
/// device, the library copy, the queue) run and change what the page shows,
/// and the page no longer matches the server's HTML.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console help in development; release builds leave
    // the hook (and the formatting code it pulls in) out of the bundle.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let path = leptos::prelude::window()
            .location()
            .pathname()
            .unwrap_or_default();
        app::routes::lazy::preload(&path).await;
        let mut hydration = std::pin::pin!(leptos::mount::hydrate_from_async(
            leptos::prelude::document()
                .body()
                .expect("a page has a body"),
            app::App,
        ));
        let mut waited = false;
        let handle = std::future::poll_fn(|cx| {
            let poll = hydration.as_mut().poll(cx);
            waited |= poll.is_pending();
            poll
        })
        .await;
        handle.forget();
        // A page whose part was not loaded first would be hydrated late (see
        // above): tests run the debug build, where this stops the app.
        #[cfg(debug_assertions)]
        assert!(
            !waited,
            "hydrating {path} waited for a part of the bundle that lazy::preload did not load"
        );
        #[cfg(not(debug_assertions))]
        let _ = waited;
        app::mark_hydrated();
    });
}
