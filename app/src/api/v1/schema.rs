//! The named values of the runs API's reference (specs/runs-api): the domain's spellings
//! (statuses, outcomes, freshness, problem classes, progress) and the checked values the API
//! reads (worker names, type keys, failure codes …), each a shape of its own in the OpenAPI
//! document. Every list of spellings and every limit is taken from the domain's own lists and
//! constants, so the reference cannot offer a value the API refuses, nor miss one it shows.

use super::Problem;
use crate::domain::progress::ProgressMode;
use crate::domain::report::{MAX_CODE_CHARS, MAX_MESSAGE_CHARS, MAX_WORKER_CHARS};
use crate::domain::status::{RunOutcome, RunStatus};
use crate::domain::summary::SummaryKey;
use crate::domain::workspace_type::{MAX_KEY_CHARS, MAX_LABEL_CHARS, MAX_PHASE_CHARS, MAX_PHASES};
use crate::domain::{Freshness, ProblemClass, Progress};
use crate::services::operations::MAX_DEDUPE_KEY_CHARS;
use crate::services::reported::MAX_CLAIM_TYPES;
use utoipa::openapi::schema::{
    AdditionalProperties, Array, ArrayBuilder, Object, ObjectBuilder, OneOfBuilder, Schema, Type,
};
use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

/// A string that is one of `values`.
fn spellings(values: impl IntoIterator<Item = &'static str>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

/// A string of `min..=max` characters matching `pattern`, if one is given.
fn text(min: usize, max: usize, pattern: Option<&str>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).min_length(Some(min)).max_length(Some(max)).pattern(pattern).build()
}

/// A whole number of at least `min`.
fn whole(min: u64) -> Object {
    let int64 = SchemaFormat::KnownFormat(KnownFormat::Int64);
    ObjectBuilder::new().schema_type(Type::Integer).format(Some(int64)).minimum(Some(min)).build()
}

/// An object of whole numbers under the keys `keys`.
fn counts_of(keys: impl IntoIterator<Item = &'static str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(spellings(keys)))
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::Object(whole(0))))))
        .build()
}

/// A list of `items`, at least `min` and at most `max` of them.
fn list(items: Object, min: Option<usize>, max: usize) -> Array {
    ArrayBuilder::new().items(RefOr::T(Schema::Object(items))).min_items(min).max_items(Some(max)).build()
}

/// `schema` described by `doc`, the lines of a doc comment.
fn described(schema: Schema, doc: &str) -> RefOr<Schema> {
    let text = doc.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    let text = Some(text);
    RefOr::T(match schema {
        Schema::Object(mut o) => {
            o.description = text;
            Schema::Object(o)
        }
        Schema::Array(mut a) => {
            a.description = text;
            Schema::Array(a)
        }
        Schema::OneOf(mut o) => {
            o.description = text;
            Schema::OneOf(o)
        }
        other => other,
    })
}

/// Declares a value the reference names as a shape of its own: a type that exists only to be
/// referred to (`#[schema(value_type = …)]`), whose schema is `$schema`, described by its doc
/// comment.
macro_rules! value {
    ($(#[doc = $doc:literal])+ $name:ident => $schema:expr) => {
        $(#[doc = $doc])+
        #[derive(Debug)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                described(Schema::from($schema), concat!($($doc, "\n"),+))
            }
        }

        impl ToSchema for $name {}
    };
}

value! {
    /// The name a platform's worker works under. A run it holds can be reported on by this
    /// worker of this token only.
    WorkerName => text(1, MAX_WORKER_CHARS, Some("^[A-Za-z0-9._:-]+$"))
}

value! {
    /// Your idempotency key: a start or report with the key of an active run of the same
    /// tenant and type answers that run instead of writing another.
    DedupeKey => text(1, MAX_DEDUPE_KEY_CHARS, None)
}

value! {
    /// The key of a type the workspace registered: lowercase letters, digits, `.`, `_` and
    /// `-`, starting with a letter, never one of Opshub's own types.
    TypeKey => text(3, MAX_KEY_CHARS, Some("^[a-z][a-z0-9._-]*$"))
}

value! {
    /// The workspace types a worker works, each registered.
    ClaimTypes => list(text(3, MAX_KEY_CHARS, Some("^[a-z][a-z0-9._-]*$")), Some(1), MAX_CLAIM_TYPES)
}

value! {
    /// A stable code of why a run did not succeed, for your own records.
    FailureCode => text(1, MAX_CODE_CHARS, Some("^[a-z0-9._-]+$"))
}

value! {
    /// A sentence operators may read about why a run did not succeed, shown as written: no
    /// control characters, not starting with `{`.
    FailureMessage => text(1, MAX_MESSAGE_CHARS, None)
}

value! {
    /// A name in one language.
    Label => text(1, MAX_LABEL_CHARS, None)
}

value! {
    /// A phased type's phases, in order: 1–20 exactly when it is phased, none otherwise.
    Phases => list(text(1, MAX_PHASE_CHARS, None), None, MAX_PHASES)
}

value! {
    /// A lifecycle window in seconds, at least one.
    Window => whole(1)
}

value! {
    /// Counts by key, as the run recorded them; none when they would contradict each other.
    Counts => counts_of(SummaryKey::ALL.map(SummaryKey::as_str))
}

value! {
    /// Counts by key, merged into what the run recorded: the five every workspace type may
    /// write. `processed` may not exceed `total`.
    ReportedCounts => counts_of(SummaryKey::ALL.into_iter().filter(|k| k.is_common()).map(SummaryKey::as_str))
}

value! {
    /// How a workspace type's runs show progress (a running run always shows something).
    TypeProgressMode => spellings(ProgressMode::ALL.into_iter().filter(|m| *m != ProgressMode::None).map(ProgressMode::as_str))
}

value! {
    /// A stable spelling of the kind of refusal, to branch on.
    ProblemCode => spellings(Problem::CODES)
}

value! {
    /// Always `about:blank`: the status says what kind of problem it is.
    ProblemType => spellings(["about:blank"])
}

/// A domain value as a named shape: its spellings, from the domain's own list, described by
/// `$doc`. (The shape's name is the type's, `ToSchema`'s default.)
macro_rules! domain_value {
    ($ty:ident, $doc:literal) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                described(Schema::Object(spellings($ty::ALL.map($ty::as_str))), $doc)
            }
        }

        impl ToSchema for $ty {}
    };
}

domain_value!(RunStatus, "Where a run is: waiting for a worker, working, or ended.");
domain_value!(RunOutcome, "How a run ended.");
domain_value!(Freshness, "How an active run stands against its type's windows.");
domain_value!(ProblemClass, "What needs a person now: `none` when nothing does.");

/// One mode of [`Progress`]: an object tagged `mode`, with `fields` required.
fn progress_mode(mode: ProgressMode, fields: &[(&str, Object)], description: &str) -> Object {
    let mut b = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .property("mode", spellings([mode.as_str()]))
        .required("mode");
    for (name, schema) in fields {
        b = b.property(*name, schema.clone()).required(*name);
    }
    b.build()
}

impl PartialSchema for Progress {
    fn schema() -> RefOr<Schema> {
        let count = || whole(0);
        let step = || whole(1);
        let modes = [
            progress_mode(ProgressMode::None, &[], "Nothing to show: the run ended."),
            progress_mode(
                ProgressMode::Activity,
                &[("waiting", ObjectBuilder::new().schema_type(Type::Boolean).build())],
                "Working with nothing measurable; `waiting` while no worker has it yet.",
            ),
            progress_mode(
                ProgressMode::Counted,
                &[("processed", count()), ("total", step())],
                "`processed` of `total` units, the only mode with a percentage.",
            ),
            progress_mode(
                ProgressMode::Phased,
                &[("step", step()), ("of", step()), ("phase", text(1, MAX_PHASE_CHARS, None))],
                "Step `step` (from 1) of `of`, named by its phase key.",
            ),
            progress_mode(
                ProgressMode::Composite,
                &[("ready", count()), ("failed", count()), ("total", count())],
                "Sources ready and failed of the sources the run aggregates.",
            ),
        ];
        let one_of = modes.into_iter().fold(OneOfBuilder::new(), |b, m| b.item(m));
        let one_of =
            one_of.description(Some("What the run can honestly say about how far it has got, tagged by `mode`."));
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl ToSchema for Progress {}
/// A composite run's sources.
#[derive(Debug, ToSchema)]
pub struct CompositeBody {
    /// Sources in all.
    pub total: u64,
    /// Sources ready.
    pub ready: u64,
    /// Sources failed.
    pub failed: u64,
}

/// Why a run did not succeed.
#[derive(Debug, ToSchema)]
pub struct FailureBody {
    /// A stable code for your own records.
    #[schema(value_type = FailureCode)]
    pub code: String,
    /// A sentence operators may read, shown as written.
    #[schema(value_type = FailureMessage)]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The spellings `T`'s schema lists.
    fn listed<T: PartialSchema>() -> Vec<Value> {
        match T::schema() {
            RefOr::T(Schema::Object(o)) => o.enum_values.unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn every_value_the_domain_shows_is_one_the_reference_lists() {
        let spelled = |all: &[&str]| all.iter().map(|s| json!(s)).collect::<Vec<_>>();
        assert_eq!(listed::<RunStatus>(), spelled(&RunStatus::ALL.map(RunStatus::as_str)));
        assert_eq!(listed::<RunOutcome>(), spelled(&RunOutcome::ALL.map(RunOutcome::as_str)));
        assert_eq!(listed::<Freshness>(), spelled(&Freshness::ALL.map(Freshness::as_str)));
        assert_eq!(listed::<ProblemClass>(), spelled(&ProblemClass::ALL.map(ProblemClass::as_str)));
        assert_eq!(listed::<TypeProgressMode>(), spelled(&["activity", "counted", "phased", "composite"]));
        let RefOr::T(Schema::OneOf(modes)) = Progress::schema() else { panic!("progress is one of its modes") };
        assert_eq!(modes.items.len(), ProgressMode::ALL.len());
    }

    #[test]
    fn a_value_shape_is_described_by_its_doc_comment_as_one_paragraph() {
        let RefOr::T(Schema::Object(o)) = WorkerName::schema() else { panic!("a string") };
        let text = o.description.unwrap_or_default();
        assert!(text.starts_with("The name a platform's worker works under. A run it holds"), "{text}");
        assert!(!text.contains('\n') && !text.contains("  "), "{text}");
        assert_eq!(o.max_length, Some(MAX_WORKER_CHARS));
    }
}
