# Shared by Hoard's scripts: paths and the wasm toolchain choice.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The browser bundle is built in a target folder of its own, so the wasm
# toolchain (which may be Debian's rustc-web) never shares build state with
# the host toolchain that builds the server and runs the tests.
WASM_TARGET_DIR="$ROOT/target/wasm"
SITE_DIR="$ROOT/target/site"
WASM_TRIPLE=wasm32-unknown-unknown

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Whether rustup's own wasm32 target is installed.
have_rustup_wasm_target() {
  command -v rustup >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx "$WASM_TRIPLE"
}

# Whether Debian's rustc-web toolchain can build the wasm32 standard library from source.
have_debian_web_toolchain() {
  [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] &&
    /usr/bin/rustc --print target-list 2>/dev/null | grep -qx "$WASM_TRIPLE" &&
    command -v rust-lld >/dev/null 2>&1
}

# Whether rustup's toolchain has the standard library's source (for build-std).
have_rustup_rust_src() {
  rustup component list --installed 2>/dev/null | grep -q '^rust-src'
}

# Whether the wasm32 standard library can be compiled from source, which the
# release bundle does to build it for size.
can_build_wasm_std() {
  if have_rustup_wasm_target; then have_rustup_rust_src; else have_debian_web_toolchain; fi
}

# Runs cargo for the wasm32 target with whichever toolchain applies. With
# WASM_SIZE_STD=1 the standard library is compiled from source, optimised for size.
wasm_cargo() {
  local std_flags=(-Z build-std=std,panic_abort)
  if [ -n "${WASM_SIZE_STD:-}" ]; then std_flags+=(-Z build-std-features=optimize_for_size); fi
  if have_rustup_wasm_target; then
    if [ -n "${WASM_SIZE_STD:-}" ]; then
      # build-std is unstable; RUSTC_BOOTSTRAP lets the stable compiler accept it.
      RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo "$@" "${std_flags[@]}"
    else
      CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo "$@"
    fi
  elif have_debian_web_toolchain; then
    # rustup's shims come first on PATH; Debian's compiler must be the one
    # cargo finds. Its std for wasm32 is always built from source.
    env -u RUSTC -u RUSTUP_TOOLCHAIN -u RUSTC_WRAPPER PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 \
      CARGO_TARGET_DIR="$WASM_TARGET_DIR" /usr/bin/cargo "$@" "${std_flags[@]}"
  else
    die "no toolchain can build $WASM_TRIPLE: run scripts/setup first"
  fi
}

# The wasm-bindgen version Cargo.lock pins; the CLI must be exactly this one.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}
