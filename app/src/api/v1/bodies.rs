//! The request bodies of the runs API as its reference (specs/runs-api) describes them.
//!
//! The parsers in [`super`] read request bodies field by field, so a refusal can name the
//! field; these structs describe those bodies for the reference and are never parsed into.
//! The tests below hold each to its parser: the same fields, and its example accepted.

use super::schema::{
    ClaimTypes, CompositeBody, DedupeKey, FailureBody, Phases, ReportedCounts, TypeKey, TypeProgressMode, WorkerName,
};
use super::{Labels, Windows};
use crate::domain::status::RunOutcome;
use utoipa::ToSchema;

/// The body of `POST /api/v1/runs`.
#[derive(Debug, ToSchema)]
#[schema(examples(json!({"type": "inventory.sync", "tenant_id": 3, "dedupe_key": "nightly-42"})))]
pub struct StartBody {
    /// The run type's key: one of Opshub's own types, or a type of the workspace to queue for
    /// its workers to claim.
    #[schema(rename = "type")]
    pub run_type: String,
    /// The tenant's id (a number, or a string of one).
    pub tenant_id: i64,
    /// Your idempotency key: a start with the key of an active run answers that run.
    #[schema(value_type = Option<DedupeKey>)]
    pub dedupe_key: Option<String>,
    /// The baseline snapshot a comparison or a restore uses (those types need one).
    pub snapshot: Option<i64>,
    /// The review a review pack exports (that type needs one).
    pub review: Option<i64>,
    /// Confirms work that changes a tenant's configuration (no token may start a restore).
    pub confirm: Option<bool>,
}

/// The body of `POST /api/v1/runs/report`.
#[derive(Debug, ToSchema)]
#[schema(examples(json!({"type": "backup.snapshot", "tenant_id": 1, "worker": "host-1", "dedupe_key": "night-7"})))]
pub struct ReportBody {
    /// The key of a type the workspace registered.
    #[schema(rename = "type", value_type = TypeKey)]
    pub run_type: String,
    /// The tenant's id (a number, or a string of one).
    pub tenant_id: i64,
    /// The worker that runs it; only this worker of this token may report on the run.
    #[schema(value_type = WorkerName)]
    pub worker: String,
    /// Your idempotency key: a report with the key of an active run answers that run.
    #[schema(value_type = Option<DedupeKey>)]
    pub dedupe_key: Option<String>,
}

/// The body of `POST /api/v1/runs/claim`.
#[derive(Debug, ToSchema)]
#[schema(examples(json!({"types": ["backup.snapshot"], "worker": "host-1"})))]
pub struct ClaimBody {
    /// The workspace types this worker works, each registered.
    #[schema(value_type = ClaimTypes)]
    pub types: Vec<String>,
    /// The worker that takes the run.
    #[schema(value_type = WorkerName)]
    pub worker: String,
}

/// The body of `POST /api/v1/runs/{id}/heartbeat`.
#[derive(Debug, ToSchema)]
#[schema(examples(json!({"worker": "host-1"})))]
pub struct HeartbeatBody {
    /// The worker holding the run.
    #[schema(value_type = WorkerName)]
    pub worker: String,
}

/// The body of `POST /api/v1/runs/{id}/progress`: any of `counts`, `phase` and `composite`,
/// as the run's type shows progress. Each is checked against the type before anything is
/// stored; a report that does not fit is refused naming its field.
#[derive(Debug, ToSchema)]
#[schema(examples(json!({"worker": "host-1", "counts": {"total": 10, "processed": 4}})))]
pub struct ProgressBody {
    /// The worker holding the run.
    #[schema(value_type = WorkerName)]
    pub worker: String,
    /// Counts to merge into what the run recorded.
    #[schema(value_type = Option<ReportedCounts>)]
    pub counts: Option<std::collections::BTreeMap<String, u64>>,
    /// The phase it is in now: one of its phased type's phases.
    pub phase: Option<String>,
    /// Sources ready and failed of the sources it aggregates (composite types).
    pub composite: Option<CompositeBody>,
}

/// The body of `POST /api/v1/runs/{id}/complete`.
#[derive(Debug, ToSchema)]
#[schema(examples(json!({"worker": "host-1", "outcome": "failed", "counts": {"processed": 9},
    "failure": {"code": "disk.full", "message": "The backup disk is full."}})))]
pub struct CompleteBody {
    /// The worker holding the run.
    #[schema(value_type = WorkerName)]
    pub worker: String,
    /// How it ended.
    #[schema(value_type = RunOutcome)]
    pub outcome: String,
    /// Final counts to merge into what the run recorded.
    #[schema(value_type = Option<ReportedCounts>)]
    pub counts: Option<std::collections::BTreeMap<String, u64>>,
    /// Why it did not succeed: required when it failed or was blocked, refused when it
    /// succeeded.
    pub failure: Option<FailureBody>,
}

/// The body of `PUT /api/v1/run-types/{key}`.
#[derive(Debug, ToSchema)]
#[schema(examples(json!({"label": {"en": "Backup snapshot", "de": "Sicherungs-Snapshot"}, "progress_mode": "counted",
    "windows": {"queue_wait_secs": 60, "expected_secs": 600, "stale_after_secs": 1800, "heartbeat_timeout_secs": 120}})))]
pub struct RunTypeBody {
    /// Its name per language.
    pub label: Labels,
    /// How its runs show progress.
    #[schema(value_type = TypeProgressMode)]
    pub progress_mode: String,
    /// Its phases, in order: 1–20 exactly when it is phased.
    #[schema(value_type = Option<Phases>)]
    pub phases: Option<Vec<String>>,
    /// Its lifecycle windows.
    pub windows: Windows,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::refusal::Invalid;
    use serde_json::{Value, json};
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{Object, Schema};

    /// The object behind `T`'s schema.
    fn object<T: ToSchema>() -> Object {
        match T::schema() {
            RefOr::T(Schema::Object(o)) => o,
            _ => panic!("{} is not an object schema", T::name()),
        }
    }

    /// `T`'s properties and its one example.
    fn described<T: ToSchema>() -> (Vec<String>, Value) {
        let o = object::<T>();
        let mut fields: Vec<String> = o.properties.keys().cloned().collect();
        fields.sort();
        let [example] = <[Value; 1]>::try_from(o.examples).unwrap_or_else(|_| panic!("{} has one example", T::name()));
        (fields, example)
    }

    /// `fields` as sorted owned names.
    fn sorted(fields: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn each_described_body_has_the_fields_its_parser_reads_and_an_example_it_accepts() {
        let (fields, example) = described::<StartBody>();
        assert_eq!(fields, sorted(&super::super::StartRequest::FIELDS));
        super::super::StartRequest::from_json(&example).unwrap();

        let (fields, example) = described::<ReportBody>();
        assert_eq!(fields, sorted(&super::super::REPORT_FIELDS));
        super::super::report_request(&example).unwrap();

        let (fields, example) = described::<ClaimBody>();
        assert_eq!(fields, sorted(&super::super::CLAIM_FIELDS));
        super::super::claim_request(&example).unwrap();

        let (fields, example) = described::<HeartbeatBody>();
        assert_eq!(fields, sorted(&super::super::HEARTBEAT_FIELDS));
        super::super::heartbeat_request(&example).unwrap();

        let (fields, example) = described::<ProgressBody>();
        assert_eq!(fields, sorted(&super::super::PROGRESS_FIELDS));
        super::super::progress_request(&example).unwrap();
        let composite: Vec<String> = object::<CompositeBody>().properties.keys().cloned().collect();
        assert_eq!(composite, sorted(&super::super::COMPOSITE_FIELDS));

        let (fields, example) = described::<CompleteBody>();
        assert_eq!(fields, sorted(&super::super::COMPLETE_FIELDS));
        super::super::CompleteRequest::from_json(&example).unwrap();
        let failure: Vec<String> = object::<FailureBody>().properties.keys().cloned().collect();
        assert_eq!(failure, sorted(&super::super::FAILURE_FIELDS));

        let (fields, example) = described::<RunTypeBody>();
        assert_eq!(fields, sorted(&super::super::TYPE_FIELDS));
        super::super::type_request("backup.snapshot", &example).unwrap();
    }

    #[test]
    fn a_described_example_that_the_parser_refuses_would_be_caught() {
        // The check above is only worth its name if a body the parser refuses fails it.
        let mut example = described::<ReportBody>().1;
        example["tenant"] = json!(1);
        assert_eq!(super::super::report_request(&example).unwrap_err(), Invalid::Field("tenant".into()));
    }
}
