//! Pieces of UI used by more than one view.

pub mod export;
pub mod format;
pub mod icons;
pub mod keep;
pub mod live;
pub mod marks;
pub mod pager;
pub mod player;
pub mod pwa;
pub mod tabs;
pub mod track_table;
pub mod watchdog;

use leptos::prelude::*;

use crate::error::AppError;

/// Shows a failed load as a message the user can act on.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    if error == AppError::NotFound {
        crate::set_not_found_status();
    }
    view! {
        <section class="notice error" role="alert">
            <p>{error.to_string()}</p>
        </section>
    }
}

/// What an empty list says instead of rows.
#[component]
pub fn Empty(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="empty">
            <h2>{title}</h2>
            <p>{children()}</p>
        </section>
    }
}

/// What an action did, or why it did not (read out as an alert).
#[component]
pub fn Outcome(
    result: Result<String, String>,
    /// The `data-testid` of the line, for browser tests.
    #[prop(optional)]
    testid: &'static str,
) -> impl IntoView {
    match result {
        Ok(text) => {
            view! { <p class="notice" role="status" data-testid=testid>{text}</p> }.into_any()
        }
        Err(text) => {
            view! { <p class="notice error" role="alert" data-testid=testid>{text}</p> }.into_any()
        }
    }
}
