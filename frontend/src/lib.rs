#![recursion_limit = "256"]
//! The browser entry point: hydrates the server-rendered page into the live app.

/// Called by the generated JS once the WASM module is loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console help in development; release builds leave
    // the hook (and the formatting code it pulls in) out of the bundle.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
