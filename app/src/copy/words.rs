//! The catalog's words for the domain's typed values: a badge, a duration, a run's progress,
//! a timeline entry, a sentence stored in a record, a reconciliation reason. The domain
//! decides which situation holds and returns it as a value; these methods, one per kind of
//! value, say it in the catalog's language. Each `match` covers every value, so a new one
//! does not compile until it is worded.

use super::Catalog;
use crate::domain::badge::Shown;
use crate::domain::reconcile::Reason;
use crate::domain::review::{SectionFinding, StoredSection};
use crate::domain::transition::Actor;
use crate::domain::{
    Badge, Progress, ReviewSource, RunOutcome, RunStatus, Sentence, StoredSentence, Timestamp, TypeName,
};

impl Catalog {
    /// A short duration in this language: "45 s", "3 min", "2 h 5 min", "3 d".
    pub fn duration(&self, d: std::time::Duration) -> String {
        let t = &self.time;
        let s = d.as_secs();
        match s {
            0..=59 => (t.seconds)(s),
            60..=3599 => (t.minutes)(s / 60),
            3600..=86_399 => {
                let (h, m) = (s / 3600, (s % 3600) / 60);
                if m == 0 { (t.hours)(h) } else { (t.hours_minutes)(h, m) }
            }
            _ => (t.days)(s / 86_400),
        }
    }

    /// A run type's name in this language: a built-in type's from the catalog, a workspace
    /// type's from the labels its workspace gave it.
    pub fn type_name<'a>(&self, name: &'a TypeName) -> &'a str {
        match name {
            TypeName::Builtin(t) => (self.runs.run_type)(*t),
            TypeName::Workspace { en, de, .. } => (self.runs.own_type)(en, de),
        }
    }

    /// What a run's progress says: "50 of 200 processed", "Capturing evidence — step 2 of 3",
    /// "3 of 4 evidence sources ready, 1 failed", "Working"; nothing for none.
    pub fn progress(&self, p: &Progress) -> String {
        let t = &self.runs;
        match p {
            Progress::None => String::new(),
            Progress::Activity { waiting: true } => t.waiting.to_owned(),
            Progress::Activity { waiting: false } => t.working.to_owned(),
            Progress::Counted { processed, total } => (t.counted)(*processed, *total),
            Progress::Phased { step, of, phase } => (t.phased)((t.phase)(phase).unwrap_or(phase), *step, *of),
            // The one type with composite progress aggregates evidence sources.
            Progress::Composite { ready, failed, total } => (t.composite)(*ready, *total, t.evidence_sources, *failed),
        }
    }

    /// What the system found when it decided a run from `reason`, calmly; `in_job` when the
    /// job itself (not the reconciler) reached the decision, e.g. a compose whose review write
    /// met another review of the same evidence.
    pub fn reason(&self, reason: Reason, in_job: bool) -> &'static str {
        let said = (self.decision.reason)(reason);
        if in_job { (self.decision.reason_in_job)(reason).unwrap_or(said) } else { said }
    }

    /// One timeline entry: the status a run moved to (and how it ended) and who or what
    /// caused it; `name` is the display name of the person the actor names, when known.
    pub fn transition(&self, to: RunStatus, outcome: Option<RunOutcome>, actor: &Actor, name: Option<&str>) -> String {
        let t = &self.timeline;
        let who = match (actor, name) {
            (Actor::Initiator(_) | Actor::Person(_), Some(name)) => name.to_owned(),
            (Actor::Initiator(_) | Actor::Person(_), None) => t.former_member.to_owned(),
            (Actor::System, _) => t.system.to_owned(),
            (Actor::Worker(w), _) => (t.worker)(w),
            (Actor::Reconciler, _) => t.reconciler.to_owned(),
            (Actor::Adapter(run_type), _) => (t.adapter)((self.runs.run_type)(*run_type)),
            (Actor::Shutdown(w), _) => (t.shutdown)(w),
            (Actor::Unknown, _) => t.unknown.to_owned(),
        };
        match (to, outcome) {
            (RunStatus::Queued, _) => (t.queued_by)(&who),
            (RunStatus::Running, _) => (t.started_by)(&who),
            (RunStatus::Completed, Some(o)) => (t.ended_by)((t.ended_as)(o), &who),
            (RunStatus::Completed, None) => (t.completed_by)(&who),
        }
    }

    /// A sentence the system wrote into a record, in this language.
    pub fn sentence(&self, s: &Sentence) -> String {
        let t = &self.records;
        match s {
            Sentence::DidNotFinish => t.did_not_finish.to_owned(),
            Sentence::NoHandler => t.no_handler.to_owned(),
            Sentence::Internal => t.internal.to_owned(),
            Sentence::Shutdown => t.shutdown.to_owned(),
            Sentence::CancelledOnRequest => t.cancelled_on_request.to_owned(),
            Sentence::NeedsTenant(run_type) => (t.needs_tenant)(*run_type).to_owned(),
            Sentence::ProviderRejected => t.provider_rejected.to_owned(),
            Sentence::NoneReadable { total } => (t.none_readable)(*total),
            Sentence::SomeUnreadable { failed, total } => (t.some_unreadable)(*failed, *total),
            Sentence::NothingToCapture => t.nothing_to_capture.to_owned(),
            Sentence::CaptureSkipped { skipped, total } => (t.capture_skipped)(*skipped, *total),
            Sentence::CompareSkipped { skipped, total } => (t.compare_skipped)(*skipped, *total),
            Sentence::BaselineMissing => t.baseline_missing.to_owned(),
            Sentence::NoBaselineYet => t.no_baseline_yet.to_owned(),
            Sentence::RestoreBaselineMissing => t.restore_baseline_missing.to_owned(),
            Sentence::RestoreRefused => t.restore_refused.to_owned(),
            Sentence::RestorePartial { failed, total } => (t.restore_partial)(*failed, *total),
            Sentence::ComposedWithout(missing) => (t.composed_without)(&self.sources(missing)),
            Sentence::ComposeInProgress => t.compose_in_progress.to_owned(),
            Sentence::NothingToExport => t.nothing_to_export.to_owned(),
            Sentence::Reconciled(reason) => self.reason(*reason, false).to_owned(),
            Sentence::DecidedInJob(reason) => self.reason(*reason, true).to_owned(),
            Sentence::ItemRefused => t.item_refused.to_owned(),
            Sentence::ItemUnchanged => t.item_unchanged.to_owned(),
            Sentence::ItemRestored => t.item_restored.to_owned(),
            Sentence::ItemRecreated => t.item_recreated.to_owned(),
        }
    }

    /// A record's sentence worded for the reader: a typed sentence in this language; text
    /// written before sentences were typed as it stands.
    pub fn stored_sentence(&self, stored: &StoredSentence) -> String {
        stored.sentence().map_or_else(|| stored.as_str().to_owned(), |s| self.sentence(&s))
    }

    /// Evidence sources as a list: "Inventory, Drift findings". Written out rather than with
    /// `join`, which this would bring into the browser bundle on its own (specs/browser-bundle).
    fn sources(&self, sources: &[ReviewSource]) -> String {
        let mut out = String::new();
        for (i, s) in sources.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(self.review_source(*s));
        }
        out
    }

    /// The title of a review's section of evidence.
    pub fn review_source(&self, s: ReviewSource) -> &'static str {
        let t = &self.records;
        match s {
            ReviewSource::Inventory => t.section_inventory,
            ReviewSource::Comparison => t.section_comparison,
            ReviewSource::Findings => t.section_findings,
            ReviewSource::Failures => t.section_failures,
        }
    }

    /// A review section's title and body in this language; an older section's as written.
    pub fn review_section(&self, s: &StoredSection) -> (String, String) {
        let t = &self.records;
        let s = match s {
            StoredSection::Typed(s) => s,
            StoredSection::Worded { title, body } => return (title.clone(), body.clone()),
        };
        let title = s.source.map_or(t.section_summary, |source| self.review_source(source)).to_owned();
        let body = match &s.finding {
            SectionFinding::InventoryReady { items, run } => (t.inventory_ready)(*items, *run),
            SectionFinding::InventoryFailed { run } => (t.inventory_failed)(*run),
            SectionFinding::InventoryNone => t.inventory_none.to_owned(),
            SectionFinding::ComparisonReady { run } => (t.comparison_ready)(*run),
            SectionFinding::ComparisonFailed { run } => (t.comparison_failed)(*run),
            SectionFinding::ComparisonNone => t.comparison_none.to_owned(),
            SectionFinding::FindingsReady { added, removed, changed } => (t.findings_ready)(*added, *removed, *changed),
            SectionFinding::FindingsNone => t.findings_none.to_owned(),
            SectionFinding::Failures { runs } if runs.is_empty() => t.failures_none.to_owned(),
            SectionFinding::Failures { runs } => {
                let list: Vec<String> = runs.iter().map(|i| format!("#{i}")).collect();
                (t.failures_some)(runs.len(), &list.join(", "))
            }
            SectionFinding::Summary { without } if without.is_empty() => t.summary_complete.to_owned(),
            SectionFinding::Summary { without } => (t.summary_without)(&self.sources(without)),
        };
        (title, body)
    }

    /// What a badge says.
    pub fn badge(&self, b: &Badge) -> &'static str {
        match b.shows {
            Shown::Status(s) => (self.badges.status)(s),
            Shown::Outcome(o) => (self.badges.outcome)(o),
            Shown::Freshness(f) => (self.badges.freshness)(f),
            Shown::Problem(p) => (self.badges.problem)(p),
        }
    }

    /// How long before `now` the instant `at` was: "3 min ago".
    pub fn ago(&self, at: Timestamp, now: Timestamp) -> String {
        (self.time.ago)(&self.duration(now.since(at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copy::{EN, Locale};
    use crate::domain::{RunType, UserId};

    #[test]
    fn every_phase_of_every_type_has_an_operator_safe_label_in_every_language() {
        for locale in Locale::ALL {
            for t in RunType::ALL {
                for p in t.phases() {
                    let label = (locale.catalog().runs.phase)(p.key);
                    assert!(label.is_some_and(|l| !l.contains('_')), "{locale:?} {}: {label:?}", p.key);
                }
            }
        }
    }

    #[test]
    fn every_badge_has_a_label_without_internal_spellings_in_every_language() {
        for locale in Locale::ALL {
            for b in Badge::catalog() {
                let label = locale.catalog().badge(&b);
                assert!(!label.is_empty() && !label.contains('_'), "{locale:?}: {label}");
            }
        }
    }

    #[test]
    fn progress_reads_as_a_sentence_in_every_mode() {
        let c = &EN;
        assert_eq!(
            c.progress(&Progress::Phased { step: 2, of: 3, phase: "capturing_evidence".into() }),
            "Capturing evidence — step 2 of 3"
        );
        assert_eq!(
            c.progress(&Progress::Composite { ready: 3, failed: 1, total: 4 }),
            "3 of 4 evidence sources ready, 1 failed"
        );
        assert_eq!(c.progress(&Progress::Counted { processed: 50, total: 200 }), "50 of 200 processed");
        assert_eq!(c.progress(&Progress::Activity { waiting: false }), "Working");
        assert_eq!(c.progress(&Progress::None), "");
    }

    #[test]
    fn no_reason_names_storage_or_crash_details_in_any_language() {
        for locale in Locale::ALL {
            for r in Reason::ALL {
                let c = locale.catalog();
                let s = format!("{} {}", c.reason(r, false), c.reason(r, true)).to_lowercase();
                for bad in
                    ["sqlstate", "duplicate key", "constraint", "environment_reviews", "panicked", "unwrap", "restores"]
                {
                    assert!(!s.contains(bad), "{locale:?} {r:?}: {s}");
                }
            }
        }
    }

    #[test]
    fn each_entry_says_what_happened_and_who_caused_it() {
        let t = |to, outcome, actor: Actor| move |name: Option<&str>| EN.transition(to, outcome, &actor, name);
        assert_eq!(t(RunStatus::Queued, None, Actor::Initiator(UserId(1)))(Some("Ada")), "Queued by Ada");
        assert_eq!(t(RunStatus::Running, None, Actor::Worker("opshub-1".into()))(None), "Started by worker opshub-1");
        assert_eq!(
            t(RunStatus::Completed, Some(RunOutcome::Failed), Actor::Reconciler)(None),
            "Ended in failure — by the reconciler, after the run went stale"
        );
        assert_eq!(
            t(RunStatus::Completed, Some(RunOutcome::Cancelled), Actor::Shutdown("opshub-2".into()))(None),
            "Ended cancelled — by the shutdown of opshub-2"
        );
        assert_eq!(
            t(RunStatus::Completed, Some(RunOutcome::Cancelled), Actor::Person(UserId(3)))(Some("Olu")),
            "Ended cancelled — by Olu"
        );
        let text = t(RunStatus::Completed, Some(RunOutcome::Succeeded), Actor::Adapter(RunType::RestoreExecute))(None);
        assert!(text.starts_with("Ended successfully — by the reconciler, from the records"), "{text}");
        assert!(!text.contains("restore.execute") && !text.contains('_'), "no internal spelling: {text}");
    }

    #[test]
    fn a_stored_sentence_reads_back_as_the_same_words() {
        let all = [
            Sentence::DidNotFinish,
            Sentence::NeedsTenant(RunType::RestoreExecute),
            Sentence::SomeUnreadable { failed: 3, total: 10 },
            Sentence::ComposedWithout(vec![ReviewSource::Inventory, ReviewSource::Findings]),
            Sentence::Reconciled(Reason::WorkerLost),
            Sentence::DecidedInJob(Reason::ReviewSuperseded),
        ];
        for s in all {
            assert_eq!(EN.stored_sentence(&StoredSentence::read(&s.store())), EN.sentence(&s), "{s:?}");
        }
        assert_eq!(
            EN.stored_sentence(&StoredSentence::read(&Sentence::SomeUnreadable { failed: 3, total: 10 }.store())),
            "3 of 10 items could not be read from the provider."
        );
    }

    #[test]
    fn text_that_is_no_stored_sentence_is_shown_as_it_stands() {
        let read = |stored: &str| EN.stored_sentence(&StoredSentence::read(stored));
        assert_eq!(read("The provider rejected the request."), "The provider rejected the request.");
        assert_eq!(read(r#"{"sentence":"from_a_newer_version"}"#), "It did not finish.");
        assert_eq!(read(""), "");
    }

    #[test]
    fn human_durations_read_naturally() {
        use std::time::Duration;
        let c = &EN;
        assert_eq!(c.duration(Duration::from_secs(45)), "45 s");
        assert_eq!(c.duration(Duration::from_secs(180)), "3 min");
        assert_eq!(c.duration(Duration::from_secs(7200)), "2 h");
        assert_eq!(c.duration(Duration::from_secs(7500)), "2 h 5 min");
        assert_eq!(c.duration(Duration::from_secs(3 * 86_400)), "3 d");
        let now = Timestamp(600_000);
        assert_eq!(c.ago(Timestamp(420_000), now), (c.time.ago)("3 min"));
    }
}
