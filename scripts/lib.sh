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

# Whether the wasm32 standard library is built from source (Debian's toolchain).
wasm_builds_std() {
  ! have_rustup_wasm_target && have_debian_web_toolchain
}

# Runs cargo for the wasm32 target with whichever toolchain applies.
wasm_cargo() {
  if have_rustup_wasm_target; then
    CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo "$@"
  elif have_debian_web_toolchain; then
    # rustup's shims come first on PATH; Debian's compiler must be the one
    # cargo finds. build-std is unstable, hence RUSTC_BOOTSTRAP.
    env -u RUSTC -u RUSTUP_TOOLCHAIN -u RUSTC_WRAPPER PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 \
      CARGO_TARGET_DIR="$WASM_TARGET_DIR" /usr/bin/cargo "$@" -Z build-std=std,panic_abort
  else
    die "no toolchain can build $WASM_TRIPLE: run scripts/setup first"
  fi
}

# The wasm-bindgen version Cargo.lock pins; the CLI must be exactly this one.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}
