//! Parts of the bundle that load in the background, after the page is live:
//! keeping, removing and following kept lists, the library copy's updater,
//! the Spotify renewal notice and the queue panel.
//!
//! Each is split off as `#[leptos::lazy]` splits a function off (wasm-split,
//! see scripts/build-site), but with wasm-split's `fallible` option, which
//! `#[leptos::lazy]` does not pass: a part that cannot be loaded (the network
//! went before the service worker had it, or the page is leaving and the
//! browser aborted the download) is an `Err` its caller handles, where
//! `#[leptos::lazy]` panics and stops the whole app. A later call tries to
//! load it again.

/// Why a part could not be loaded.
pub type Missing = leptos::wasm_split::SplitLoaderError;

/// What a caller says when a part the listener asked for could not be loaded.
pub const MISSING: &str =
    "This part of Hoard could not be loaded (is the network down?). Try again.";

/// `$vis async fn $name($args) -> Result<$out, Missing>`: runs `$body` (an
/// async fn taking the same arguments) in the part `$part`, loading the part
/// first if it is not loaded yet. The body's code goes into the part, as
/// nothing else calls it.
macro_rules! lazy_part {
    ($part:ident: $(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty = $body:path) => {
        $(#[$attr])*
        #[cfg(feature = "hydrate")]
        #[::leptos::wasm_split::wasm_split(
            $part,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            return_wrapper(let task = _; { Ok(task.await) } -> ::core::result::Result<$out, $crate::parts::Missing>)
        )]
        $vis fn $name($($arg: $ty),*) -> ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = $out> + Send + Sync>> {
            ::std::boxed::Box::pin(::send_wrapper::SendWrapper::new($body($($arg),*)))
        }
        // On the server there is one binary: the body, called directly.
        $(#[$attr])*
        #[cfg(not(feature = "hydrate"))]
        $vis async fn $name($($arg: $ty),*) -> ::core::result::Result<$out, $crate::parts::Missing> {
            Ok($body($($arg),*).await)
        }
    };
}
pub(crate) use lazy_part;
