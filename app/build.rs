//! `sqlx::migrate!` embeds the migration files when the crate compiles, but Cargo does not
//! know that a new file in `migrations/` changes the crate. Naming the folders here makes any
//! added, removed or edited migration rebuild the server side, so a build never ships without
//! one. The browser build embeds no migrations, so it does not watch them.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_SSR").is_some() {
        println!("cargo:rerun-if-changed=../migrations/sqlite");
        println!("cargo:rerun-if-changed=../migrations/postgres");
    }
}
