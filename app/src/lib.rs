#![recursion_limit = "256"]
//! Hoard's web app: the HTML shell, the router and every view.
//!
//! The same code renders on the server (`ssr` feature) and hydrates in the
//! browser (`hydrate` feature). Each view lives in `routes/` beside the server
//! functions that feed it; reusable pieces live in `components/`. Server
//! function bodies stay thin: they take the [`state::ServerState`] from
//! context and call the vault.

pub mod codec;
pub mod components;
pub mod device;
pub mod error;
pub mod library_copy;
mod parts;
pub mod routes;
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use components::watchdog::Watchdog;
use leptos_router::Lazy;
use routes::{lazy, library};

/// The name of an unhashed bundle (`pkg/hoard.js`, `pkg/hoard_bg.wasm`,
/// `pkg/hoard.css`). scripts/build-site writes hashed names instead
/// (`hoard-HASH.js`, …) and the stem in `bundle.txt`; see [`bundle_name`].
pub const OUTPUT_NAME: &str = "hoard";

/// The stem of the bundle's file names in `site_dir`: what `bundle.txt`
/// says, or [`OUTPUT_NAME`] for a site built without hashed names.
#[cfg(feature = "ssr")]
pub fn bundle_name(site_dir: &std::path::Path) -> String {
    std::fs::read_to_string(site_dir.join("bundle.txt"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .unwrap_or_else(|| OUTPUT_NAME.to_owned())
}

/// The address of the bundle's stylesheet.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
}

/// Marks the moment the page is live, once the whole page (its lazily loaded
/// part too) is hydrated: benchmarks and tests read
/// `performance.getEntriesByName("hoard-hydrated")`.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated() {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark("hoard-hydrated");
    }
}

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // The same on every page: plain tags here, so the browser
                // bundle carries no code for them (leptos_meta's <Meta> and
                // <Link> are components that hydrate).
                <meta name="description" content="Hoard: your music vault"/>
                <meta name="theme-color" content="#14161a"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <link rel="stylesheet" href=stylesheet_href(&options)/>
                <StartScript options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Starts the app in the browser once the server's page has painted (in
/// place of Leptos's `HydrationScripts`, which preloads the main module from
/// the head).
///
/// The bundle's downloads (the main module and its script, the split loader,
/// and for a lazily loaded page opened directly the files of its part, see
/// [`routes::lazy::part_files`]) start once the browser reports the first
/// contentful paint (or after a second at the latest), all at once,
/// rather than share a slow connection with the page and its stylesheet
/// while the page is still blank: the page shows sooner, and becomes live a
/// frame later than it would. The main module is compiled as it streams in.
///
/// Until the page is live its buttons do nothing (the server's HTML has no
/// handlers, and a `type="button"` has no action of its own): a tap on one
/// meanwhile is kept and played back on the same button once the page is
/// hydrated, so "Play" pressed while a page is still starting (offline, on a
/// slow phone) plays. Links and forms work before then as they are.
#[component]
fn StartScript(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    let hashed = options.output_name.as_ref() != OUTPUT_NAME;
    // The split loader: the main script imports it.
    let scripts: Vec<String> = if hashed {
        vec![format!("{pkg}-split.js")]
    } else {
        Vec::new()
    };
    #[cfg(feature = "ssr")]
    let parts: Vec<String> = {
        let path = use_context::<http::request::Parts>()
            .map(|parts| parts.uri.path().to_owned())
            .unwrap_or_default();
        lazy::part_files(&options.site_root, &path)
            .into_iter()
            .map(|file| format!("/{}/{file}", options.site_pkg_dir))
            .collect()
    };
    #[cfg(not(feature = "ssr"))]
    let parts: Vec<String> = Vec::new();
    let list = |urls: &[String]| serde_json::to_string(urls).unwrap_or_else(|_| "[]".into());
    let script = format!(
        r#"(() => {{
  const link = (attributes) => document.head.append(Object.assign(document.createElement('link'), {{ crossOrigin: 'anonymous', ...attributes }}));
  const start = () => {{
    for (const href of {scripts}) link({{ rel: 'modulepreload', href }});
    for (const href of {parts}) link({{ rel: 'preload', as: 'fetch', href }});
    const wasm = fetch('{pkg}_bg.wasm');
    import('{pkg}.js').then((app) => app.default({{ module_or_path: wasm }}).then(() => app.hydrate()));
  }};
  let started = false;
  const once = () => {{ if (!started) {{ started = true; start(); }} }};
  if (document.visibilityState !== 'visible') once();
  new PerformanceObserver((paints) => {{
    if (paints.getEntriesByName('first-contentful-paint').length) setTimeout(once, 0);
  }}).observe({{ type: 'paint', buffered: true }});
  // A page that reports no paint (an empty one) starts all the same.
  setTimeout(once, 1000);
  // A tap on a button before the page is live (a button with no action of
  // its own until then) is played back once it is.
  const early = [];
  const live = () => performance.getEntriesByName('hoard-hydrated').length > 0;
  const hold = (e) => {{
    const b = !live() && e.target.closest && e.target.closest('button[type=button]');
    if (b) early.push(b);
  }};
  document.addEventListener('click', hold, true);
  new PerformanceObserver((marks, watch) => {{
    if (!live()) return;
    watch.disconnect();
    document.removeEventListener('click', hold, true);
    for (const b of early) {{
      const label = b.getAttribute('aria-label');
      const now = b.isConnected ? b : label && document.querySelector(`button[aria-label="${{CSS.escape(label)}}"]`);
      if (now && !now.disabled) now.click();
    }}
  }}).observe({{ type: 'mark', buffered: true }});
}})();"#,
        scripts = list(&scripts),
        parts = list(&parts),
    );
    let nonce = leptos::nonce::use_nonce();
    view! { <script type="module" nonce=nonce>{script}</script> }
}

/// The app: layout, navigation and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::live::provide_live_downloads();
    device::provide_device();
    library_copy::provide_library_copy();
    components::player::provide_player();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Hoard".to_string() } else { format!("{page} · Hoard") }/>
        <Router>
            <a class="skip" href="#main">"Skip to content"</a>
            <header class="top">
                <a href="/" class="brand">"Hoard"</a>
                // Wide screens: every section in the header. Phones: a tab
                // bar at the bottom with the four places a listener goes
                // most, and the rest under "More". One of the two is shown.
                <nav aria-label="Main" class="sections">
                    <A href="/" exact=true>"Library"</A>
                    <A href="/playlists">"Playlists"</A>
                    <A href="/smart">"Smart"</A>
                    <A href="/device">"On device"</A>
                    <A href="/artists">"Artists"</A>
                    <A href="/downloads">"Downloads"</A>
                    <A href="/history">"History"</A>
                    <A href="/stats">"Stats"</A>
                    <A href="/settings">"Settings"</A>
                </nav>
                <components::tabs::TabBar/>
            </header>
            <Watchdog/>
            <routes::spotify::RenewalBanner/>
            <components::pwa::UpdateNotice/>
            <components::keep::DeviceStatus/>
            <main id="main" tabindex="-1">
                // Lists stream in order; a single item's page renders whole before
                // it is sent, so a missing one can answer 404.
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=library::LibraryPage ssr=SsrMode::InOrder/>
                    <Route path=path!("/playlists") view={Lazy::<lazy::Playlists>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/playlists/:id") view={Lazy::<lazy::Playlist>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/smart") view={Lazy::<lazy::SmartList>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/smart/:id") view={Lazy::<lazy::Smart>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tracks/:id") view={Lazy::<lazy::Track>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tags") view={Lazy::<lazy::Tags>::new()}/>
                    <Route path=path!("/albums/:id") view={Lazy::<lazy::Album>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/artists") view={Lazy::<lazy::Artists>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/import") view={Lazy::<lazy::Import>::new()}/>
                    <Route path=path!("/artists/:id") view={Lazy::<lazy::Artist>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/device") view={Lazy::<lazy::Device>::new()}/>
                    <Route path=path!("/downloads") view={Lazy::<lazy::Downloads>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/history") view={Lazy::<lazy::History>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/stats") view={Lazy::<lazy::Stats>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/stats/review/:year") view={Lazy::<lazy::Review>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view={Lazy::<lazy::Settings>::new()} ssr=SsrMode::InOrder/>
                </Routes>
            </main>
            <components::player::PlayerBar/>
        </Router>
    }
}

/// Answers the current request with 404 (on the server; nothing in the browser).
pub fn set_not_found_status() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}

#[component]
fn NotFound() -> impl IntoView {
    set_not_found_status();
    view! {
        <Title text="Not found"/>
        <section class="empty">
            <h1>"Nothing here"</h1>
            <p>"This address is not part of Hoard. " <A href="/">"Back to your library"</A></p>
        </section>
    }
}
