//! The run context (specs/product-contract §3): typed sections — `inputs`, `phase`, `composite`,
//! `dispatch`, `reconciliation` — stored as one JSON document. Readers here tolerate a
//! missing, malformed or wrongly typed section by treating it as absent; they never panic and
//! never invent values.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A run's context document. Holds whatever JSON was stored; typed accessors validate on read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunContext(Value);

/// A validated composite summary: how many of the aggregated sources are ready or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeCounts {
    /// Sources aggregated.
    pub total: u64,
    /// Sources that are ready.
    pub ready: u64,
    /// Sources that failed.
    pub failed: u64,
}

/// The reconciler's decision record, as far as it can be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconciliationNote {
    /// When it was decided.
    pub at: Option<i64>,
    /// Which component decided ("reconciler", an adapter name).
    pub by: Option<String>,
    /// The reason code ("worker_lost", "review_ready", …).
    pub reason: Option<String>,
    /// The decision ("succeeded", "blocked", "needs_attention", …).
    pub decision: Option<String>,
    /// The operator's sentence for what happened.
    pub summary: Option<String>,
    /// The business record the decision points at, as `(kind, id)`.
    pub related: Option<(String, i64)>,
    /// Whether the run decided it itself, on meeting the records when it came to write its
    /// result (rather than the reconciler's sweep deciding a run that had gone quiet).
    pub in_job: bool,
}

impl RunContext {
    /// An empty context (`{}`).
    pub fn empty() -> Self {
        Self(Value::Object(Map::new()))
    }

    /// Wraps a JSON value as stored.
    pub fn from_value(value: Value) -> Self {
        Self(value)
    }

    /// Parses stored text; unparsable text becomes an empty context (and is reported by the
    /// caller), so a damaged row still renders.
    pub fn from_json_lenient(text: &str) -> Self {
        serde_json::from_str(text).map(Self).unwrap_or_else(|_| Self::empty())
    }

    /// The stored JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The raw document.
    pub fn as_value(&self) -> &Value {
        &self.0
    }

    fn section(&self, name: &str) -> Option<&Map<String, Value>> {
        self.0.as_object()?.get(name)?.as_object()
    }

    /// Replaces one section, turning a non-object document into an object first.
    pub fn set_section(&mut self, name: &str, value: Value) {
        if !self.0.is_object() {
            self.0 = Value::Object(Map::new());
        }
        if let Value::Object(map) = &mut self.0 {
            map.insert(name.to_owned(), value);
        }
    }

    /// The `inputs` section, if it is an object.
    pub fn inputs(&self) -> Option<&Map<String, Value>> {
        self.section("inputs")
    }

    /// The current phase key from `phase.current`, if it is a string.
    pub fn phase_key(&self) -> Option<&str> {
        self.section("phase")?.get("current")?.as_str()
    }

    /// The composite summary, if all three counts are non-negative integers and
    /// `ready + failed ≤ total` with `total > 0`.
    pub fn composite(&self) -> Option<CompositeCounts> {
        let s = self.section("composite")?;
        let total = s.get("total")?.as_u64()?;
        let ready = s.get("ready")?.as_u64()?;
        let failed = s.get("failed").map_or(Some(0), Value::as_u64)?;
        let settled = ready.checked_add(failed)?;
        (total > 0 && settled <= total).then_some(CompositeCounts { total, ready, failed })
    }

    /// The reconciliation record, if the section is an object.
    pub fn reconciliation(&self) -> Option<ReconciliationNote> {
        let s = self.section("reconciliation")?;
        let text = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_owned);
        let related = s
            .get("related")
            .and_then(Value::as_object)
            .and_then(|r| Some((r.get("kind")?.as_str()?.to_owned(), r.get("id")?.as_i64()?)));
        Some(ReconciliationNote {
            at: s.get("at").and_then(Value::as_i64),
            by: text("by"),
            reason: text("reason"),
            decision: text("decision"),
            summary: text("summary"),
            related,
            in_job: s.get("in_job").and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unparsable_text_reads_as_an_empty_context() {
        for junk in ["", "{", "not json", "{\"phase\":"] {
            let c = RunContext::from_json_lenient(junk);
            assert_eq!(c, RunContext::empty());
            assert_eq!(c.phase_key(), None);
        }
    }

    #[test]
    fn sections_of_the_wrong_shape_read_as_absent() {
        let c = RunContext::from_value(json!({"phase": "capturing", "composite": [1, 2], "reconciliation": 5}));
        assert_eq!(c.phase_key(), None);
        assert_eq!(c.composite(), None);
        assert_eq!(c.reconciliation(), None);
        let c = RunContext::from_value(json!(["phase"]));
        assert_eq!(c.inputs(), None);
    }

    #[test]
    fn a_composite_must_add_up() {
        let ok = RunContext::from_value(json!({"composite": {"total": 4, "ready": 3, "failed": 1}}));
        assert_eq!(ok.composite(), Some(CompositeCounts { total: 4, ready: 3, failed: 1 }));
        for bad in [
            json!({"total": 4, "ready": 5}),
            json!({"total": 0, "ready": 0}),
            json!({"total": 4, "ready": -1}),
            json!({"total": "4", "ready": 1}),
            json!({"total": 4, "ready": 2, "failed": 3}),
            json!({"total": 4, "ready": 2, "failed": "x"}),
            json!({"total": u64::MAX, "ready": u64::MAX, "failed": 1}),
        ] {
            let c = RunContext::from_value(json!({ "composite": bad }));
            assert_eq!(c.composite(), None, "{bad}");
        }
    }

    #[test]
    fn setting_a_section_on_a_damaged_document_starts_a_fresh_object() {
        let mut c = RunContext::from_value(json!("garbage"));
        c.set_section("phase", json!({"current": "comparing"}));
        assert_eq!(c.phase_key(), Some("comparing"));
    }
}
