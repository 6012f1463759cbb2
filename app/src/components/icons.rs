//! The app's icons, as inline SVG drawn on a 24-unit grid in the current
//! text colour. Emoji and symbol characters (⏮ 🔁 🔊 ▶) depend on a font
//! the device may not have, render as empty boxes where it lacks one, and look
//! different on every phone; these look the same everywhere and cost a few
//! bytes of static strings each.
//!
//! An icon is decoration (`aria-hidden`): the button that carries it names
//! itself with visually hidden text or an `aria-label`.

use leptos::prelude::*;

/// Every icon the app draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    Play,
    Pause,
    Previous,
    Next,
    Shuffle,
    Repeat,
    RepeatOne,
    Volume,
    Muted,
    Up,
    Down,
    Close,
    PlayNext,
    Keep,
    Smart,
    Library,
    Playlists,
    Device,
    More,
    ChevronUp,
    ChevronDown,
}

/// One stroke of an icon: its path, and whether it is filled (a shape) or
/// only stroked (a line).
struct Part(&'static str, bool);

impl Icon {
    fn parts(self) -> &'static [Part] {
        match self {
            Icon::Play => &[Part("M7.5 4.8v14.4L19 12z", true)],
            Icon::Pause => &[Part("M6.5 5h3v14h-3zM14.5 5h3v14h-3z", true)],
            Icon::Previous => &[Part("M6 5v14", false), Part("M18 5.5v13L8.5 12z", true)],
            Icon::Next => &[Part("M18 5v14", false), Part("M6 5.5v13l9.5-6.5z", true)],
            Icon::Shuffle => &[Part(
                "M3 7h3c2.2 0 3.4 1.1 4.6 3l2.8 4c1.2 1.9 2.4 3 4.6 3h3M18 14l3 3-3 3M3 17h3c1.4 0 2.4-.5 3.2-1.3M14.8 8.3C15.6 7.5 16.6 7 18 7h3M18 4l3 3-3 3",
                false,
            )],
            Icon::Repeat => &[Part(
                "M17 3l3 3-3 3M4 12v-1a5 5 0 0 1 5-5h11M7 21l-3-3 3-3M20 12v1a5 5 0 0 1-5 5H4",
                false,
            )],
            Icon::RepeatOne => &[Part(
                "M17 3l3 3-3 3M4 12v-1a5 5 0 0 1 5-5h11M7 21l-3-3 3-3M20 12v1a5 5 0 0 1-5 5H4M11 10.5l1.5-1v5",
                false,
            )],
            Icon::Volume => &[
                Part("M4 9.5v5h3.5l4.5 4v-13l-4.5 4z", true),
                Part("M15.5 9a4 4 0 0 1 0 6M18 6.5a7.5 7.5 0 0 1 0 11", false),
            ],
            Icon::Muted => &[
                Part("M4 9.5v5h3.5l4.5 4v-13l-4.5 4z", true),
                Part("M16 9.5l5 5M21 9.5l-5 5", false),
            ],
            Icon::Up => &[Part("M12 19V5M6 11l6-6 6 6", false)],
            Icon::Down => &[Part("M12 5v14M6 13l6 6 6-6", false)],
            Icon::Close => &[Part("M6 6l12 12M18 6L6 18", false)],
            Icon::PlayNext => &[
                Part("M4 6h13M4 11h13M4 16h6", false),
                Part("M14 14v6l5-3z", true),
            ],
            Icon::Keep => &[Part("M12 4v11M7 10l5 5 5-5M5 20h14", false)],
            Icon::Smart => &[Part(
                "M12 3l2 6.5 6.5 2.5-6.5 2.5L12 21l-2-6.5L3.5 12 10 9.5z",
                true,
            )],
            Icon::Library => &[
                Part("M9 18V5l11-2v13", false),
                Part("M6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM17 19a3 3 0 1 0 0-6 3 3 0 0 0 0 6z", true),
            ],
            Icon::Playlists => &[
                Part("M3 6h12M3 11h12M3 16h8", false),
                Part("M16 20a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z", true),
                Part("M18.5 17.5V6l3-1", false),
            ],
            Icon::Device => &[
                Part("M8 2.5h8a2 2 0 0 1 2 2v15a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2v-15a2 2 0 0 1 2-2z", false),
                Part("M11 18h2", false),
            ],
            Icon::More => &[Part(
                "M5 10.3a1.7 1.7 0 1 0 0 3.4 1.7 1.7 0 0 0 0-3.4zM12 10.3a1.7 1.7 0 1 0 0 3.4 1.7 1.7 0 0 0 0-3.4zM19 10.3a1.7 1.7 0 1 0 0 3.4 1.7 1.7 0 0 0 0-3.4z",
                true,
            )],
            Icon::ChevronUp => &[Part("M6 15l6-6 6 6", false)],
            Icon::ChevronDown => &[Part("M6 9l6 6 6-6", false)],
        }
    }
}

/// An icon, sized by the `svg.i` rule of the stylesheet (1.25em).
#[component]
pub fn Svg(icon: Icon) -> impl IntoView {
    view! {
        <svg class="i" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            {icon.parts().iter().map(|Part(d, filled)| {
                view! { <path d=*d class:fill=*filled/> }
            }).collect_view()}
        </svg>
    }
}
