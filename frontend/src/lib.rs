#![recursion_limit = "512"]
//! The browser entry point: hydrates the server-rendered pages with the same `App` the
//! server rendered, so every page becomes live without a second render.

/// Called by the generated JavaScript once the wasm module has loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Speak the language the server rendered this page in (it wrote it into <html lang>), so
    // hydration finds the same text it would render.
    let lang = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("lang"));
    if let Some(locale) = lang.as_deref().and_then(|l| app::copy::Locale::parse(l).ok()) {
        app::copy::set_page_locale(locale);
    }
    // Lazy: the pages loaded on demand (specs/browser-bundle) hydrate once their chunk has
    // arrived, which only the asynchronous hydration can wait for.
    leptos::mount::hydrate_lazy(app::App);
}
