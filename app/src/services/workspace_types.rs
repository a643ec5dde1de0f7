//! Workspace run types (specs/runs-api, "Workspace run types"): a token that may report runs
//! registers the kinds of work its platform runs, checked like the built-in types; a token
//! that may read or report runs lists them. They are workspace-wide records: a token
//! restricted to one tenant does not see them.

use crate::domain::access::Capability;
use crate::domain::workspace_type::{TypeRefusal, TypeRequest, WorkspaceType};
use crate::domain::{RunKind, Timestamp, WorkspaceId};
use crate::runtime::AppState;
use crate::services::error::{Conflict, Error, Invalid, Thing};
use crate::services::principal::Principal;
use crate::store::workspace_types::{self as stored, TypeWrite, WorkspaceTypeRow};

/// A registered type and when it was registered and last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The type.
    pub def: WorkspaceType,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
}

/// Registers the type `r` in the caller's workspace, or replaces the registration of its key
/// (idempotent: the same request again changes nothing but the time); answers it and whether
/// it is new.
#[tracing::instrument(skip_all, fields(workspace = p.workspace_id.get(), key = %r.key.chars().take(64).collect::<String>()))]
pub async fn register(state: &AppState, p: &Principal, r: &TypeRequest) -> Result<(Registered, bool), Error> {
    p.authorize(p.workspace_id, None, Capability::ReportRuns, Thing::Page)?;
    let def = WorkspaceType::check(r).map_err(refusal)?;
    let phases = serde_json::to_string(&def.phases).map_err(|e| Error::internal("writing a type's phases", e))?;
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    let write = TypeWrite {
        workspace: p.workspace_id,
        key: &def.key,
        label_en: &def.label_en,
        label_de: &def.label_de,
        progress_mode: def.progress_mode.as_str(),
        phases: &phases,
        windows: [
            secs(def.policy.expected_queue_wait),
            secs(def.policy.expected_duration),
            secs(def.policy.stale_after),
            secs(def.policy.heartbeat_timeout),
        ],
        profile: &crate::store::runs::type_profile(&def),
        now: state.clock.now().millis(),
    };
    let created = stored::upsert(&state.db, write).await?;
    tracing::info!(created, "workspace run type registered");
    let row = stored::get(&state.db, p.workspace_id, &def.key).await?.ok_or(Error::NotFound(Thing::Page))?;
    Ok((read(row)?, created))
}

/// Every type of the caller's workspace, by key.
pub async fn list(state: &AppState, p: &Principal) -> Result<Vec<Registered>, Error> {
    p.authorize(p.workspace_id, None, Capability::ReportRuns, Thing::Page)
        .or_else(|_| p.authorize(p.workspace_id, None, Capability::ViewRuns, Thing::Page))?;
    stored::list(&state.db, p.workspace_id).await?.into_iter().map(read).collect()
}

/// The kind of run `key` names in `workspace`: a built-in type, or a type the workspace
/// registered; `None` for a key that is neither.
pub async fn kind(state: &AppState, workspace: WorkspaceId, key: &str) -> Result<Option<RunKind>, Error> {
    if let Ok(t) = crate::domain::RunType::parse(key) {
        return Ok(Some(RunKind::Builtin(t)));
    }
    if crate::domain::workspace_type::type_key(key).is_err() {
        return Ok(None);
    }
    match stored::get(&state.db, workspace, key).await? {
        Some(row) => Ok(Some(RunKind::Workspace(read(row)?.def))),
        None => Ok(None),
    }
}

/// A stored type, checked again on the way out: a row that no longer reads is an internal
/// failure, never a type with made-up windows.
fn read(row: WorkspaceTypeRow) -> Result<Registered, Error> {
    let phases: Vec<String> =
        serde_json::from_str(&row.phases).map_err(|e| Error::internal("reading a type's phases", e))?;
    let secs = |v: i64| u64::try_from(v).unwrap_or(0);
    let request = TypeRequest {
        key: row.key,
        label_en: row.label_en,
        label_de: row.label_de,
        progress_mode: row.progress_mode,
        phases,
        windows: [secs(row.queue_secs), secs(row.expected_secs), secs(row.stale_secs), secs(row.heartbeat_secs)],
    };
    let def = WorkspaceType::check(&request)
        .map_err(|why| Error::internal("reading a workspace run type", format!("{why:?}")))?;
    Ok(Registered { def, created_at: Timestamp(row.created_at), updated_at: Timestamp(row.updated_at) })
}

fn refusal(why: TypeRefusal) -> Error {
    match why {
        TypeRefusal::Key => Error::Invalid(Invalid::TypeKey),
        TypeRefusal::BuiltInKey => Error::Conflict(Conflict::BuiltInType),
        TypeRefusal::Label(lang) => Error::Invalid(Invalid::Field(format!("label.{lang}"))),
        TypeRefusal::ProgressMode => Error::Invalid(Invalid::Field("progress_mode".to_owned())),
        TypeRefusal::Phases => Error::Invalid(Invalid::Field("phases".to_owned())),
        TypeRefusal::Windows => Error::Invalid(Invalid::TypeWindows),
    }
}
