//! The run machinery: the [`lifecycle`] service (the one owner of every status and outcome
//! write), the [`worker`] runtime that claims and executes runs, the [`reconciler`] that
//! decides abandoned runs, [`retention`] that deletes expired history, the demo
//! [`provider`] that stands in for the customer's cloud, and the handlers of each run type
//! in [`run_types`].

pub mod lifecycle;
pub mod provider;
pub mod reconciler;
pub mod retention;
pub mod run_types;
pub mod webhooks;
pub mod worker;
