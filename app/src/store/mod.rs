//! The store: the database and what is read from and written to it. One pool for either
//! database (SQLite by default, PostgreSQL for several instances), the migrations, and the
//! queries with the row structs they return. See `specs/architecture` for what may call it.

pub mod accounts;
pub mod baselines;
pub mod db;
pub mod demo;
pub mod inventory;
pub mod notifications;
pub mod packs;
pub mod people;
pub mod provider;
pub mod restores;
pub mod retention;
pub mod reviews;
pub mod run_writes;
pub mod runs;
pub mod sessions;
pub mod sweeps;
pub mod tokens;
pub mod webhooks;
pub mod workbench;
pub mod workspace_types;
pub mod workspaces;

pub use db::{Backend, Db, DbOptions};
