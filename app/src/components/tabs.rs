//! The tab bar of phones: Library, Playlists, Smart and On device at the
//! bottom of the screen, in thumb's reach, and the other sections under
//! "More". On wider screens the header's navigation shows every section
//! and this bar is hidden (the stylesheet shows one of the two, so each is
//! the page's one "Main" navigation where it shows).

use leptos::prelude::*;
use leptos_router::components::A;

use super::icons::{Icon, Svg};

/// The phone's bottom navigation.
#[component]
pub fn TabBar() -> impl IntoView {
    let more = RwSignal::new(false);
    let close = move |_| more.set(false);
    view! {
        <nav aria-label="Main" class="tabbar">
            <A href="/" exact=true on:click=close><Svg icon=Icon::Library/><span>"Library"</span></A>
            <A href="/playlists" on:click=close><Svg icon=Icon::Playlists/><span>"Playlists"</span></A>
            <A href="/smart" on:click=close><Svg icon=Icon::Smart/><span>"Smart"</span></A>
            <A href="/device" on:click=close><Svg icon=Icon::Device/><span>"On device"</span></A>
            <div class="more">
                <button type="button" aria-expanded=move || more.get().to_string() aria-controls="more-sections"
                    on:click=move |_| more.update(|m| *m = !*m)>
                    <Svg icon=Icon::More/><span>"More"</span>
                </button>
                <div id="more-sections" class="more-menu" hidden=move || !more.get()>
                    <A href="/artists" on:click=close>"Artists"</A>
                    <A href="/downloads" on:click=close>"Downloads"</A>
                    <A href="/history" on:click=close>"History"</A>
                    <A href="/stats" on:click=close>"Stats"</A>
                    <A href="/settings" on:click=close>"Settings"</A>
                </div>
            </div>
        </nav>
    }
}
