//! The catalog's groups, each declared once with its English text. The German catalog in
//! [`super::de`] writes the same structs with its own values; see the module docs of
//! [`crate::copy`].

use super::{Locale, grouped, one_decimal};
use crate::api::{Bucket, TokenState};
use crate::domain::access::{Capability, Role};
use crate::domain::reconcile::{Abandoned, Reason};
use crate::domain::time::DateParts;
use crate::domain::token::TokenGrant;
use crate::domain::webhook::{DeliveryState, EventType, Fault};
use crate::domain::{Freshness, ProblemClass, RunOutcome, RunStatus, RunType, SummaryKey};

/// Declares one group of the catalog: a struct whose fields carry their docs and types, and
/// `const $en`, its English value.
macro_rules! group {
    (
        $(#[$meta:meta])*
        struct $name:ident = $en:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $value:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        #[doc = concat!("The English [`", stringify!($name), "`].")]
        pub const $en: $name = $name { $( $field: $value, )* };

        impl $name {
            /// Every entry worded with sample arguments, by field name (the locales'
            /// coverage tests compare them).
            pub fn entries(&self) -> Vec<(&'static str, String)> {
                vec![ $( (stringify!($field), super::Sample::sample(&self.$field)), )* ]
            }
        }
    };
}

group! {
    /// The shell around every page.
    struct Shell = SHELL {
        /// The product's name (top bar, titles).
        app_name: &'static str = "Opshub",
        /// A page's `<title>`.
        page_title: fn(&str) -> String = |page| format!("{page} · Opshub"),
        /// A system-plane page's `<title>`.
        system_page_title: fn(&str) -> String = |page| format!("{page} · System · Opshub"),
        /// Top bar link to the workspace overview.
        nav_overview: &'static str = "Overview",
        /// Top bar link to the operations list.
        nav_operations: &'static str = "Operations",
        /// Top bar link to the system plane (platform operators only).
        nav_system: &'static str = "System",
        /// The bell's visible word.
        notifications: &'static str = "Notifications",
        /// The bell's accessible name with its unread count.
        bell_label: fn(u64) -> String = |n| format!("Notifications, {n} unread"),
        /// Label of the workspace switcher (read by screen readers).
        workspace: &'static str = "Workspace",
        /// The workspace switcher's button.
        switch: &'static str = "Switch",
        /// The sign-out button.
        sign_out: &'static str = "Sign out",
        /// Label of the language switcher (read by screen readers).
        language: &'static str = "Language",
        /// The language switcher's choice that follows the browser.
        browser_language: &'static str = "Browser's language",
        /// A language by its own name (the same in every locale, so a reader finds theirs).
        language_name: fn(Locale) -> &'static str = |l| match l {
            Locale::En => "English",
            Locale::De => "Deutsch",
        },
        /// The way back in from an error panel when the session has ended.
        sign_in: &'static str = "Sign in",
        /// While a page's data loads.
        loading: &'static str = "Loading…",
        /// Heading for an unknown address.
        not_found_title: &'static str = "Page not found",
        /// Body for an unknown address.
        not_found_body: &'static str = "There is nothing at this address.",
        /// Link from a not-found or calm page to the operations list.
        go_to_operations: &'static str = "Go to operations",
        /// A value that is not there (diagnostics).
        absent: &'static str = "—",
    }
}

group! {
    /// Durations and relative times.
    struct Time = TIME {
        /// Under a minute.
        seconds: fn(u64) -> String = |s| format!("{s} s"),
        /// Under an hour.
        minutes: fn(u64) -> String = |m| format!("{m} min"),
        /// Whole hours.
        hours: fn(u64) -> String = |h| format!("{h} h"),
        /// Hours and minutes.
        hours_minutes: fn(u64, u64) -> String = |h, m| format!("{h} h {m} min"),
        /// A whole number of days.
        days: fn(u64) -> String = |d| format!("{d} d"),
        /// "3 min ago".
        ago: fn(&str) -> String = |d| format!("{d} ago"),
        /// A count, grouped by thousands: "12,345".
        number: fn(u64) -> String = |n| grouped(n, ','),
        /// A whole percentage: "25%".
        percent: fn(u8) -> String = |p| format!("{p}%"),
        /// A date and time of day in UTC: "23 Nov 2026, 12:34 UTC".
        date_time: fn(DateParts) -> String = |p| {
            const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            let month = MONTHS.get((p.month as usize).wrapping_sub(1)).copied().unwrap_or_default();
            format!("{} {month} {}, {:02}:{:02} UTC", p.day, p.year, p.hour, p.minute)
        },
    }
}

group! {
    /// The sign-in page.
    struct Login = LOGIN {
        /// The page's title.
        title: &'static str = "Sign in",
        /// Its heading.
        heading: &'static str = "Sign in to Opshub",
        /// What to use.
        lede: &'static str = "Use the email address and password your workspace owner gave you.",
        /// Field label.
        email: &'static str = "Email",
        /// Field label.
        password: &'static str = "Password",
        /// The button.
        submit: &'static str = "Sign in",
        /// The button while signing in.
        pending: &'static str = "Signing in…",
    }
}

group! {
    /// Badge labels.
    struct Badges = BADGES {
        /// A status badge.
        status: fn(RunStatus) -> &'static str = |s| match s {
            RunStatus::Queued => "Queued",
            RunStatus::Running => "Running",
            RunStatus::Completed => "Completed",
        },
        /// An outcome badge.
        outcome: fn(RunOutcome) -> &'static str = |o| match o {
            RunOutcome::Succeeded => "Succeeded",
            RunOutcome::PartiallySucceeded => "Partially succeeded",
            RunOutcome::Failed => "Failed",
            RunOutcome::Blocked => "Blocked",
            RunOutcome::Cancelled => "Cancelled",
        },
        /// A freshness badge.
        freshness: fn(Freshness) -> &'static str = |f| match f {
            Freshness::Fresh => "On track",
            Freshness::PastExpected => "Taking longer than usual",
            Freshness::LikelyStale => "Likely stale",
        },
        /// A problem-class badge (also the class counts and the problem filter).
        problem: fn(ProblemClass) -> &'static str = |p| match p {
            ProblemClass::ActiveStale => "Stuck right now",
            ProblemClass::TerminalFollowUp => "Needs follow-up",
            ProblemClass::ReconciledStale => "Stopped by the system",
            ProblemClass::None => "No action needed",
        },
    }
}

group! {
    /// Run types, phases, summary counts and progress.
    struct Runs = RUNS {
        /// A run type's name.
        run_type: fn(RunType) -> &'static str = |t| match t {
            RunType::InventorySync => "Inventory sync",
            RunType::BaselineCapture => "Baseline capture",
            RunType::BaselineCompare => "Baseline compare",
            RunType::EnvironmentReviewCompose => "Environment review",
            RunType::ReviewPackGenerate => "Review pack export",
            RunType::RestoreExecute => "Restore",
        },
        /// A workspace type's name: of the labels its workspace gave it, this language's.
        own_type: for<'a> fn(&'a str, &'a str) -> &'a str = |en, _de| en,
        /// A button that starts a run of the type.
        start_verb: fn(RunType) -> &'static str = |t| match t {
            RunType::InventorySync => "Sync inventory",
            RunType::BaselineCapture => "Capture baseline",
            RunType::BaselineCompare => "Compare with baseline",
            RunType::EnvironmentReviewCompose => "Compose review",
            RunType::ReviewPackGenerate => "Generate review pack",
            RunType::RestoreExecute => "Restore",
        },
        /// A phase's name by its stable key (`None` for a key no run type declares).
        phase: fn(&str) -> Option<&'static str> = |key| match key {
            "checking_eligibility" => Some("Checking eligibility"),
            "capturing_evidence" => Some("Capturing evidence"),
            "saving_snapshot" => Some("Saving snapshot"),
            "loading_baseline" => Some("Loading the baseline"),
            "comparing" => Some("Comparing"),
            "recording_findings" => Some("Recording findings"),
            _ => None,
        },
        /// What an environment review's composite progress counts.
        evidence_sources: &'static str = "evidence sources",
        /// A summary count's label.
        summary_key: fn(SummaryKey) -> &'static str = |k| match k {
            SummaryKey::Total => "Total",
            SummaryKey::Processed => "Processed",
            SummaryKey::Succeeded => "Succeeded",
            SummaryKey::Failed => "Failed",
            SummaryKey::Skipped => "Skipped",
            SummaryKey::Created => "Created",
            SummaryKey::Updated => "Updated",
            SummaryKey::Unchanged => "Unchanged",
            SummaryKey::Removed => "Removed",
            SummaryKey::ItemsCaptured => "Items captured",
            SummaryKey::FindingsAdded => "Added items",
            SummaryKey::FindingsRemoved => "Removed items",
            SummaryKey::FindingsChanged => "Changed items",
            SummaryKey::Sections => "Sections",
        },
        /// Activity progress of a queued run.
        waiting: &'static str = "Waiting for a worker",
        /// Activity progress of a running run.
        working: &'static str = "Working",
        /// Counted progress: processed, total.
        counted: fn(u64, u64) -> String =
            |done, total| format!("{} of {} processed", grouped(done, ','), grouped(total, ',')),
        /// Phased progress: step label, step, steps.
        phased: fn(&str, usize, usize) -> String = |label, step, of| format!("{label} — step {step} of {of}"),
        /// Composite progress: ready, total, noun, failed.
        composite: fn(u64, u64, &str, u64) -> String = |ready, total, noun, failed| {
            if failed > 0 {
                format!("{ready} of {total} {noun} ready, {failed} failed")
            } else {
                format!("{ready} of {total} {noun} ready")
            }
        },
        /// The scope of a run with no tenant.
        whole_workspace: &'static str = "Whole workspace",
        /// A run's short name: type and number.
        run_name: fn(&str, i64) -> String = |label, id| format!("{label} #{id}"),
        /// A link to a run by number.
        operation_number: fn(i64) -> String = |id| format!("Operation #{id}"),
        /// After a run was queued.
        queued: fn(&str) -> String = |label| format!("{label} queued."),
        /// When the same work is already queued or running (the type's name in small letters).
        already_running: fn(&str) -> String = |label| format!("A {label} of this tenant is already running; here it is."),
    }
}

group! {
    /// The decision zone: is it still active, was it reconciled, what next.
    struct Decision = DECISION {
        /// First question.
        active_question: &'static str = "Is it still active?",
        /// Second question.
        reconciled_question: &'static str = "Was it reconciled?",
        /// Third question.
        next_question: &'static str = "What next?",
        /// Headline of a run stuck right now.
        headline_stuck: &'static str = "Likely stuck",
        /// Headline of a queued run.
        headline_queued: &'static str = "Waiting to start",
        /// Headline of a running run.
        headline_running: &'static str = "Still working",
        /// Headline of a run the system closed after it went stale.
        headline_stopped: &'static str = "Stopped by the system",
        /// Active: likely stale.
        active_stale: &'static str =
            "Yes, but it has most likely stopped: no sign of progress for longer than this work ever needs.",
        /// Active: queued, past expected.
        active_queued_late: &'static str = "Yes — waiting longer than usual for a worker.",
        /// Active: queued.
        active_queued: &'static str = "Yes — waiting for a worker.",
        /// Active: running, past expected.
        active_running_late: &'static str = "Yes — taking longer than usual, and still reporting progress.",
        /// Active: running.
        active_running: &'static str = "Yes — working, and reporting progress.",
        /// Not active: how it ended.
        active_ended: fn(RunOutcome) -> String = |o| format!("No — it ended: {}.", match o {
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::PartiallySucceeded => "partially succeeded",
            RunOutcome::Failed => "failed",
            RunOutcome::Blocked => "blocked",
            RunOutcome::Cancelled => "cancelled",
        }),
        /// Reconciled: how it was decided.
        reconciled_yes: fn(&str) -> String = |how| format!("Yes. {how}"),
        /// Not reconciled, still active.
        reconciled_not_yet: &'static str = "Not so far.",
        /// Not reconciled, ended.
        reconciled_no: &'static str = "No — it ended on its own.",
        /// Decided by a run type's adapter from business records.
        decided_from_records: &'static str = "Decided by the system from the records this run's work left.",
        /// How it was decided: by the run itself, from records it met when writing its result.
        decided_in_job: &'static str = "Decided by the run itself from the records it found when it came to write its result.",
        /// Decided by the generic rule.
        decided_worker_gone: &'static str = "Decided by the system because no worker was working on it any more.",
        /// Decided by the generic rule: never picked up.
        decided_never_started: &'static str = "Decided by the system because no worker picked it up in time.",
        /// Decided by the generic rule: past its time limit.
        decided_past_time_limit: &'static str = "Decided by the system because it ran past its time limit.",
        /// A reconciler's decision, by its reason.
        reason: fn(Reason) -> &'static str = |r| match r {
            Reason::NeverStarted => {
                "This run was never started: no worker picked it up in time. Start it again if it is still needed."
            }
            Reason::WorkerLost => {
                "This run stopped reporting and was closed by the system. Its work may be incomplete; start it \
                 again if it is still needed."
            }
            Reason::PastTimeLimit => {
                "This run ran past its time limit and was closed by the system. Its work may be incomplete; start \
                 it again if it is still needed."
            }
            Reason::ReviewReady | Reason::ReviewPublished => {
                "The system closed this run: the review it was building already exists."
            }
            Reason::ReviewSuperseded => {
                "The system closed this run: the review it was building has been superseded by a newer one."
            }
            Reason::ReviewsAmbiguous => {
                "The system closed this run. Several reviews match its evidence, so it cannot tell which one it \
                 built; check the tenant's reviews."
            }
            Reason::RestoreApplied => "The system closed this run: its restore had already finished.",
            Reason::RestorePartial => {
                "The system closed this run: its restore had finished, but some items could not be put back."
            }
            Reason::RestoreFailed => {
                "The system closed this run: its restore had failed, the provider refused every change."
            }
            Reason::RestoresAmbiguous => {
                "The system closed this run. Two restore records belong to it, so it cannot tell which one it \
                 applied; check the tenant's restore records before running it again."
            }
            Reason::PackReady => "The system closed this run: its review pack had already been made.",
        },
        /// The same decision reached by the job itself; `None` where it reads as [`Self::reason`].
        reason_in_job: fn(Reason) -> Option<&'static str> = |r| match r {
            Reason::ReviewReady | Reason::ReviewPublished => Some("The review with this evidence already exists."),
            Reason::ReviewSuperseded => {
                Some("A newer review has superseded the one with this evidence; open the newer review.")
            }
            Reason::ReviewsAmbiguous => Some(
                "Several reviews match this evidence, so this run cannot tell which one to refresh; check the \
                 tenant's reviews.",
            ),
            Reason::RestoreApplied => Some("The restore had already finished."),
            Reason::RestorePartial => Some("The restore had finished, but some items could not be put back."),
            Reason::RestoreFailed => Some("The restore had failed: the provider refused every change."),
            Reason::NeverStarted
            | Reason::WorkerLost
            | Reason::PastTimeLimit
            | Reason::RestoresAmbiguous
            | Reason::PackReady => None,
        },
        /// After a reconciled success.
        then_nothing: &'static str = "Nothing to do.",
        /// After a reconciled partial success.
        then_review_failed_items: &'static str = "Review the items that failed, then run it again.",
        /// After a reconciled block (a newer record exists).
        then_use_newer: &'static str = "Use the newer record.",
        /// Next: stuck right now.
        next_stale: &'static str = "This run will not finish by itself.",
        /// Next: queued, past expected.
        next_queued_late: &'static str = "Waiting longer than usual for a worker. No action needed yet.",
        /// Next: running, past expected.
        next_running_late: &'static str = "Taking longer than usual, but still reporting progress. No action needed yet.",
        /// Next: queued.
        next_queued: &'static str = "Waiting for a worker. This page updates by itself.",
        /// Next: running.
        next_running: &'static str = "Working. This page updates by itself.",
        /// Next: closed by the system after going stale (with the failure sentence, if any).
        next_stopped: fn(&str) -> String =
            |reason| format!("The system stopped this run after it went stale.{reason} Start it again if the work is still needed."),
        /// Next: a success the reconciler proved.
        next_confirmed: &'static str = "Finished. The system confirmed the result from the records it produced.",
        /// Next: success.
        next_succeeded: &'static str = "Finished successfully. Nothing to do.",
        /// Next: partial success.
        next_partial: fn(&str) -> String =
            |reason| format!("Finished, but some items failed.{reason} Review the failures, then run it again."),
        /// Next: failure.
        next_failed: fn(&str) -> String = |reason| format!("Did not finish.{reason} Fix the cause, then start it again."),
        /// Next: blocked.
        next_blocked: fn(&str) -> String = |reason| format!("Could not proceed.{reason}"),
        /// Next: cancelled.
        next_cancelled: fn(&str) -> String = |reason| format!("Stopped before finishing.{reason}"),
        /// When a stuck run will be closed (a duration from now).
        closes_within: fn(&str) -> String = |within| {
            format!("It will be closed automatically within about {within}; start it again afterwards if the work is still needed.")
        },
        /// Link to the review a decision points at.
        open_review: fn(i64) -> String = |id| format!("Open review #{id}"),
        /// Link to the restore a decision points at.
        open_restore: fn(i64) -> String = |id| format!("Open the tenant's restores (restore #{id})"),
        /// The link to the review pack that decided a run.
        open_pack: fn(i64) -> String = |id| format!("Open the tenant's review packs (pack #{id})"),
        /// The button opening the judging windows.
        how_judged: &'static str = "How is this judged?",
        /// The dialog's heading.
        how_judged_title: &'static str = "How Opshub judges this run",
        /// Window: queue wait.
        window_queue: fn(&str) -> String = |d| format!("It should start within {d} of being queued."),
        /// Window: duration.
        window_duration: fn(&str) -> String = |d| format!("It should finish within {d} of starting."),
        /// Window: stale and heartbeat.
        window_stale: fn(&str, &str) -> String = |stale, heartbeat| {
            format!("It is judged likely stuck after {stale} in one state, or {heartbeat} without a sign of life from its worker.")
        },
        /// Closes the dialog.
        close: &'static str = "Close",
    }
}

group! {
    /// The timeline.
    struct Timeline = TIMELINE {
        /// The panel's heading.
        heading: &'static str = "Timeline",
        /// The heartbeat entry of an active run.
        last_sign_of_life: &'static str = "Last sign of life",
        /// An initiator whose name is no longer known.
        former_member: &'static str = "a person who no longer has access",
        /// Scheduled work.
        system: &'static str = "the system (scheduled)",
        /// A worker instance.
        worker: fn(&str) -> String = |w| format!("worker {w}"),
        /// The reconciler's generic rule.
        reconciler: &'static str = "the reconciler, after the run went stale",
        /// A run type's adapter (given the type's label; English writes it in small letters).
        adapter: fn(&str) -> String = |t| format!("the reconciler, from the records a {} leaves", t.to_ascii_lowercase()),
        /// An instance shutting down.
        shutdown: fn(&str) -> String = |w| format!("the shutdown of {w}"),
        /// A cause this version cannot read.
        unknown: &'static str = "an unrecorded cause",
        /// Entry: queued by.
        queued_by: fn(&str) -> String = |who| format!("Queued by {who}"),
        /// Entry: started by.
        started_by: fn(&str) -> String = |who| format!("Started by {who}"),
        /// Entry: ended (how) by.
        ended_by: fn(&str, &str) -> String = |how, who| format!("Ended {how} — by {who}"),
        /// Entry: completed by (outcome unknown).
        completed_by: fn(&str) -> String = |who| format!("Completed by {who}"),
        /// How it ended, in the timeline's words.
        ended_as: fn(RunOutcome) -> &'static str = |o| match o {
            RunOutcome::Succeeded => "successfully",
            RunOutcome::PartiallySucceeded => "with part of the work done",
            RunOutcome::Failed => "in failure",
            RunOutcome::Blocked => "blocked",
            RunOutcome::Cancelled => "cancelled",
        },
    }
}

group! {
    /// The notifications page and the notifications' own wording.
    struct Notices = NOTICES {
        /// The page's heading.
        heading: &'static str = "Notifications",
        /// What the page holds.
        lede: &'static str = "How the operations you started ended.",
        /// While it loads.
        loading: &'static str = "Loading notifications…",
        /// The button.
        mark_all: &'static str = "Mark all as read",
        /// An item's button.
        mark_read: &'static str = "Mark as read",
        /// When there are none.
        empty: &'static str = "Nothing yet: you will hear here when an operation you started ends.",
        /// The link to the list filtered like the run.
        see_like_this: &'static str = "See runs like this",
        /// Title: the run it was about is past its keeping.
        title_gone: &'static str = "An operation that is no longer kept",
        /// Body: the same.
        body_gone: &'static str = "Its history was removed after the retention period; this note stays for your records.",
        /// Title: closed by the system.
        title_stopped: fn(&str) -> String = |what| format!("{what} was stopped by the system"),
        /// Title: succeeded.
        title_finished: fn(&str) -> String = |what| format!("{what} finished"),
        /// Title: partial.
        title_partial: fn(&str) -> String = |what| format!("{what} finished with some failures"),
        /// Title: failed.
        title_failed: fn(&str) -> String = |what| format!("{what} failed"),
        /// Title: blocked.
        title_blocked: fn(&str) -> String = |what| format!("{what} could not proceed"),
        /// Title: cancelled.
        title_cancelled: fn(&str) -> String = |what| format!("{what} was cancelled"),
        /// Body: closed by the system (outcome words, failure sentence).
        body_stopped: fn(&str, &str) -> String =
            |outcome, reason| format!("It stopped reporting progress and was closed as {outcome}.{reason}"),
        /// Body: succeeded.
        body_finished: &'static str = "Everything completed successfully.",
        /// Body: partial.
        body_partial: fn(&str) -> String =
            |reason| format!("Some items did not complete.{reason} Review them and run it again."),
        /// Body: failed.
        body_failed: fn(&str) -> String = |reason| format!("It did not finish.{reason}"),
        /// Body: blocked.
        body_blocked: fn(&str) -> String = |reason| format!("It was blocked.{reason}"),
        /// Body: cancelled.
        body_cancelled: fn(&str) -> String = |reason| format!("It stopped before finishing.{reason}"),
        /// An outcome inside a sentence.
        outcome_words: fn(RunOutcome) -> &'static str = |o| match o {
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::PartiallySucceeded => "partially succeeded",
            RunOutcome::Failed => "failed",
            RunOutcome::Blocked => "blocked",
            RunOutcome::Cancelled => "cancelled",
        },
    }
}

group! {
    /// The operations list (admin and system planes).
    struct List = LIST {
        /// The page's heading.
        heading: &'static str = "Operations",
        /// What it holds.
        lede: &'static str = "Every long-running operation in this workspace, newest first.",
        /// While it loads.
        loading: &'static str = "Loading operations…",
        /// Start form: tenant.
        start_tenant: &'static str = "Tenant",
        /// Start form: which operation.
        start_operation: &'static str = "Operation",
        /// Start form: the button.
        start: &'static str = "Start",
        /// After starting: the link to the run.
        open_run: &'static str = "Open the run",
        /// Filter: tenant.
        filter_tenant: &'static str = "Tenant",
        /// Filter: run type.
        filter_type: &'static str = "Type",
        /// Filter: status.
        filter_status: &'static str = "Status",
        /// Filter: outcome.
        filter_outcome: &'static str = "Outcome",
        /// Filter: problem class.
        filter_problem: &'static str = "Problem",
        /// No tenant filter.
        all_tenants: &'static str = "All tenants",
        /// The workspace filter's "no filter" choice (system plane).
        all_workspaces: &'static str = "All workspaces",
        /// No type filter.
        all_types: &'static str = "All types",
        /// No status filter.
        any_status: &'static str = "Any status",
        /// Status filter: queued or running.
        status_active: &'static str = "Active (queued or running)",
        /// The completion window in force (an instant).
        completed_since: fn(&str) -> String = |at| format!("Only runs completed since {at}."),
        /// Removes the completion window.
        clear_since: &'static str = "Show all",
        /// No outcome filter.
        any_outcome: &'static str = "Any outcome",
        /// No problem filter.
        any_problem: &'static str = "Any",
        /// The filter button.
        filter: &'static str = "Filter",
        /// The class counts' accessible name.
        counts_label: &'static str = "Runs by problem",
        /// How many runs match.
        total: fn(u64) -> String =
            |n| if n == 1 { "1 operation".to_owned() } else { format!("{} operations", grouped(n, ',')) },
        /// When none match.
        empty: &'static str = "No operations match these filters.",
        /// The heading of the "Operation" column.
        col_operation: &'static str = "Operation",
        /// Column (system plane).
        col_workspace: &'static str = "Workspace",
        /// The heading of the "Tenant" column.
        col_tenant: &'static str = "Tenant",
        /// The heading of the "State" column.
        col_state: &'static str = "State",
        /// The heading of the "Progress" column.
        col_progress: &'static str = "Progress",
        /// The heading of the "Queued" column.
        col_queued: &'static str = "Queued",
        /// The next page.
        older: &'static str = "Older operations →",
    }
}

group! {
    /// The rest of a run's detail.
    struct Detail = DETAIL {
        /// While it loads.
        loading: &'static str = "Loading the operation…",
        /// When it cannot be shown.
        unavailable: &'static str = "Operation unavailable",
        /// Panel heading.
        progress: &'static str = "Progress",
        /// A terminal run's progress.
        no_longer_running: &'static str = "This operation is no longer running.",
        /// Panel heading.
        results: &'static str = "Results",
        /// Panel heading.
        related: &'static str = "Related records",
        /// Panel heading.
        diagnostics: &'static str = "Diagnostics",
        /// Diagnostics label.
        workspace: &'static str = "Workspace",
        /// Diagnostics label.
        attempt: &'static str = "Attempt",
        /// Diagnostics label.
        lease_owner: &'static str = "Lease owner",
        /// Diagnostics label.
        lease_expires: &'static str = "Lease expires",
        /// Diagnostics label.
        dedupe_key: &'static str = "Dedupe key",
        /// Diagnostics label.
        failure_code: &'static str = "Failure code",
        /// Diagnostics heading.
        failure_detail: &'static str = "Failure detail",
        /// Diagnostics heading.
        context: &'static str = "Context",
        /// The action that asks an active run to stop.
        cancel: &'static str = "Cancel this run",
        /// The confirmation dialog's title.
        cancel_title: &'static str = "Cancel this run?",
        /// What cancelling does.
        cancel_explained: &'static str =
            "A queued run is cancelled at once. A running run stops at its next report and keeps what it finished so far. This cannot be undone.",
        /// Confirms the cancellation.
        cancel_confirm: &'static str = "Yes, cancel it",
        /// Closes the dialog without cancelling.
        cancel_keep: &'static str = "Keep it running",
        /// A queued run was cancelled.
        cancelled_now: &'static str = "Cancelled. It never started.",
        /// A running run was asked to stop.
        cancel_requested: &'static str = "Asked to stop. It stops at its next report and keeps what it finished.",
        /// Cancelling a run that ended meanwhile.
        cancel_too_late: &'static str = "It already finished, so there was nothing to cancel.",
        /// The action that starts a run again with the same type, scope and inputs.
        retry: &'static str = "Run again",
        /// The confirmation dialog's title.
        retry_title: &'static str = "Run this again?",
        /// What running again does.
        retry_explained: &'static str =
            "A new run starts with the same type, tenant and inputs. This run stays as it ended, linked to the new one.",
        /// Confirms running again.
        retry_confirm: &'static str = "Yes, run it again",
        /// Closes the dialog without running again.
        retry_keep: &'static str = "Not now",
        /// A retry was queued.
        retry_started: &'static str = "Running again.",
        /// The retry already exists.
        retry_exists: &'static str = "This run was already run again; here is that run.",
        /// Running again a run that did not need it.
        retry_not_offered: &'static str = "This run needs no second attempt.",
        /// Link from a retry to its original.
        retry_of: fn(i64) -> String = |id| format!("Second attempt of operation #{id}"),
        /// Link from an original to its retry.
        retried_by: fn(i64) -> String = |id| format!("Run again as operation #{id}"),
    }
}

group! {
    /// The system plane.
    struct System = SYSTEM {
        /// The overview's heading.
        heading: &'static str = "System",
        /// What it holds.
        lede: &'static str = "Every workspace on this platform, and whether any of its work is stuck right now.",
        /// Link and heading: stuck runs.
        stuck: &'static str = "Stuck right now",
        /// Link and heading: runs needing follow-up.
        follow_up: &'static str = "Needs follow-up",
        /// Link and heading: every run.
        all_runs: &'static str = "All runs",
        /// After the three links.
        across: &'static str = " — across every workspace",
        /// The heading of the "Workspace" column.
        col_workspace: &'static str = "Workspace",
        /// The heading of the "Tenants" column.
        col_tenants: &'static str = "Tenants",
        /// The heading of the "Members" column.
        col_members: &'static str = "Members",
        /// The heading of the "Active" column.
        col_active: &'static str = "Active",
        /// The heading of the "Likely stuck" column.
        col_likely_stuck: &'static str = "Likely stuck",
        /// The heading of the "Failed" column.
        col_failed: &'static str = "Failed",
        /// The heading of the "All runs" column.
        col_runs: &'static str = "All runs",
        /// Which instance answered.
        answered_by: fn(&str) -> String = |instance| format!("Answered by {instance}."),
        /// The stuck list's explanation.
        stuck_lede: &'static str = "Active runs of every workspace that stopped reporting, ran past their time limit or never started, the one stuck longest first. The reconciler closes each of them at its next sweep.",
        /// Nothing stuck.
        stuck_empty: &'static str = "Nothing is stuck right now.",
        /// Back link.
        back: &'static str = "Back to the system overview",
        /// The heading of the "Run" column.
        col_run: &'static str = "Run",
        /// The heading of the column saying since when (and why) a run is stuck.
        col_stuck_since: &'static str = "Stuck since",
        /// Why a run is stuck.
        stuck_because: fn(Abandoned) -> &'static str = |a| match a {
            Abandoned::NeverStarted => "no worker took it",
            Abandoned::WorkerSilent => "its worker went silent",
            Abandoned::PastTimeLimit => "past its time limit",
        },
        /// The follow-up list's explanation.
        follow_up_lede: &'static str = "Runs of every workspace that ended needing a person: failed, partial or blocked by their own work, or stopped by the system after going stale.",
        /// The all-runs list's explanation.
        all_runs_lede: &'static str = "Every run of every workspace, newest first.",
    }
}

group! {
    /// The tenant workbench.
    struct Tenant = TENANT {
        /// While it loads.
        loading: &'static str = "Loading the tenant…",
        /// When it cannot be shown.
        unavailable: &'static str = "Tenant unavailable",
        /// Link to the list filtered to this tenant.
        operations: &'static str = "This tenant's operations",
        /// Panel heading.
        inventory: &'static str = "Inventory",
        /// No inventory yet.
        nothing_synced: &'static str = "Nothing synced yet.",
        /// Inventory size (and whether only the first 20 are listed).
        inventory_count: fn(i64, bool) -> String = |n, first| {
            format!("{n} items in inventory{}.", if first { "; the first 20 by name" } else { "" })
        },
        /// An item's version.
        version: fn(i64) -> String = |v| format!("version {v}"),
        /// Panel heading.
        drift: &'static str = "Drift since the baseline",
        /// No compare yet.
        no_compare: &'static str = "No baseline compare has completed yet.",
        /// No drift.
        no_drift: &'static str = "No drift: the tenant matches its baseline.",
        /// Panel heading.
        baselines: &'static str = "Baselines",
        /// None yet.
        no_baselines: &'static str = "No baseline captured yet.",
        /// A snapshot.
        snapshot: fn(i64) -> String = |id| format!("Snapshot #{id}"),
        /// A snapshot's size.
        items: fn(i64) -> String = |n| format!("{n} items"),
        /// The button that starts a compare with this snapshot.
        compare_now: &'static str = "Compare now",
        /// The restore's confirmation.
        restore_confirm: &'static str = " I understand this puts the tenant's configuration back to this baseline",
        /// The button that starts a restore of this snapshot.
        restore: &'static str = "Restore",
        /// Panel heading.
        reviews: &'static str = "Environment reviews",
        /// None yet.
        no_reviews: &'static str = "No review composed yet.",
        /// A review.
        review: fn(i64) -> String = |id| format!("Review #{id}"),
        /// Tooltip of a review's fingerprint.
        fingerprint: &'static str = "Evidence fingerprint",
        /// The button that publishes a ready review.
        publish: &'static str = "Publish",
        /// After publishing.
        published: &'static str = "Review published.",
        /// Panel heading.
        packs: &'static str = "Review packs",
        /// None yet.
        no_packs: &'static str = "No review pack generated yet.",
        /// A pack.
        pack: fn(i64) -> String = |id| format!("Pack #{id}"),
        /// When a pack expires.
        expires: fn(&str) -> String = |at| format!("expires {at}"),
        /// The link that downloads a ready pack.
        download: &'static str = "Download",
        /// Panel heading.
        restores: &'static str = "Restores",
        /// None yet.
        no_restores: &'static str = "No restore started yet.",
        /// A restore and its snapshot.
        restore_of: fn(i64, i64) -> String = |id, snapshot| format!("Restore #{id} of baseline #{snapshot}"),
        /// A restore's tally.
        restore_tally: fn(i64, i64) -> String = |applied, failed| format!("{applied} put back, {failed} refused"),
        /// A record's status (review, pack, restore) by its stored spelling.
        record_status: fn(&str) -> String = |s| match s {
            "composing" => "being composed".to_owned(),
            "generating" => "being generated".to_owned(),
            "applying" => "being applied".to_owned(),
            other => other.replace('_', " "),
        },
    }
}

group! {
    /// The tenant dashboard: counts, the progress overlay, attention, the review-pack card.
    struct Dashboard = DASHBOARD {
        /// A count's label.
        bucket: fn(Bucket) -> &'static str = |b| match b {
            Bucket::Active => "Active",
            Bucket::Stuck => "Stuck right now",
            Bucket::FollowUp => "Needs follow-up",
            Bucket::Stopped => "Stopped by the system",
            Bucket::SucceededRecently => "Succeeded in the last 24 h",
        },
        /// The counts' accessible name.
        counts_label: &'static str = "This tenant's operations at a glance",
        /// The overlay's heading.
        overlay: &'static str = "In progress",
        /// The overlay with nothing active.
        overlay_empty: &'static str = "Nothing is running for this tenant right now.",
        /// A run that just finished, before it leaves the overlay.
        just_finished: &'static str = "Just finished",
        /// The attention section's heading.
        attention: &'static str = "Needs attention",
        /// No run needs attention.
        attention_none: &'static str = "Nothing needs attention.",
        /// See every run of a bucket.
        see_all: fn(u64) -> String = |n| format!("See all {}", grouped(n, ',')),
        /// The overlay's link to the active runs it has no room for.
        and_more: fn(u64) -> String = |n| format!("and {} more", grouped(n, ',')),
        /// The recent operations' heading.
        recent: &'static str = "Recent operations",
        /// No operations yet.
        recent_none: &'static str = "No operation has run for this tenant yet.",
        /// The pack card's heading.
        pack: &'static str = "Latest review pack",
        /// No pack yet.
        pack_none: &'static str = "No review pack yet. Generate one from a ready review below.",
        /// Pack queued or generating.
        pack_in_progress: &'static str = "Being generated. This card updates by itself.",
        /// The pack card while its run waits for a worker.
        pack_queued: &'static str = "Queued: it starts as soon as a worker is free. This card updates by itself.",
        /// Pack ready: its size and when it expires.
        pack_ready: fn(&str, &str) -> String = |size, within| format!("Ready: {size}, kept for another {within}."),
        /// Pack failed (the reason follows).
        pack_failed: &'static str = "Generating it did not succeed.",
        /// Pack expired.
        pack_expired: &'static str = "It has expired and its file is gone.",
        /// Generate the pack again.
        generate_again: &'static str = "Generate again",
        /// The pack's run.
        pack_run: &'static str = "Its operation",
        /// The workspace overview's heading.
        overview: &'static str = "Overview",
        /// What the overview holds.
        overview_lede: &'static str = "Every tenant you may see in this workspace: what runs, what is stuck, what needs a person.",
        /// The overview's tenant table heading.
        tenants: &'static str = "Tenants",
        /// A size in bytes, readably.
        size: fn(i64) -> String = |b| match b {
            ..=1023 => format!("{b} B"),
            1024..=1_048_575 => format!("{} KB", one_decimal(b, 1024, '.')),
            _ => format!("{} MB", one_decimal(b, 1_048_576, '.')),
        },
    }
}

group! {
    /// Roles as pages name them.
    struct Access = ACCESS {
        /// A member's role, next to their name.
        role: fn(Role) -> &'static str = |r| match r {
            Role::Owner => "Owner",
            Role::Manager => "Manager",
            Role::Operator => "Operator",
            Role::Reader => "Reader",
        },
    }
}

group! {
    /// What only the server words: refusals for a missing capability or grant, account and
    /// token administration (the command line, the API) and the checks sign-in shares with it.
    struct Accounts = ACCOUNTS {
        /// An email address that does not look like one.
        bad_email: &'static str = "Give an email address such as dana@example.com.",
        /// A display name too long.
        long_name: &'static str = "Give a display name of at most 120 characters.",
        /// A password too short (the minimum).
        short_password: fn(usize) -> String = |min| format!("A password needs at least {min} characters."),
        /// Unknown user.
        no_user: fn(&str) -> String = |email| format!("There is no user {email}."),
        /// Unknown workspace slug.
        no_workspace: fn(&str) -> String = |slug| format!("There is no workspace {slug:?}."),
        /// Unknown tenant slug in a workspace.
        no_tenant: fn(&str, &str) -> String =
            |slug, workspace| format!("There is no tenant {slug:?} in workspace {workspace:?}."),
        /// A role that does not exist.
        not_a_role: fn(&str) -> String = |role| format!("{role:?} is not a role (owner, manager, operator or reader)."),
        /// A grant naming no tenant.
        name_tenants: &'static str = "Name at least one tenant, or grant every tenant.",
        /// Revoking a membership that does not exist.
        not_member: fn(&str, &str) -> String = |email, workspace| format!("{email} is not a member of {workspace:?}."),
        /// The calm sentence when a member lacks a capability.
        refusal: fn(Capability) -> &'static str = |c| match c {
            Capability::ViewRuns => "Your role cannot see operations in this workspace.",
            Capability::StartOperations => "Your role can watch operations but not start them. Ask a workspace manager.",
            Capability::ChangeConfiguration => {
                "Your role cannot change a tenant's configuration. Ask a workspace manager to run the restore."
            }
            Capability::PublishReviews => "Your role cannot publish reviews. Ask a workspace manager.",
            Capability::ManageMembers => "Only the workspace owner can manage members.",
            Capability::ManageTokens => "Only the workspace owner can manage API tokens.",
            Capability::ReportRuns => "Runs are reported with an API token that may report runs.",
        },
        /// The calm sentence when an API token lacks a capability.
        token_refusal: fn(Capability) -> &'static str = |c| match c {
            Capability::ViewRuns => "This API token cannot read runs. Give it the read_runs grant.",
            Capability::StartOperations => "This API token cannot start runs. Give it the start_runs grant.",
            Capability::ReportRuns => "This API token cannot report runs. Give it the report_runs grant.",
            Capability::ChangeConfiguration
            | Capability::PublishReviews
            | Capability::ManageMembers
            | Capability::ManageTokens => "An API token cannot do this; a person signed in can.",
        },
        /// Unknown, revoked-elsewhere or out-of-scope API token.
        no_token: &'static str = "There is no API token with that id.",
        /// A token name empty, too long or with control characters (the longest allowed).
        bad_token_name: fn(usize) -> String =
            |max| format!("Give the token a name of at most {max} characters, so people can tell tokens apart."),
        /// A token without (known) grants.
        bad_token_grants: &'static str = "Give the token at least one grant: read_runs, start_runs or report_runs.",
        /// An expiry that is not a future day.
        bad_token_expiry: &'static str = "A token's expiry must be a number of days from now, between 1 and 3650.",
        /// A dedupe key that cannot be one (the longest allowed).
        bad_dedupe_key: fn(usize) -> String =
            |max| format!("A dedupe key is 1 to {max} characters without control characters."),
        /// An API request's field that is missing, of the wrong kind or unknown.
        bad_field: fn(&str) -> String =
            |field| format!("The field {field:?} is missing, not of the right kind, or not a field of this request."),
        /// A workspace run type's key of the wrong shape (the longest allowed).
        bad_type_key: fn(usize) -> String = |max| {
            format!(
                "A run type's key is 3 to {max} characters: lowercase letters, digits, dots, dashes or underscores, \
                 starting with a letter (e.g. backup.snapshot)."
            )
        },
        /// A workspace run type's windows that do not make sense.
        bad_type_windows: &'static str = "Every window is at least one second, and the expected queue wait and \
                                          duration are shorter than stale-after.",
        /// A workspace run type under a built-in type's key.
        built_in_type: &'static str = "That key is one of Opshub's own run types; choose another key.",
        /// A report of work of one of Opshub's own run types.
        opshub_runs_it: &'static str =
            "Opshub runs its own run types itself; report only the run types your workspace registered.",
        /// A worker reporting on a run it does not hold.
        not_held: &'static str = "This worker does not hold that run: it has ended, the system closed it, or \
                                  another worker holds it. Stop working on it.",
        /// Unknown, removed-elsewhere or out-of-scope webhook endpoint.
        no_webhook: &'static str = "There is no webhook endpoint with that id.",
        /// Unknown or out-of-scope webhook delivery, or one whose endpoint was removed.
        no_delivery: &'static str = "There is no delivery with that id to an endpoint that still listens.",
        /// An endpoint address Opshub will not send to.
        bad_webhook_url: &'static str = "An endpoint is an https:// address with a host name, at most 2,000 \
                                         characters, without a user name or password in it.",
        /// An endpoint without (known) event types.
        bad_webhook_events: &'static str =
            "Choose at least one event: run.finished, run.reconciled or run.stuck.",
        /// An API call without a usable token.
        token_required: &'static str =
            "Send a valid API token as \"Authorization: Bearer opshub_…\"; this one is unknown, revoked or expired.",
    }
}

group! {
    /// Errors every request can meet.
    struct Errors = ERRORS {
        /// Anything unexpected (the detail is logged, never shown).
        internal: &'static str =
            "Something went wrong inside Opshub. Please try again; if it keeps happening, tell your platform team.",
        /// The request's id after an internal error, so support can find its log lines.
        reference: fn(&str) -> String = |id| format!("Reference: {id}."),
        /// A request body that did not parse.
        bad_shape: &'static str = "The request was not in the expected shape.",
        /// The browser could not reach the server.
        unreachable: &'static str = "Opshub could not be reached. Check your connection and try again.",
        /// The session has ended or never began.
        sign_in: &'static str = "Sign in to continue.",
        /// A state-changing request from another site.
        cross_origin: &'static str = "This request did not come from an Opshub page, so it was refused.",
        /// A system-plane address for someone who may not see it.
        nothing_here: &'static str = "There is nothing at this address.",
        /// Unknown or out-of-scope run.
        no_operation: &'static str = "There is no operation with that id.",
        /// Unknown or out-of-scope tenant.
        no_tenant: &'static str = "There is no tenant with that id.",
        /// Unknown or out-of-scope review.
        no_review: &'static str = "There is no review with that id.",
        /// Unknown notification.
        no_notification: &'static str = "There is no notification with that id.",
        /// Unknown workspace (or not a member).
        no_workspace: &'static str = "There is no workspace with that id.",
        /// A run whose stored record cannot be read.
        damaged_run: &'static str = "This run's record is damaged and cannot be shown. Your platform team has the details.",
        /// Filter: workspace.
        bad_workspace_filter: &'static str = "The workspace filter is not a workspace id.",
        /// Filter: tenant.
        bad_tenant_filter: &'static str = "The tenant filter is not a tenant id.",
        /// Filter: type.
        bad_type_filter: &'static str = "There is no operation type with that name.",
        /// Filter: status.
        bad_status_filter: &'static str = "The status filter must be active, queued, running or completed.",
        /// Filter: completed since.
        bad_since_filter: &'static str = "The completion filter must be a time in milliseconds since 1970.",
        /// Filter: outcome.
        bad_outcome_filter: &'static str =
            "The outcome filter must be succeeded, partially_succeeded, failed, blocked or cancelled.",
        /// Filter: class.
        bad_class_filter: &'static str =
            "The problem filter must be active_stale, terminal_follow_up, reconciled_stale or none.",
        /// A page cursor that does not parse.
        bad_page: &'static str = "That page link is not valid any more; start from the first page.",
        /// Start: no type.
        choose_operation: &'static str = "Choose an operation to start.",
        /// Start: no tenant.
        choose_tenant: &'static str = "Choose a tenant.",
        /// Start: unknown snapshot.
        no_snapshot: &'static str = "There is no baseline snapshot with that id for this tenant.",
        /// Start: restore without a snapshot.
        choose_snapshot: &'static str = "Choose the baseline snapshot to restore.",
        /// Start: a snapshot where none is taken.
        snapshot_not_taken: &'static str = "Only a baseline compare or a restore takes a snapshot.",
        /// Start: unknown review for a pack.
        no_review_for_pack: &'static str = "There is no ready or published review with that id for this tenant.",
        /// Start: a review where none is taken.
        review_not_taken: &'static str = "Only a review pack takes a review.",
        /// Start: restore not confirmed.
        confirm_restore: &'static str =
            "Confirm the restore first: it changes the tenant's configuration back to the baseline.",
        /// Start: a conflict that persisted through retries.
        could_not_start: &'static str = "The operation could not be started right now; please try again.",
        /// A language this version does not speak.
        bad_language: &'static str = "Choose English, Deutsch or the browser's language.",
        /// Sign-in refused.
        wrong_credentials: &'static str = "That email and password do not match an account.",
        /// Sign-in throttled.
        throttled: &'static str = "Too many sign-in attempts. Wait a minute, then try again.",
        /// Signed in, but a member of no workspace.
        no_membership: &'static str =
            "Your account is not a member of any workspace yet. Ask a workspace owner to add you.",
        /// Publishing a review that is not ready.
        not_publishable: fn(&str) -> String = |status| format!("Only a ready review can be published; this one is {status}."),
        /// Two publishes of one tenant's reviews at the same moment: this one lost.
        published_meanwhile: &'static str =
            "Another review of this tenant was published at the same moment. Reload to see which one is current.",
    }
}

group! {
    /// Sentences written into records for people to read later.
    struct Records = RECORDS {
        /// A run that ended with no sentence of its own.
        did_not_finish: &'static str = "It did not finish.",
        /// A run of a type this instance cannot run.
        no_handler: &'static str = "This server cannot run this kind of operation.",
        /// A job that failed unexpectedly.
        internal: &'static str = "Something went wrong inside Opshub.",
        /// A run cancelled by a shutdown.
        shutdown: &'static str = "Stopped because the server was shutting down.",
        /// A run a person cancelled.
        cancelled_on_request: &'static str = "Stopped on request before it finished; what it finished is kept.",
        /// A tenant run without a tenant, by run type.
        needs_tenant: fn(RunType) -> &'static str = |t| match t {
            RunType::InventorySync => "An inventory sync needs a tenant.",
            RunType::BaselineCapture | RunType::BaselineCompare => "A baseline needs a tenant.",
            RunType::EnvironmentReviewCompose => "A review needs a tenant.",
            RunType::ReviewPackGenerate => "A review pack needs a tenant.",
            RunType::RestoreExecute => "A restore needs a tenant.",
        },
        /// The provider refused a request.
        provider_rejected: &'static str = "The provider rejected the request.",
        /// An inventory sync that read nothing.
        none_readable: fn(i64) -> String = |n| format!("None of the {n} items could be read from the provider."),
        /// An inventory sync that read part.
        some_unreadable: fn(i64, i64) -> String =
            |failed, total| format!("{failed} of {total} items could not be read from the provider."),
        /// A capture with nothing to capture.
        nothing_to_capture: &'static str = "There is nothing to capture: the provider reports no items for this tenant.",
        /// A capture that left items out.
        capture_skipped: fn(i64, i64) -> String =
            |skipped, total| format!("{skipped} of {total} items could not be read and were left out of the baseline."),
        /// A compare that left items out.
        compare_skipped: fn(i64, i64) -> String =
            |skipped, total| format!("{skipped} of {total} items could not be read and were not compared."),
        /// A compare against a snapshot of another tenant or none.
        baseline_missing: &'static str = "The chosen baseline does not exist for this tenant.",
        /// A compare with no baseline at all.
        no_baseline_yet: &'static str = "No baseline has been captured for this tenant yet. Capture one first.",
        /// A restore whose snapshot is gone.
        restore_baseline_missing: &'static str = "The baseline chosen for this restore does not exist for this tenant.",
        /// A restore item the provider refused.
        item_refused: &'static str = "The provider refused this change.",
        /// A restore item already as the baseline.
        item_unchanged: &'static str = "Already matched the baseline.",
        /// A restore item put back.
        item_restored: &'static str = "Settings put back to the baseline.",
        /// A restore item re-created.
        item_recreated: &'static str = "Re-created from the baseline.",
        /// A restore refused entirely.
        restore_refused: &'static str = "The provider refused every change of this restore.",
        /// A restore refused in part.
        restore_partial: fn(i64, i64) -> String =
            |failed, total| format!("{failed} of {total} items could not be put back; the others match the baseline."),
        /// Review section: inventory.
        section_inventory: &'static str = "Inventory",
        /// Review section: baseline comparison.
        section_comparison: &'static str = "Baseline comparison",
        /// Review section: drift findings.
        section_findings: &'static str = "Drift findings",
        /// Review section: recent failures.
        section_failures: &'static str = "Recent failures",
        /// A review pack's heading.
        pack_heading: fn(i64) -> String = |id| format!("Environment review #{id}"),
        /// A review pack's first line: the review's status and evidence fingerprint.
        pack_lede: fn(&str, &str) -> String = |status, fp| format!("Status: {status}. Evidence fingerprint: {fp}."),
        /// Review section: summary.
        section_summary: &'static str = "Summary",
        /// Inventory evidence.
        inventory_ready: fn(i64, i64) -> String =
            |items, run| format!("{items} items in inventory, last synced by operation #{run}."),
        /// Inventory evidence missing: the last sync failed.
        inventory_failed: fn(i64) -> String = |run| format!("The latest inventory sync (#{run}) did not succeed."),
        /// Inventory evidence missing: never synced.
        inventory_none: &'static str = "No inventory sync has completed for this tenant.",
        /// Comparison evidence.
        comparison_ready: fn(i64) -> String = |run| format!("Compared with the baseline by operation #{run}."),
        /// Comparison evidence missing: the last compare failed.
        comparison_failed: fn(i64) -> String = |run| format!("The latest baseline compare (#{run}) did not succeed."),
        /// Comparison evidence missing: never compared.
        comparison_none: &'static str = "No baseline compare has completed for this tenant.",
        /// Findings evidence.
        findings_ready: fn(i64, i64, i64) -> String = |added, removed, changed| {
            format!("{added} added, {removed} removed and {changed} changed items since the baseline.")
        },
        /// Findings evidence missing.
        findings_none: &'static str = "No drift findings are available without a successful compare.",
        /// No recent failures.
        failures_none: &'static str = "No operation failed in the last seven days.",
        /// Recent failures (how many, which).
        failures_some: fn(usize, &str) -> String =
            |n, list| format!("{n} operations failed in the last seven days: {list}."),
        /// Summary: every source available.
        summary_complete: &'static str = "All evidence sources were available.",
        /// Summary: some sources missing.
        summary_without: fn(&str) -> String = |missing| format!("Composed without: {missing}."),
        /// A compose that completed partially.
        composed_without: fn(&str) -> String = |missing| format!("The review was composed without: {missing}."),
        /// A compose that met another compose of the same evidence.
        compose_in_progress: &'static str = "Another review of the same evidence is being composed right now; this run stopped so the two do not overwrite each other. Open the tenant's reviews to see it.",
        /// A pack with nothing to export.
        nothing_to_export: &'static str =
            "There is no ready or published review to export for this tenant. Compose one first.",
    }
}

group! {
    /// The owner's API tokens page (`/admin/tokens`).
    struct Tokens = TOKENS {
        /// The top bar's link and the page's heading.
        heading: &'static str = "API tokens",
        /// What the page is for.
        lede: &'static str = "Tokens let your platform's own workers report their runs to Opshub and read them back. \
                              Each token acts in this workspace only, with the grants you give it.",
        /// The form's heading.
        make: &'static str = "Make a token",
        /// The name field.
        name: &'static str = "Name",
        /// Hint under the name field.
        name_hint: &'static str = "Say which workers use it, so you can tell tokens apart.",
        /// The tenant field.
        tenant: &'static str = "Tenant",
        /// No tenant restriction.
        every_tenant: &'static str = "Every tenant",
        /// The grants' legend.
        grants: &'static str = "It may",
        /// What each grant allows.
        grant: fn(TokenGrant) -> &'static str = |g| match g {
            TokenGrant::ReadRuns => "read runs",
            TokenGrant::StartRuns => "start runs",
            TokenGrant::ReportRuns => "report runs it runs itself",
        },
        /// The expiry field.
        expiry: &'static str = "Works for",
        /// No expiry.
        never: &'static str = "until revoked",
        /// A number of days.
        days: fn(u64) -> String = |n| if n == 1 { "1 day".to_owned() } else { format!("{n} days") },
        /// The form's button.
        submit: &'static str = "Make token",
        /// Above a new token's secret.
        created: fn(&str) -> String = |name| format!("Token {name:?} is ready. Copy its secret now:"),
        /// Under a new token's secret.
        shown_once: &'static str = "It is shown only this once: Opshub keeps only a hash of it. \
                                    Send it as \"Authorization: Bearer …\" to /api/v1.",
        /// The list's heading.
        list: &'static str = "Tokens of this workspace",
        /// No tokens yet.
        empty: &'static str = "No tokens yet.",
        /// Column: the token's first characters.
        starts_with: &'static str = "Starts with",
        /// Column: what it may do.
        may: &'static str = "May",
        /// Column: its tenant.
        scope: &'static str = "Tenant",
        /// Column: where it stands.
        state: &'static str = "State",
        /// Column: last use.
        last_used: &'static str = "Last used",
        /// Never used.
        unused: &'static str = "never",
        /// Column: expiry.
        expires: &'static str = "Expires",
        /// Where a token stands.
        state_word: fn(TokenState) -> &'static str = |s| match s {
            TokenState::Active => "Active",
            TokenState::Expired => "Expired",
            TokenState::Revoked => "Revoked",
        },
        /// The revoke button.
        revoke: &'static str = "Revoke",
        /// The revoke button's accessible name.
        revoke_label: fn(&str) -> String = |name| format!("Revoke token {name:?}"),
        /// While the list loads.
        loading: &'static str = "Loading tokens…",
    }
}

group! {
    /// The webhooks section of the owner's integrations page (`/admin/tokens`). It borrows
    /// the tokens page's words where they mean the same (state, revoke, revoked), so the main
    /// bundle carries them once.
    struct Webhooks = WEBHOOKS {
        /// The top bar's link and the page's heading.
        heading: &'static str = "Webhooks",
        /// What the page is for.
        lede: &'static str = "Opshub tells your endpoints when runs end or get stuck, signed, and retries until they answer.",
        /// The form's heading.
        subscribe: &'static str = "Subscribe an endpoint",
        /// The address field and column.
        url: &'static str = "Address (https://)",
        /// The events' legend and column.
        events: &'static str = "Events",
        /// What each event is.
        event: fn(EventType) -> &'static str = |e| match e {
            EventType::Finished => "a run finished",
            EventType::Reconciled => "the system closed a run",
            EventType::Stuck => "a run is stuck",
        },
        /// The form's button.
        submit: &'static str = "Subscribe",
        /// Above a new endpoint's secret, shown once.
        created: &'static str = "Copy its signing secret now; it is shown only this once:",
        /// The endpoints' heading.
        endpoints: &'static str = "Endpoints",
        /// An empty list.
        none: &'static str = "None yet.",
        /// The deliveries' heading.
        deliveries: &'static str = "Latest deliveries",
        /// Column: attempts made.
        attempts: &'static str = "Attempts",
        /// Column: the last attempt's answer.
        last: &'static str = "Last answer",
        /// Column: the next attempt.
        next: &'static str = "Next try",
        /// Where a delivery stands.
        state_word: fn(DeliveryState) -> &'static str = |s| match s {
            DeliveryState::Pending => "Retrying",
            DeliveryState::Delivered => "Delivered",
            DeliveryState::Failed => "Given up",
        },
        /// Why an attempt did not deliver.
        fault: fn(Fault) -> &'static str = |f| match f {
            Fault::Answered => "error answer",
            Fault::Timeout => "no answer in time",
            Fault::Connect => "could not connect",
            Fault::Request => "request failed",
            Fault::Address => "address not allowed",
        },
        /// The retry button.
        retry: &'static str = "Retry now",
    }
}

group! {
    /// Small pages served outside the app.
    struct Pages = PAGES {
        /// A pack past its retention.
        pack_expired_title: &'static str = "This review pack has expired",
        /// Why, and what to do.
        pack_expired_body: &'static str =
            "Review packs are kept for a limited time. Generate a new pack from the review to download it again.",
        /// A pack not ready.
        pack_not_ready_title: &'static str = "This review pack is not ready",
        /// Why a pack that is not ready cannot be downloaded.
        pack_not_ready_body: &'static str =
            "It is still being generated, or generating it did not succeed. Its operation says which.",
        /// Unknown pack.
        pack_not_found_title: &'static str = "Review pack not found",
        /// Why an unknown pack cannot be downloaded.
        pack_not_found_body: &'static str = "There is no review pack with that id.",
        /// A pack that could not be read.
        pack_failed_title: &'static str = "Something went wrong",
        /// What to do.
        pack_failed_body: &'static str = "The review pack could not be read. Please try again.",
    }
}
