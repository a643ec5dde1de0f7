//! The German catalog: the same groups as [`super::en`], worded in German. Each value is a
//! struct literal, so an entry added to a group and forgotten here fails the build; the
//! coverage test in [`super`] fails on one left in English.
//!
//! Terms, kept the same everywhere: operation → Vorgang, tenant → Mandant, workspace →
//! Arbeitsbereich, baseline → Baseline, review → Umgebungsprüfung (short: Prüfung), review
//! pack → Prüfpaket, restore → Wiederherstellung, worker → Worker.

use super::en::{
    Access, Accounts, Badges, Dashboard, Decision, Detail, Errors, List, Login, Notices, Pages, Records, Runs, Shell,
    System, Tenant, Time, Timeline, Tokens, Webhooks,
};
use super::{Locale, grouped, one_decimal};
use crate::api::{Bucket, TokenState};
use crate::domain::access::{Capability, Role};
use crate::domain::reconcile::{Abandoned, Reason};
use crate::domain::token::TokenGrant;
use crate::domain::webhook::{DeliveryState, EventType, Fault};
use crate::domain::{Freshness, ProblemClass, RunOutcome, RunStatus, RunType, SummaryKey};

/// "1.234" — German groups thousands with a dot.
fn n(v: u64) -> String {
    grouped(v, '.')
}

/// The German [`Shell`].
pub const SHELL: Shell = Shell {
    app_name: "Opshub",
    page_title: |page| format!("{page} · Opshub"),
    system_page_title: |page| format!("{page} · System · Opshub"),
    nav_overview: "Übersicht",
    nav_operations: "Vorgänge",
    nav_system: "System",
    notifications: "Benachrichtigungen",
    bell_label: |count| format!("Benachrichtigungen, {} ungelesen", n(count)),
    workspace: "Arbeitsbereich",
    switch: "Wechseln",
    sign_out: "Abmelden",
    language: "Sprache",
    browser_language: "Sprache des Browsers",
    language_name: |l| match l {
        Locale::En => "English",
        Locale::De => "Deutsch",
    },
    sign_in: "Anmelden",
    loading: "Wird geladen …",
    not_found_title: "Seite nicht gefunden",
    not_found_body: "Unter dieser Adresse gibt es nichts.",
    go_to_operations: "Zu den Vorgängen",
    absent: "—",
};

/// The German [`Time`].
pub const TIME: Time = Time {
    seconds: |s| format!("{s} s"),
    minutes: |m| format!("{m} Min."),
    hours: |h| format!("{h} Std."),
    hours_minutes: |h, m| format!("{h} Std. {m} Min."),
    days: |d| if d == 1 { "1 Tag".to_owned() } else { format!("{d} Tage") },
    ago: |d| format!("vor {d}"),
    number: n,
    percent: |p| format!("{p} %"),
    date_time: |p| format!("{:02}.{:02}.{}, {:02}:{:02} UTC", p.day, p.month, p.year, p.hour, p.minute),
};

/// The German [`Login`].
pub const LOGIN: Login = Login {
    title: "Anmelden",
    heading: "Bei Opshub anmelden",
    lede: "Verwenden Sie die E-Mail-Adresse und das Passwort, die Sie von der Inhaberin oder dem Inhaber Ihres Arbeitsbereichs erhalten haben.",
    email: "E-Mail",
    password: "Passwort",
    submit: "Anmelden",
    pending: "Anmeldung läuft …",
};

/// The German [`Badges`].
pub const BADGES: Badges = Badges {
    status: |s| match s {
        RunStatus::Queued => "Wartet",
        RunStatus::Running => "Läuft",
        RunStatus::Completed => "Abgeschlossen",
    },
    outcome: |o| match o {
        RunOutcome::Succeeded => "Erfolgreich",
        RunOutcome::PartiallySucceeded => "Teilweise erfolgreich",
        RunOutcome::Failed => "Fehlgeschlagen",
        RunOutcome::Blocked => "Blockiert",
        RunOutcome::Cancelled => "Abgebrochen",
    },
    freshness: |f| match f {
        Freshness::Fresh => "Im Plan",
        Freshness::PastExpected => "Dauert länger als üblich",
        Freshness::LikelyStale => "Vermutlich hängen geblieben",
    },
    problem: |p| match p {
        ProblemClass::ActiveStale => "Hängt gerade",
        ProblemClass::TerminalFollowUp => "Braucht Nacharbeit",
        ProblemClass::ReconciledStale => "Vom System beendet",
        ProblemClass::None => "Nichts zu tun",
    },
};

/// The German [`Runs`].
pub const RUNS: Runs = Runs {
    run_type: |t| match t {
        RunType::InventorySync => "Inventar-Synchronisierung",
        RunType::BaselineCapture => "Baseline-Erfassung",
        RunType::BaselineCompare => "Baseline-Vergleich",
        RunType::EnvironmentReviewCompose => "Umgebungsprüfung",
        RunType::ReviewPackGenerate => "Prüfpaket-Export",
        RunType::RestoreExecute => "Wiederherstellung",
    },
    own_type: |_en, de| de,
    start_verb: |t| match t {
        RunType::InventorySync => "Inventar synchronisieren",
        RunType::BaselineCapture => "Baseline erfassen",
        RunType::BaselineCompare => "Mit Baseline vergleichen",
        RunType::EnvironmentReviewCompose => "Prüfung erstellen",
        RunType::ReviewPackGenerate => "Prüfpaket erzeugen",
        RunType::RestoreExecute => "Wiederherstellen",
    },
    phase: |key| match key {
        "checking_eligibility" => Some("Voraussetzungen werden geprüft"),
        "capturing_evidence" => Some("Nachweise werden erfasst"),
        "saving_snapshot" => Some("Snapshot wird gespeichert"),
        "loading_baseline" => Some("Baseline wird geladen"),
        "comparing" => Some("Vergleich läuft"),
        "recording_findings" => Some("Abweichungen werden festgehalten"),
        _ => None,
    },
    evidence_sources: "Nachweisquellen",
    summary_key: |k| match k {
        SummaryKey::Total => "Gesamt",
        SummaryKey::Processed => "Verarbeitet",
        SummaryKey::Succeeded => "Erfolgreich",
        SummaryKey::Failed => "Fehlgeschlagen",
        SummaryKey::Skipped => "Übersprungen",
        SummaryKey::Created => "Angelegt",
        SummaryKey::Updated => "Aktualisiert",
        SummaryKey::Unchanged => "Unverändert",
        SummaryKey::Removed => "Entfernt",
        SummaryKey::ItemsCaptured => "Erfasste Elemente",
        SummaryKey::FindingsAdded => "Hinzugekommene Elemente",
        SummaryKey::FindingsRemoved => "Entfernte Elemente",
        SummaryKey::FindingsChanged => "Geänderte Elemente",
        SummaryKey::Sections => "Abschnitte",
    },
    waiting: "Wartet auf einen Worker",
    working: "In Arbeit",
    counted: |done, total| format!("{} von {} verarbeitet", n(done), n(total)),
    phased: |label, step, of| format!("{label} — Schritt {step} von {of}"),
    composite: |ready, total, noun, failed| {
        if failed > 0 {
            format!("{ready} von {total} {noun} bereit, {failed} fehlgeschlagen")
        } else {
            format!("{ready} von {total} {noun} bereit")
        }
    },
    whole_workspace: "Ganzer Arbeitsbereich",
    run_name: |label, id| format!("{label} #{id}"),
    operation_number: |id| format!("Vorgang #{id}"),
    queued: |label| format!("{label} eingereiht."),
    already_running: |label| format!("Für diesen Mandanten läuft bereits: {label}. Hier ist der Vorgang."),
};

/// The German [`Decision`].
pub const DECISION: Decision = Decision {
    active_question: "Läuft er noch?",
    reconciled_question: "Hat das System eingegriffen?",
    next_question: "Was ist zu tun?",
    headline_stuck: "Hängt vermutlich",
    headline_queued: "Wartet auf den Start",
    headline_running: "In Arbeit",
    headline_stopped: "Vom System beendet",
    active_stale: "Ja, aber er ist höchstwahrscheinlich stehen geblieben: Länger ohne Fortschritt, als diese Arbeit je braucht.",
    active_queued_late: "Ja — wartet länger als üblich auf einen Worker.",
    active_queued: "Ja — wartet auf einen Worker.",
    active_running_late: "Ja — dauert länger als üblich, meldet aber weiter Fortschritt.",
    active_running: "Ja — in Arbeit, und er meldet Fortschritt.",
    active_ended: |o| {
        format!(
            "Nein — er ist beendet: {}.",
            match o {
                RunOutcome::Succeeded => "erfolgreich",
                RunOutcome::PartiallySucceeded => "teilweise erfolgreich",
                RunOutcome::Failed => "fehlgeschlagen",
                RunOutcome::Blocked => "blockiert",
                RunOutcome::Cancelled => "abgebrochen",
            }
        )
    },
    reconciled_yes: |how| format!("Ja. {how}"),
    reconciled_not_yet: "Bisher nicht.",
    reconciled_no: "Nein — er hat von selbst geendet.",
    decided_from_records: "Vom System entschieden, anhand der Datensätze, die die Arbeit dieses Vorgangs hinterlassen hat.",
    decided_in_job: "Vom Vorgang selbst entschieden, anhand der Datensätze, die er beim Schreiben seines Ergebnisses vorfand.",
    decided_worker_gone: "Vom System entschieden, weil kein Worker mehr daran gearbeitet hat.",
    decided_never_started: "Vom System entschieden, weil ihn kein Worker rechtzeitig übernommen hat.",
    decided_past_time_limit: "Vom System entschieden, weil er sein Zeitlimit überschritten hat.",
    reason: |r| match r {
        Reason::NeverStarted => {
            "Dieser Vorgang hat nie begonnen: Kein Worker hat ihn rechtzeitig übernommen. Starten Sie ihn erneut, \
             falls er noch gebraucht wird."
        }
        Reason::WorkerLost => {
            "Dieser Vorgang hat keine Rückmeldung mehr gegeben und wurde vom System beendet. Seine Arbeit ist \
             womöglich unvollständig; starten Sie ihn erneut, falls er noch gebraucht wird."
        }
        Reason::PastTimeLimit => {
            "Dieser Vorgang lief länger als seine Zeitgrenze und wurde vom System beendet. Seine Arbeit ist \
             womöglich unvollständig; starten Sie ihn erneut, falls er noch gebraucht wird."
        }
        Reason::ReviewReady | Reason::ReviewPublished => {
            "Das System hat diesen Vorgang beendet: Die Prüfung, die er \
             erstellen sollte, liegt bereits vor."
        }
        Reason::ReviewSuperseded => {
            "Das System hat diesen Vorgang beendet: Die Prüfung, die er \
             erstellen sollte, ist durch eine neuere ersetzt."
        }
        Reason::ReviewsAmbiguous => {
            "Das System hat diesen Vorgang beendet. Mehrere Prüfungen \
             passen zu seinen Nachweisen, daher ist unklar, welche er erstellt hat; sehen Sie die Prüfungen des \
             Mandanten durch."
        }
        Reason::RestoreApplied => {
            "Das System hat diesen Vorgang beendet: Seine \
             Wiederherstellung war bereits abgeschlossen."
        }
        Reason::RestorePartial => {
            "Das System hat diesen Vorgang beendet: Seine \
             Wiederherstellung war abgeschlossen, aber einige Elemente konnten nicht zurückgesetzt werden."
        }
        Reason::RestoreFailed => {
            "Das System hat diesen Vorgang beendet: Seine \
             Wiederherstellung war gescheitert, der Anbieter hat jede Änderung abgelehnt."
        }
        Reason::RestoresAmbiguous => {
            "Das System hat diesen Vorgang beendet. Zu ihm gehören zwei Wiederherstellungen, daher ist unklar, \
             welche er angewendet hat; sehen Sie die Wiederherstellungen des Mandanten durch, bevor Sie ihn erneut \
             ausführen."
        }
        Reason::PackReady => "Das System hat diesen Vorgang beendet: Sein Prüfpaket war bereits erstellt.",
    },
    reason_in_job: |r| match r {
        Reason::ReviewReady | Reason::ReviewPublished => Some("Die Prüfung mit diesen Nachweisen liegt bereits vor."),
        Reason::ReviewSuperseded => {
            Some("Eine neuere Prüfung hat die mit diesen Nachweisen ersetzt; öffnen Sie die neuere Prüfung.")
        }
        Reason::ReviewsAmbiguous => Some(
            "Mehrere Prüfungen passen zu diesen Nachweisen, daher ist unklar, welche zu aktualisieren ist; sehen \
             Sie die Prüfungen des Mandanten durch.",
        ),
        Reason::RestoreApplied => Some("Die Wiederherstellung war bereits abgeschlossen."),
        Reason::RestorePartial => {
            Some("Die Wiederherstellung war abgeschlossen, aber einige Elemente konnten nicht zurückgesetzt werden.")
        }
        Reason::RestoreFailed => {
            Some("Die Wiederherstellung war gescheitert: Der Anbieter hat jede Änderung abgelehnt.")
        }
        Reason::NeverStarted
        | Reason::WorkerLost
        | Reason::PastTimeLimit
        | Reason::RestoresAmbiguous
        | Reason::PackReady => None,
    },
    then_nothing: "Nichts zu tun.",
    then_review_failed_items: "Sehen Sie die fehlgeschlagenen Elemente durch und starten Sie ihn dann erneut.",
    then_use_newer: "Verwenden Sie den neueren Datensatz.",
    next_stale: "Dieser Vorgang wird nicht von selbst fertig.",
    next_queued_late: "Wartet länger als üblich auf einen Worker. Noch ist nichts zu tun.",
    next_running_late: "Dauert länger als üblich, meldet aber weiter Fortschritt. Noch ist nichts zu tun.",
    next_queued: "Wartet auf einen Worker. Diese Seite aktualisiert sich selbst.",
    next_running: "In Arbeit. Diese Seite aktualisiert sich selbst.",
    next_stopped: |reason| {
        format!(
            "Das System hat diesen Vorgang beendet, nachdem er hängen geblieben war.{reason} Starten Sie ihn erneut, \
             falls die Arbeit noch gebraucht wird."
        )
    },
    next_confirmed: "Fertig. Das System hat das Ergebnis anhand der erzeugten Datensätze bestätigt.",
    next_succeeded: "Erfolgreich abgeschlossen. Nichts zu tun.",
    next_partial: |reason| {
        format!(
            "Fertig, aber einige Elemente sind fehlgeschlagen.{reason} Sehen Sie die Fehler durch und starten Sie \
             ihn dann erneut."
        )
    },
    next_failed: |reason| {
        format!("Nicht abgeschlossen.{reason} Beheben Sie die Ursache und starten Sie ihn dann erneut.")
    },
    next_blocked: |reason| format!("Konnte nicht fortfahren.{reason}"),
    next_cancelled: |reason| format!("Vor dem Abschluss angehalten.{reason}"),
    closes_within: |within| {
        format!(
            "Er wird in etwa {within} automatisch beendet; starten Sie ihn danach erneut, falls die Arbeit noch \
             gebraucht wird."
        )
    },
    open_review: |id| format!("Prüfung #{id} öffnen"),
    open_restore: |id| format!("Wiederherstellungen des Mandanten öffnen (Wiederherstellung #{id})"),
    open_pack: |id| format!("Prüfpakete des Mandanten öffnen (Paket #{id})"),
    how_judged: "Wie wird das beurteilt?",
    how_judged_title: "Wie Opshub diesen Vorgang beurteilt",
    window_queue: |d| format!("Er sollte innerhalb von {d} nach dem Einreihen beginnen."),
    window_duration: |d| format!("Er sollte innerhalb von {d} nach dem Start fertig sein."),
    window_stale: |stale, heartbeat| {
        format!(
            "Er gilt als vermutlich hängen geblieben nach {stale} im selben Zustand oder nach {heartbeat} ohne \
             Lebenszeichen seines Workers."
        )
    },
    close: "Schließen",
};

/// The German [`Timeline`].
pub const TIMELINE: Timeline = Timeline {
    heading: "Verlauf",
    last_sign_of_life: "Letztes Lebenszeichen",
    former_member: "eine Person, die keinen Zugang mehr hat",
    system: "dem System (geplant)",
    worker: |w| format!("Worker {w}"),
    reconciler: "dem Abgleich, nachdem der Vorgang hängen geblieben war",
    adapter: |t| format!("dem Abgleich, anhand der Datensätze einer {t}"),
    shutdown: |w| format!("dem Herunterfahren von {w}"),
    unknown: "einer nicht erfassten Ursache",
    queued_by: |who| format!("Eingereiht von {who}"),
    started_by: |who| format!("Gestartet von {who}"),
    ended_by: |how, who| format!("Beendet ({how}) — von {who}"),
    completed_by: |who| format!("Abgeschlossen von {who}"),
    ended_as: |o| match o {
        RunOutcome::Succeeded => "erfolgreich",
        RunOutcome::PartiallySucceeded => "teilweise erledigt",
        RunOutcome::Failed => "fehlgeschlagen",
        RunOutcome::Blocked => "blockiert",
        RunOutcome::Cancelled => "abgebrochen",
    },
};

/// The German [`Notices`].
pub const NOTICES: Notices = Notices {
    heading: "Benachrichtigungen",
    lede: "Wie die Vorgänge geendet haben, die Sie gestartet haben.",
    loading: "Benachrichtigungen werden geladen …",
    mark_all: "Alle als gelesen markieren",
    mark_read: "Als gelesen markieren",
    empty: "Noch nichts: Hier erfahren Sie, wenn ein von Ihnen gestarteter Vorgang endet.",
    see_like_this: "Ähnliche Vorgänge ansehen",
    title_gone: "Ein Vorgang, der nicht mehr aufbewahrt wird",
    body_gone: "Sein Verlauf wurde nach Ablauf der Aufbewahrungsfrist entfernt; dieser Hinweis bleibt für Ihre Unterlagen.",
    title_stopped: |what| format!("{what} wurde vom System beendet"),
    title_finished: |what| format!("{what} ist fertig"),
    title_partial: |what| format!("{what} ist mit einigen Fehlern fertig"),
    title_failed: |what| format!("{what} ist fehlgeschlagen"),
    title_blocked: |what| format!("{what} konnte nicht fortfahren"),
    title_cancelled: |what| format!("{what} wurde abgebrochen"),
    body_stopped: |outcome, reason| {
        format!("Er hat keinen Fortschritt mehr gemeldet und wurde als {outcome} abgeschlossen.{reason}")
    },
    body_finished: "Alles wurde erfolgreich erledigt.",
    body_partial: |reason| {
        format!("Einige Elemente wurden nicht erledigt.{reason} Sehen Sie sie durch und starten Sie ihn erneut.")
    },
    body_failed: |reason| format!("Er wurde nicht abgeschlossen.{reason}"),
    body_blocked: |reason| format!("Er wurde blockiert.{reason}"),
    body_cancelled: |reason| format!("Er wurde vor dem Abschluss angehalten.{reason}"),
    outcome_words: |o| match o {
        RunOutcome::Succeeded => "erfolgreich",
        RunOutcome::PartiallySucceeded => "teilweise erfolgreich",
        RunOutcome::Failed => "fehlgeschlagen",
        RunOutcome::Blocked => "blockiert",
        RunOutcome::Cancelled => "abgebrochen",
    },
};

/// The German [`List`].
pub const LIST: List = List {
    heading: "Vorgänge",
    lede: "Jeder lang laufende Vorgang in diesem Arbeitsbereich, die neuesten zuerst.",
    loading: "Vorgänge werden geladen …",
    start_tenant: "Mandant",
    start_operation: "Vorgang",
    start: "Starten",
    open_run: "Vorgang öffnen",
    filter_tenant: "Mandant",
    filter_type: "Art",
    filter_status: "Zustand",
    filter_outcome: "Ergebnis",
    filter_problem: "Problem",
    all_tenants: "Alle Mandanten",
    all_workspaces: "Alle Arbeitsbereiche",
    all_types: "Alle Arten",
    any_status: "Jeder Zustand",
    status_active: "Aktiv (wartend oder laufend)",
    completed_since: |at| format!("Nur Vorgänge, die seit {at} abgeschlossen wurden."),
    clear_since: "Alle anzeigen",
    any_outcome: "Jedes Ergebnis",
    any_problem: "Alle",
    filter: "Filtern",
    counts_label: "Vorgänge nach Problem",
    total: |count| if count == 1 { "1 Vorgang".to_owned() } else { format!("{} Vorgänge", n(count)) },
    empty: "Keine Vorgänge passen zu diesen Filtern.",
    col_operation: "Vorgang",
    col_workspace: "Arbeitsbereich",
    col_tenant: "Mandant",
    col_state: "Zustand",
    col_progress: "Fortschritt",
    col_queued: "Eingereiht",
    older: "Ältere Vorgänge →",
};

/// The German [`Detail`].
pub const DETAIL: Detail = Detail {
    loading: "Vorgang wird geladen …",
    unavailable: "Vorgang nicht verfügbar",
    progress: "Fortschritt",
    no_longer_running: "Dieser Vorgang läuft nicht mehr.",
    results: "Ergebnisse",
    related: "Zugehörige Datensätze",
    diagnostics: "Diagnose",
    workspace: "Arbeitsbereich",
    attempt: "Versuch",
    lease_owner: "Lease-Inhaber",
    lease_expires: "Lease läuft ab",
    dedupe_key: "Duplikatschlüssel",
    failure_code: "Fehlercode",
    failure_detail: "Fehlerdetails",
    context: "Kontext",
    cancel: "Diesen Vorgang abbrechen",
    cancel_title: "Diesen Vorgang abbrechen?",
    cancel_explained: "Ein wartender Vorgang wird sofort abgebrochen. Ein laufender hält bei seiner nächsten Meldung an \
                       und behält, was er bis dahin erledigt hat. Das lässt sich nicht rückgängig machen.",
    cancel_confirm: "Ja, abbrechen",
    cancel_keep: "Weiterlaufen lassen",
    cancelled_now: "Abgebrochen. Er hat nie begonnen.",
    cancel_requested: "Zum Anhalten aufgefordert. Er hält bei seiner nächsten Meldung an und behält, was er erledigt hat.",
    cancel_too_late: "Er war bereits fertig, es gab nichts abzubrechen.",
    retry: "Erneut ausführen",
    retry_title: "Erneut ausführen?",
    retry_explained: "Ein neuer Vorgang startet mit demselben Typ, Mandanten und denselben Eingaben. Dieser Vorgang \
                      bleibt, wie er endete, und wird mit dem neuen verknüpft.",
    retry_confirm: "Ja, erneut ausführen",
    retry_keep: "Nicht jetzt",
    retry_started: "Wird erneut ausgeführt.",
    retry_exists: "Dieser Vorgang wurde bereits erneut ausgeführt; hier ist dieser Vorgang.",
    retry_not_offered: "Dieser Vorgang braucht keinen zweiten Versuch.",
    retry_of: |id| format!("Zweiter Versuch von Vorgang #{id}"),
    retried_by: |id| format!("Erneut ausgeführt als Vorgang #{id}"),
};

/// The German [`System`].
pub const SYSTEM: System = System {
    heading: "System",
    lede: "Jeder Arbeitsbereich dieser Plattform, und ob gerade Arbeit darin hängt.",
    stuck: "Hängt gerade",
    follow_up: "Braucht Nacharbeit",
    all_runs: "Alle Vorgänge",
    across: " — über alle Arbeitsbereiche",
    col_workspace: "Arbeitsbereich",
    col_tenants: "Mandanten",
    col_members: "Mitglieder",
    col_active: "Aktiv",
    col_likely_stuck: "Hängt vermutlich",
    col_failed: "Fehlgeschlagen",
    col_runs: "Alle Vorgänge",
    answered_by: |instance| format!("Beantwortet von {instance}."),
    stuck_lede: "Aktive Vorgänge aller Arbeitsbereiche, die keine Rückmeldung mehr geben, ihre Zeitgrenze überschritten oder nie begonnen haben, der am längsten hängende zuerst. Der Abgleich beendet jeden davon bei seinem nächsten Durchlauf.",
    stuck_empty: "Gerade hängt nichts.",
    back: "Zurück zur Systemübersicht",
    col_run: "Vorgang",
    col_stuck_since: "Hängt seit",
    stuck_because: |a| match a {
        Abandoned::NeverStarted => "kein Worker hat ihn übernommen",
        Abandoned::WorkerSilent => "sein Worker ist verstummt",
        Abandoned::PastTimeLimit => "über seiner Zeitgrenze",
    },
    follow_up_lede: "Vorgänge aller Arbeitsbereiche, die mit Bedarf an einer Person geendet haben: fehlgeschlagen, teilweise erledigt oder durch ihre eigene Arbeit blockiert, oder vom System beendet, nachdem sie hängen geblieben waren.",
    all_runs_lede: "Jeder Vorgang jedes Arbeitsbereichs, die neuesten zuerst.",
};

/// The German [`Tenant`].
pub const TENANT: Tenant = Tenant {
    loading: "Mandant wird geladen …",
    unavailable: "Mandant nicht verfügbar",
    operations: "Vorgänge dieses Mandanten",
    inventory: "Inventar",
    nothing_synced: "Noch nichts synchronisiert.",
    inventory_count: |count, first| {
        let count = u64::try_from(count).unwrap_or(0);
        format!("{} Elemente im Inventar{}.", n(count), if first { "; die ersten 20 nach Name" } else { "" })
    },
    version: |v| format!("Version {v}"),
    drift: "Abweichungen von der Baseline",
    no_compare: "Es wurde noch kein Baseline-Vergleich abgeschlossen.",
    no_drift: "Keine Abweichungen: Der Mandant entspricht seiner Baseline.",
    baselines: "Baselines",
    no_baselines: "Noch keine Baseline erfasst.",
    snapshot: |id| format!("Snapshot #{id}"),
    items: |count| format!("{} Elemente", n(u64::try_from(count).unwrap_or(0))),
    compare_now: "Jetzt vergleichen",
    restore_confirm: " Mir ist klar, dass dies die Konfiguration des Mandanten auf diese Baseline zurücksetzt",
    restore: "Wiederherstellen",
    reviews: "Umgebungsprüfungen",
    no_reviews: "Noch keine Prüfung erstellt.",
    review: |id| format!("Prüfung #{id}"),
    fingerprint: "Fingerabdruck der Nachweise",
    publish: "Veröffentlichen",
    published: "Prüfung veröffentlicht.",
    packs: "Prüfpakete",
    no_packs: "Noch kein Prüfpaket erzeugt.",
    pack: |id| format!("Paket #{id}"),
    expires: |at| format!("läuft ab am {at}"),
    download: "Herunterladen",
    restores: "Wiederherstellungen",
    no_restores: "Noch keine Wiederherstellung gestartet.",
    restore_of: |id, snapshot| format!("Wiederherstellung #{id} von Baseline #{snapshot}"),
    restore_tally: |applied, failed| format!("{applied} zurückgesetzt, {failed} abgelehnt"),
    record_status: |s| match s {
        "composing" => "wird erstellt".to_owned(),
        "generating" => "wird erzeugt".to_owned(),
        "applying" => "wird angewendet".to_owned(),
        "ready" => "bereit".to_owned(),
        "published" => "veröffentlicht".to_owned(),
        "superseded" => "ersetzt".to_owned(),
        "partial" => "unvollständig".to_owned(),
        "failed" => "fehlgeschlagen".to_owned(),
        "expired" => "abgelaufen".to_owned(),
        "queued" => "wartet".to_owned(),
        "applied" => "angewendet".to_owned(),
        "partially_applied" => "teilweise angewendet".to_owned(),
        _ => "unbekannt".to_owned(),
    },
};

/// The German [`Dashboard`].
pub const DASHBOARD: Dashboard = Dashboard {
    bucket: |b| match b {
        Bucket::Active => "Aktiv",
        Bucket::Stuck => "Hängt gerade",
        Bucket::FollowUp => "Braucht Nacharbeit",
        Bucket::Stopped => "Vom System beendet",
        Bucket::SucceededRecently => "Erfolgreich in den letzten 24 Std.",
    },
    counts_label: "Die Vorgänge dieses Mandanten auf einen Blick",
    overlay: "In Arbeit",
    overlay_empty: "Für diesen Mandanten läuft gerade nichts.",
    just_finished: "Gerade fertig",
    attention: "Braucht Aufmerksamkeit",
    attention_none: "Nichts braucht Aufmerksamkeit.",
    see_all: |count| format!("Alle {} ansehen", n(count)),
    and_more: |count| format!("und {} weitere", n(count)),
    recent: "Letzte Vorgänge",
    recent_none: "Für diesen Mandanten lief noch kein Vorgang.",
    pack: "Neuestes Prüfpaket",
    pack_none: "Noch kein Prüfpaket. Erzeugen Sie eines aus einer fertigen Prüfung weiter unten.",
    pack_in_progress: "Wird erzeugt. Diese Karte aktualisiert sich selbst.",
    pack_queued: "In der Warteschlange: Es beginnt, sobald ein Worker frei ist. Diese Karte aktualisiert sich selbst.",
    pack_ready: |size, within| format!("Bereit: {size}, wird noch {within} aufbewahrt."),
    pack_failed: "Das Erzeugen ist nicht gelungen.",
    pack_expired: "Es ist abgelaufen und seine Datei gelöscht.",
    generate_again: "Erneut erzeugen",
    pack_run: "Sein Vorgang",
    overview: "Übersicht",
    overview_lede: "Jeder Mandant, den Sie in diesem Arbeitsbereich sehen dürfen: was läuft, was hängt, was eine Person braucht.",
    tenants: "Mandanten",
    size: |b| match b {
        ..=1023 => format!("{b} B"),
        1024..=1_048_575 => format!("{} KB", one_decimal(b, 1024, ',')),
        _ => format!("{} MB", one_decimal(b, 1_048_576, ',')),
    },
};

/// The German [`Access`].
pub const ACCESS: Access = Access {
    role: |r| match r {
        Role::Owner => "Inhaber",
        Role::Manager => "Verwaltung",
        Role::Operator => "Bedienung",
        Role::Reader => "Lesezugriff",
    },
};

/// The German [`Accounts`].
pub const ACCOUNTS: Accounts = Accounts {
    bad_email: "Geben Sie eine E-Mail-Adresse wie dana@example.com an.",
    long_name: "Geben Sie einen Anzeigenamen mit höchstens 120 Zeichen an.",
    short_password: |min| format!("Ein Passwort braucht mindestens {min} Zeichen."),
    no_user: |email| format!("Es gibt keine Person mit der Adresse {email}."),
    no_workspace: |slug| format!("Es gibt keinen Arbeitsbereich {slug:?}."),
    no_tenant: |slug, workspace| format!("Im Arbeitsbereich {workspace:?} gibt es keinen Mandanten {slug:?}."),
    not_a_role: |role| format!("{role:?} ist keine Rolle (owner, manager, operator oder reader)."),
    name_tenants: "Nennen Sie mindestens einen Mandanten oder gewähren Sie alle Mandanten.",
    not_member: |email, workspace| format!("{email} ist kein Mitglied von {workspace:?}."),
    refusal: |c| match c {
        Capability::ViewRuns => "Ihre Rolle kann in diesem Arbeitsbereich keine Vorgänge sehen.",
        Capability::StartOperations => {
            "Ihre Rolle kann Vorgänge verfolgen, aber nicht starten. Wenden Sie sich an eine Verwaltungsperson des \
             Arbeitsbereichs."
        }
        Capability::ChangeConfiguration => {
            "Ihre Rolle kann die Konfiguration eines Mandanten nicht ändern. Bitten Sie eine Verwaltungsperson des \
             Arbeitsbereichs, die Wiederherstellung auszuführen."
        }
        Capability::PublishReviews => {
            "Ihre Rolle kann keine Prüfungen veröffentlichen. Wenden Sie sich an eine Verwaltungsperson des \
             Arbeitsbereichs."
        }
        Capability::ManageMembers => "Nur die Inhaberin oder der Inhaber des Arbeitsbereichs verwaltet Mitglieder.",
        Capability::ManageTokens => "Nur die Inhaberin oder der Inhaber des Arbeitsbereichs verwaltet API-Tokens.",
        Capability::ReportRuns => "Vorgänge werden mit einem API-Token gemeldet, das Vorgänge melden darf.",
    },
    token_refusal: |c| match c {
        Capability::ViewRuns => "Dieses API-Token kann keine Vorgänge lesen. Geben Sie ihm die Berechtigung read_runs.",
        Capability::StartOperations => {
            "Dieses API-Token kann keine Vorgänge starten. Geben Sie ihm die Berechtigung start_runs."
        }
        Capability::ReportRuns => {
            "Dieses API-Token kann keine Vorgänge melden. Geben Sie ihm die Berechtigung report_runs."
        }
        Capability::ChangeConfiguration
        | Capability::PublishReviews
        | Capability::ManageMembers
        | Capability::ManageTokens => "Ein API-Token kann das nicht; eine angemeldete Person kann es.",
    },
    no_token: "Es gibt kein API-Token mit dieser Nummer.",
    bad_token_name: |max| {
        format!("Geben Sie dem Token einen Namen mit höchstens {max} Zeichen, damit man Tokens unterscheiden kann.")
    },
    bad_token_grants: "Geben Sie dem Token mindestens eine Berechtigung: read_runs, start_runs oder report_runs.",
    bad_token_expiry: "Der Ablauf eines Tokens ist eine Zahl von Tagen ab heute, zwischen 1 und 3650.",
    bad_dedupe_key: |max| format!("Ein Dedupe-Schlüssel hat 1 bis {max} Zeichen ohne Steuerzeichen."),
    bad_field: |field| {
        format!("Das Feld {field:?} fehlt, hat nicht die richtige Art oder gehört nicht zu dieser Anfrage.")
    },
    bad_type_key: |max| {
        format!(
            "Der Schlüssel einer Vorgangsart hat 3 bis {max} Zeichen: Kleinbuchstaben, Ziffern, Punkte, Bindestriche \
             oder Unterstriche, beginnend mit einem Buchstaben (z. B. backup.snapshot)."
        )
    },
    bad_type_windows: "Jedes Zeitfenster dauert mindestens eine Sekunde, und erwartete Wartezeit und Dauer sind kürzer \
                       als die Frist bis „wahrscheinlich hängend“.",
    built_in_type: "Dieser Schlüssel gehört zu einer Vorgangsart von Opshub selbst; wählen Sie einen anderen.",
    opshub_runs_it: "Seine eigenen Vorgangsarten führt Opshub selbst aus; melden Sie nur die Vorgangsarten, die Ihr \
                     Arbeitsbereich registriert hat.",
    not_held: "Dieser Worker hält den Vorgang nicht: Er ist beendet, das System hat ihn geschlossen, oder ein anderer \
               Worker hält ihn. Arbeiten Sie nicht weiter daran.",
    no_webhook: "Es gibt keinen Webhook-Empfänger mit dieser Nummer.",
    no_delivery: "Es gibt keine Zustellung mit dieser Nummer an einen Empfänger, der noch zuhört.",
    bad_webhook_url: "Ein Empfänger ist eine https://-Adresse mit einem Hostnamen, höchstens 2.000 Zeichen lang, \
                      ohne Benutzername oder Passwort darin.",
    bad_webhook_events: "Wählen Sie mindestens ein Ereignis: run.finished, run.reconciled oder run.stuck.",
    token_required: "Senden Sie ein gültiges API-Token als \"Authorization: Bearer opshub_…\"; dieses ist \
                     unbekannt, widerrufen oder abgelaufen.",
};

/// The German [`Errors`].
pub const ERRORS: Errors = Errors {
    internal: "In Opshub ist etwas schiefgegangen. Bitte versuchen Sie es erneut; wenn es wieder passiert, \
               informieren Sie Ihr Plattform-Team.",
    reference: |id| format!("Referenz: {id}."),
    bad_shape: "Die Anfrage hatte nicht die erwartete Form.",
    unreachable: "Opshub ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
    sign_in: "Melden Sie sich an, um fortzufahren.",
    cross_origin: "Diese Anfrage kam nicht von einer Opshub-Seite und wurde deshalb abgelehnt.",
    nothing_here: "Unter dieser Adresse gibt es nichts.",
    no_operation: "Es gibt keinen Vorgang mit dieser Nummer.",
    no_tenant: "Es gibt keinen Mandanten mit dieser Nummer.",
    no_review: "Es gibt keine Prüfung mit dieser Nummer.",
    no_notification: "Es gibt keine Benachrichtigung mit dieser Nummer.",
    no_workspace: "Es gibt keinen Arbeitsbereich mit dieser Nummer.",
    damaged_run: "Der gespeicherte Datensatz dieses Vorgangs ist beschädigt und kann nicht angezeigt werden. Ihr \
                  Plattform-Team hat die Einzelheiten.",
    bad_workspace_filter: "Der Arbeitsbereichsfilter ist keine Arbeitsbereichsnummer.",
    bad_tenant_filter: "Der Mandantenfilter ist keine Mandantennummer.",
    bad_type_filter: "Es gibt keine Vorgangsart mit diesem Namen.",
    bad_status_filter: "Der Zustandsfilter muss active, queued, running oder completed sein.",
    bad_since_filter: "Der Abschlussfilter muss ein Zeitpunkt in Millisekunden seit 1970 sein.",
    bad_outcome_filter: "Der Ergebnisfilter muss succeeded, partially_succeeded, failed, blocked oder cancelled sein.",
    bad_class_filter: "Der Problemfilter muss active_stale, terminal_follow_up, reconciled_stale oder none sein.",
    bad_page: "Dieser Seitenlink ist nicht mehr gültig; beginnen Sie bei der ersten Seite.",
    choose_operation: "Wählen Sie einen Vorgang zum Starten.",
    choose_tenant: "Wählen Sie einen Mandanten.",
    no_snapshot: "Für diesen Mandanten gibt es keinen Baseline-Snapshot mit dieser Nummer.",
    choose_snapshot: "Wählen Sie den Baseline-Snapshot, der wiederhergestellt werden soll.",
    snapshot_not_taken: "Nur ein Baseline-Vergleich oder eine Wiederherstellung nimmt einen Snapshot entgegen.",
    no_review_for_pack: "Für diesen Mandanten gibt es keine fertige oder veröffentlichte Prüfung mit dieser Nummer.",
    review_not_taken: "Nur ein Prüfpaket nimmt eine Prüfung entgegen.",
    confirm_restore: "Bestätigen Sie zuerst die Wiederherstellung: Sie setzt die Konfiguration des Mandanten auf die \
                      Baseline zurück.",
    could_not_start: "Der Vorgang konnte gerade nicht gestartet werden; bitte versuchen Sie es erneut.",
    bad_language: "Wählen Sie English, Deutsch oder die Sprache des Browsers.",
    wrong_credentials: "Diese E-Mail-Adresse und dieses Passwort passen zu keinem Konto.",
    throttled: "Zu viele Anmeldeversuche. Warten Sie eine Minute und versuchen Sie es dann erneut.",
    no_membership: "Ihr Konto gehört noch zu keinem Arbeitsbereich. Bitten Sie die Inhaberin oder den Inhaber eines \
                    Arbeitsbereichs, Sie hinzuzufügen.",
    not_publishable: |status| {
        format!("Nur eine fertige Prüfung kann veröffentlicht werden; diese hier ist im Zustand „{status}“.")
    },
    published_meanwhile: "Im selben Moment wurde eine andere Prüfung dieses Mandanten veröffentlicht. Laden Sie die \
                          Seite neu, um zu sehen, welche gilt.",
};

/// The German [`Records`].
pub const RECORDS: Records = Records {
    did_not_finish: "Er wurde nicht abgeschlossen.",
    no_handler: "Dieser Server kann diese Art von Vorgang nicht ausführen.",
    internal: "In Opshub ist etwas schiefgegangen.",
    shutdown: "Angehalten, weil der Server heruntergefahren wurde.",
    cancelled_on_request: "Auf Anfrage angehalten, bevor er fertig war; was er bis dahin erledigt hat, bleibt erhalten.",
    needs_tenant: |t| match t {
        RunType::InventorySync => "Eine Inventar-Synchronisierung braucht einen Mandanten.",
        RunType::BaselineCapture | RunType::BaselineCompare => "Eine Baseline braucht einen Mandanten.",
        RunType::EnvironmentReviewCompose => "Eine Prüfung braucht einen Mandanten.",
        RunType::ReviewPackGenerate => "Ein Prüfpaket braucht einen Mandanten.",
        RunType::RestoreExecute => "Eine Wiederherstellung braucht einen Mandanten.",
    },
    provider_rejected: "Der Anbieter hat die Anfrage abgelehnt.",
    none_readable: |count| format!("Keines der {count} Elemente konnte beim Anbieter gelesen werden."),
    some_unreadable: |failed, total| {
        format!("{failed} von {total} Elementen konnten beim Anbieter nicht gelesen werden.")
    },
    nothing_to_capture: "Es gibt nichts zu erfassen: Der Anbieter meldet für diesen Mandanten keine Elemente.",
    capture_skipped: |skipped, total| {
        format!("{skipped} von {total} Elementen konnten nicht gelesen werden und fehlen in der Baseline.")
    },
    compare_skipped: |skipped, total| {
        format!("{skipped} von {total} Elementen konnten nicht gelesen werden und wurden nicht verglichen.")
    },
    baseline_missing: "Die gewählte Baseline gibt es für diesen Mandanten nicht.",
    no_baseline_yet: "Für diesen Mandanten wurde noch keine Baseline erfasst. Erfassen Sie zuerst eine.",
    restore_baseline_missing: "Die für diese Wiederherstellung gewählte Baseline gibt es für diesen Mandanten nicht.",
    item_refused: "Der Anbieter hat diese Änderung abgelehnt.",
    item_unchanged: "Entsprach bereits der Baseline.",
    item_restored: "Einstellungen auf die Baseline zurückgesetzt.",
    item_recreated: "Aus der Baseline neu angelegt.",
    restore_refused: "Der Anbieter hat jede Änderung dieser Wiederherstellung abgelehnt.",
    restore_partial: |failed, total| {
        format!(
            "{failed} von {total} Elementen konnten nicht zurückgesetzt werden; die übrigen entsprechen der Baseline."
        )
    },
    section_inventory: "Inventar",
    section_comparison: "Baseline-Vergleich",
    section_findings: "Abweichungen",
    section_failures: "Jüngste Fehlschläge",
    pack_heading: |id| format!("Umgebungsprüfung #{id}"),
    pack_lede: |status, fp| format!("Status: {status}. Fingerabdruck der Nachweise: {fp}."),
    section_summary: "Zusammenfassung",
    inventory_ready: |items, run| format!("{items} Elemente im Inventar, zuletzt synchronisiert durch Vorgang #{run}."),
    inventory_failed: |run| format!("Die letzte Inventar-Synchronisierung (#{run}) war nicht erfolgreich."),
    inventory_none: "Für diesen Mandanten wurde noch keine Inventar-Synchronisierung abgeschlossen.",
    comparison_ready: |run| format!("Mit der Baseline verglichen durch Vorgang #{run}."),
    comparison_failed: |run| format!("Der letzte Baseline-Vergleich (#{run}) war nicht erfolgreich."),
    comparison_none: "Für diesen Mandanten wurde noch kein Baseline-Vergleich abgeschlossen.",
    findings_ready: |added, removed, changed| {
        format!("{added} hinzugekommene, {removed} entfernte und {changed} geänderte Elemente seit der Baseline.")
    },
    findings_none: "Ohne erfolgreichen Vergleich liegen keine Abweichungen vor.",
    failures_none: "In den letzten sieben Tagen ist kein Vorgang fehlgeschlagen.",
    failures_some: |count, list| format!("{count} Vorgänge sind in den letzten sieben Tagen fehlgeschlagen: {list}."),
    summary_complete: "Alle Nachweisquellen waren verfügbar.",
    summary_without: |missing| format!("Erstellt ohne: {missing}."),
    composed_without: |missing| format!("Die Prüfung wurde erstellt ohne: {missing}."),
    compose_in_progress: "Gerade wird eine andere Prüfung mit denselben Nachweisen erstellt; dieser Vorgang hat \
                          angehalten, damit sich die beiden nicht überschreiben. Öffnen Sie die Prüfungen des \
                          Mandanten, um sie zu sehen.",
    nothing_to_export: "Für diesen Mandanten gibt es keine fertige oder veröffentlichte Prüfung zum Exportieren. \
                        Erstellen Sie zuerst eine.",
};

/// The German [`Tokens`].
pub const TOKENS: Tokens = Tokens {
    heading: "API-Tokens",
    lede: "Mit Tokens melden die eigenen Worker Ihrer Plattform ihre Vorgänge an Opshub und lesen sie zurück. \
           Jedes Token handelt nur in diesem Arbeitsbereich, mit den Berechtigungen, die Sie ihm geben.",
    make: "Token erstellen",
    name: "Name",
    name_hint: "Nennen Sie die Worker, die es nutzen, damit man Tokens unterscheiden kann.",
    tenant: "Mandant",
    every_tenant: "Alle Mandanten",
    grants: "Es darf",
    grant: |g| match g {
        TokenGrant::ReadRuns => "Vorgänge lesen",
        TokenGrant::StartRuns => "Vorgänge starten",
        TokenGrant::ReportRuns => "selbst ausgeführte Vorgänge melden",
    },
    expiry: "Gültig",
    never: "bis zum Widerruf",
    days: |n| if n == 1 { "1 Tag".to_owned() } else { format!("{n} Tage") },
    submit: "Token erstellen",
    created: |name| format!("Token „{name}“ ist bereit. Kopieren Sie jetzt sein Geheimnis:"),
    shown_once: "Es wird nur dieses eine Mal angezeigt: Opshub speichert nur einen Hash davon. \
                 Senden Sie es als „Authorization: Bearer …“ an /api/v1.",
    list: "Tokens dieses Arbeitsbereichs",
    empty: "Noch keine Tokens.",
    starts_with: "Beginnt mit",
    may: "Darf",
    scope: "Mandant",
    state: "Zustand",
    last_used: "Zuletzt genutzt",
    unused: "nie",
    expires: "Läuft ab",
    state_word: |s| match s {
        TokenState::Active => "Aktiv",
        TokenState::Expired => "Abgelaufen",
        TokenState::Revoked => "Widerrufen",
    },
    revoke: "Widerrufen",
    revoke_label: |name| format!("Token „{name}“ widerrufen"),
    loading: "Tokens werden geladen …",
};

/// The German [`Webhooks`].
pub const WEBHOOKS: Webhooks = Webhooks {
    heading: "Webhooks",
    lede: "Opshub meldet Ihren Empfängern signiert, wenn Vorgänge enden oder hängen, und wiederholt, bis sie antworten.",
    subscribe: "Empfänger eintragen",
    url: "Adresse (https://)",
    events: "Ereignisse",
    event: |e| match e {
        EventType::Finished => "ein Vorgang ist beendet",
        EventType::Reconciled => "das System hat einen Vorgang geschlossen",
        EventType::Stuck => "ein Vorgang hängt",
    },
    submit: "Eintragen",
    created: "Kopieren Sie jetzt sein Signaturgeheimnis; es wird nur dieses eine Mal gezeigt:",
    endpoints: "Empfänger",
    none: "Noch keine.",
    deliveries: "Letzte Zustellungen",
    attempts: "Versuche",
    last: "Letzte Antwort",
    next: "Nächster Versuch",
    state_word: |s| match s {
        DeliveryState::Pending => "Wird wiederholt",
        DeliveryState::Delivered => "Zugestellt",
        DeliveryState::Failed => "Aufgegeben",
    },
    fault: |f| match f {
        Fault::Answered => "Fehlerantwort",
        Fault::Timeout => "keine Antwort in der Zeit",
        Fault::Connect => "keine Verbindung",
        Fault::Request => "Anfrage gescheitert",
        Fault::Address => "Adresse nicht erlaubt",
    },
    retry: "Jetzt wiederholen",
};

/// The German [`Pages`].
pub const PAGES: Pages = Pages {
    pack_expired_title: "Dieses Prüfpaket ist abgelaufen",
    pack_expired_body: "Prüfpakete werden nur begrenzte Zeit aufbewahrt. Erzeugen Sie aus der Prüfung ein neues \
                        Paket, um es erneut herunterzuladen.",
    pack_not_ready_title: "Dieses Prüfpaket ist nicht bereit",
    pack_not_ready_body: "Es wird noch erzeugt, oder das Erzeugen ist nicht gelungen. Sein Vorgang sagt, was davon.",
    pack_not_found_title: "Prüfpaket nicht gefunden",
    pack_not_found_body: "Es gibt kein Prüfpaket mit dieser Nummer.",
    pack_failed_title: "Etwas ist schiefgegangen",
    pack_failed_body: "Das Prüfpaket konnte nicht gelesen werden. Bitte versuchen Sie es erneut.",
};
