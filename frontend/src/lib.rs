#![recursion_limit = "512"]
//! The browser entry point: hydrates the server-rendered pages with the same `App` the
//! server rendered, so every page becomes live without a second render.

/// Called by the generated JavaScript once the wasm module has loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
