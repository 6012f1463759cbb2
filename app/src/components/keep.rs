//! "Keep on this device" for a list, its progress, and the status line that
//! reports how a keep or a removal went.

use leptos::prelude::*;

use crate::device::{keep, remove, size, use_device, KeepRequest};

/// Keeps `request` on the device, or removes it once kept.
#[component]
pub fn KeepButton(request: KeepRequest) -> impl IntoView {
    let device = use_device();
    let key = request.key.clone();
    let kept = {
        let key = key.clone();
        move || device.is_kept(&key)
    };
    let busy = move || device.progress.with(Option::is_some);
    let on_click = {
        let kept = kept.clone();
        move |_| {
            if kept() {
                remove(device, key.clone());
            } else {
                keep(device, request.clone());
            }
        }
    };
    let label = {
        let kept = kept.clone();
        move || {
            if kept() {
                "Remove from this device"
            } else {
                "Keep on this device"
            }
        }
    };
    // Rendered from the start, hidden until the device's store is open, so
    // nothing moves when it appears.
    view! {
        <button type="button" class="keep needs-server" data-testid="keep"
            class:pending=move || !device.available.get()
            aria-pressed=move || kept().to_string()
            disabled=busy on:click=on_click>
            {label}
        </button>
    }
}

/// The progress of a keep and the outcome of the last one, for every page.
#[component]
pub fn DeviceStatus() -> impl IntoView {
    let device = use_device();
    view! {
        <div class="device-status" role="status" aria-live="polite" data-testid="device-status">
            {move || device.progress.get().map(|p| view! {
                <span>{format!("Keeping “{}” on this device: {} of {} tracks", p.name, p.done, p.total)}</span>
                <progress max=p.total.max(1) value=p.done></progress>
            })}
            {move || device.message.get().map(|m| view! {
                <span class="device-message">{m}</span>
                <button type="button" class="icon" title="Dismiss" on:click=move |_| device.message.set(None)>
                    <super::icons::Svg icon=super::icons::Icon::Close/><span class="visually-hidden">"Dismiss"</span>
                </button>
            })}
        </div>
    }
}

/// Space used on the device, for the device view.
pub fn usage_line(bytes: f64, tracks: usize) -> String {
    format!(
        "{tracks} {} on this device, {} of audio",
        if tracks == 1 { "track" } else { "tracks" },
        size(bytes)
    )
}
