//! The handlers of the built-in run types, the business records each one writes, and the
//! reconciliation adapters that read those records back.

pub mod baselines;
pub mod inventory;
pub mod packs;
pub mod restore;
pub mod reviews;
