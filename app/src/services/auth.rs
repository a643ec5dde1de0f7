//! Sign-in sessions (specs/product-contract §2): who a request comes from, decided once per request from a
//! session cookie whose record lives in our own database on both backends.
//!
//! - The cookie and its life cycle come from `tower-sessions`; [`DbSessionStore`] keeps the
//!   records in the `sessions` table, so several instances on one PostgreSQL share them.
//! - Idle expiry is the record's expiry, pushed forward at most once a minute by
//!   [`resolve`] (a poll every few seconds must not write every few seconds); absolute expiry
//!   is checked against the sign-in time stored in the session.
//! - The session id rotates on sign-in, and sign-out deletes the record.
//! - The poll path must cost no query (see `specs/benchmarks`), so loaded session records
//!   and principals are kept in memory for [`AUTH_CACHE_TTL`]. On this instance a sign-out,
//!   sign-in or switch is seen at once (writes go through the cache); another instance sees a
//!   sign-out or a revoked membership within that time. API tokens found working are kept
//!   the same way (`services::tokens`): revoked here, at once; elsewhere, within that time.

use crate::api::{Me, WorkspaceOption};
use crate::copy::Locale;
use crate::domain::{Timestamp, UserId, WorkspaceId};
use crate::runtime::state::AppState;
use crate::services::accounts;
use crate::services::error::{Error, Thing};
use crate::services::principal::{self, Principal};
use crate::store::db::Db;
use crate::store::tokens::TokenRow;
use crate::store::{people, sessions};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session};

/// Session key: the signed-in user's id.
const USER: &str = "user";
/// Session key: the workspace chosen in this session.
const WORKSPACE: &str = "workspace";
/// Session key: when the user signed in (ms), for the absolute expiry.
const SIGNED_IN_AT: &str = "signed_in_at";
/// Session key: the last time the idle expiry was pushed forward (ms).
const SEEN_AT: &str = "seen_at";

/// How long a session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Unused for this long, a session ends.
    pub idle: Duration,
    /// However much it is used, a session ends this long after sign-in.
    pub absolute: Duration,
    /// Whether the cookie is marked `Secure` (served over https).
    pub secure_cookie: bool,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle: Duration::from_secs(2 * 3600), absolute: Duration::from_secs(12 * 3600), secure_cookie: false }
    }
}

impl SessionPolicy {
    /// The idle expiry as the session layer wants it.
    pub fn expiry(&self) -> Expiry {
        Expiry::OnInactivity(time::Duration::seconds(i64::try_from(self.idle.as_secs()).unwrap_or(i64::MAX)))
    }

    /// How often the idle expiry is pushed forward: a tenth of it, at most a minute.
    fn touch_every(&self) -> Duration {
        (self.idle / 10).min(Duration::from_secs(60))
    }
}

/// How long a loaded session record or principal is trusted without asking the database.
pub const AUTH_CACHE_TTL: Duration = Duration::from_secs(5);

/// Entries beyond this many are dropped when they are past their time.
const AUTH_CACHE_MAX: usize = 20_000;

/// Values by key, each with when it was read.
type Timed<K, V> = Mutex<HashMap<K, (V, Instant)>>;

/// Session records and principals recently read, sessions recently ended here, and API
/// tokens recently found working (by the hash of their secret).
#[derive(Debug, Default)]
pub struct AuthCache {
    records: Timed<Id, Record>,
    principals: Timed<(UserId, WorkspaceId), Option<Principal>>,
    /// Ended on this instance within [`AUTH_CACHE_TTL`]: a request still in flight when its
    /// session ended must not put the record back into memory.
    ended: Timed<Id, ()>,
    /// Working tokens by secret hash. Only tokens found working are kept: a secret that
    /// names none is asked about every time, so guessing fills no memory and a token made on
    /// another instance works at once.
    tokens: Timed<String, TokenRow>,
    /// Revoked on this instance within [`AUTH_CACHE_TTL`]: a request still in flight when
    /// its token was revoked must not put the token back into memory.
    revoked: Timed<i64, ()>,
}

fn fresh<K: Eq + Hash, V: Clone>(map: &Timed<K, V>, key: &K) -> Option<V> {
    let map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    map.get(key).filter(|(_, at)| at.elapsed() < AUTH_CACHE_TTL).map(|(v, _)| v.clone())
}

fn remember<K: Eq + Hash, V>(map: &Timed<K, V>, key: K, value: V) {
    let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if map.len() >= AUTH_CACHE_MAX {
        map.retain(|_, (_, at)| at.elapsed() < AUTH_CACHE_TTL);
    }
    map.insert(key, (value, Instant::now()));
}

fn forget<K: Eq + Hash, V>(map: &Timed<K, V>, key: &K) {
    map.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
}

impl AuthCache {
    /// The stored token whose secret hashes to `hash`, from memory when recently found
    /// working.
    pub(crate) fn token(&self, hash: &str) -> Option<TokenRow> {
        fresh(&self.tokens, &hash.to_owned())
    }

    /// Remembers `row`, found working under `hash`, unless it was revoked here meanwhile.
    pub(crate) fn remember_token(&self, hash: String, row: TokenRow) {
        if fresh(&self.revoked, &row.id).is_none() {
            remember(&self.tokens, hash, row);
        }
    }

    /// Records that token `id` was last used at `at` (milliseconds) in its remembered copy,
    /// keeping when it was read: it is still trusted only until then.
    pub(crate) fn token_used(&self, id: i64, at: i64) {
        let mut map = self.tokens.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.values_mut().filter(|(row, _)| row.id == id).for_each(|(row, _)| row.last_used_at = Some(at));
    }

    /// Forgets token `id`, revoked on this instance: its next request is asked about.
    pub(crate) fn forget_token(&self, id: i64) {
        remember(&self.revoked, id, ());
        self.tokens.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|_, (row, _)| row.id != id);
    }

    /// The principal of `user` in `workspace`, from memory when recently read.
    async fn principal(&self, db: &Db, user: UserId, ws: WorkspaceId) -> Result<Option<Principal>, sqlx::Error> {
        if let Some(p) = fresh(&self.principals, &(user, ws)) {
            return Ok(p);
        }
        let p = principal::load(db, user, ws).await?;
        remember(&self.principals, (user, ws), p.clone());
        Ok(p)
    }
}

/// Session records in the `sessions` table.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
    cache: Arc<AuthCache>,
}

impl DbSessionStore {
    /// A store over `db` that keeps what it reads in `cache` (share the app state's).
    pub fn new(db: Db, cache: Arc<AuthCache>) -> Self {
        Self { db, cache }
    }

    /// Deletes every record that has expired; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        let now = millis(time::OffsetDateTime::now_utc());
        sessions::delete_expired(&self.db, now).await
    }
}

/// The key a session is stored under: [`stored_form`] of its token.
fn key_of(id: &Id) -> String {
    stored_form(&id.to_string())
}

/// How a bearer secret — a session's token, an API token's secret — is stored: its SHA-256,
/// in hex. Both are at least 128 random bits, so no salt or slow hash is needed; what matters
/// is that the table alone authenticates nobody.
pub(crate) fn stored_form(secret: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whose session a record is: its user and chosen workspace, once signed in.
fn owner(record: &Record) -> (Option<UserId>, Option<WorkspaceId>) {
    let id = |key: &str| record.data.get(key).and_then(serde_json::Value::as_i64);
    (id(USER).map(UserId), id(WORKSPACE).map(WorkspaceId))
}

/// What the store writes for `record`.
fn write_of<'a>(key: &'a str, record: &Record, data: &'a str) -> sessions::SessionWrite<'a> {
    let (user, workspace) = owner(record);
    sessions::SessionWrite { key, user, workspace, data, expires_at: millis(record.expiry_date) }
}

fn millis(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A storage failure, logged here with its cause and handed on without it.
fn backend(e: &sqlx::Error) -> session_store::Error {
    tracing::error!(error = %e, "session storage failed");
    session_store::Error::Backend("session storage is unavailable".to_owned())
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // A fresh random id colliding is astronomically unlikely; still never overwrite.
        for _ in 0..8 {
            let key = key_of(&record.id);
            let stored =
                sessions::insert_new(&self.db, write_of(&key, record, &data)).await.map_err(|e| backend(&e))?;
            if stored {
                remember(&self.cache.records, record.id, record.clone());
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(session_store::Error::Backend("no free session id".to_owned()))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let key = key_of(&record.id);
        let kept = sessions::update(&self.db, write_of(&key, record, &data)).await.map_err(|e| backend(&e))?;
        // A session ended meanwhile (signed out, or its person's access changed) stays ended.
        if kept && fresh(&self.cache.ended, &record.id).is_none() {
            remember(&self.cache.records, record.id, record.clone());
        } else {
            forget(&self.cache.records, &record.id);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if fresh(&self.cache.ended, id).is_some() {
            return Ok(None);
        }
        if let Some(record) = fresh(&self.cache.records, id) {
            return Ok((record.expiry_date > time::OffsetDateTime::now_utc()).then_some(record));
        }
        let now = millis(time::OffsetDateTime::now_utc());
        let row = sessions::load(&self.db, &key_of(id), now).await.map_err(|e| backend(&e))?;
        let Some(sessions::SessionRow { data, expires_at }) = row else { return Ok(None) };
        // A damaged record is no session: the visitor signs in again.
        let Ok(data) = serde_json::from_str(&data) else {
            tracing::warn!("ignoring an unreadable session record");
            return Ok(None);
        };
        let expiry_date = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1_000_000)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let record = Record { id: *id, data, expiry_date };
        remember(&self.cache.records, *id, record.clone());
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        remember(&self.cache.ended, *id, ());
        forget(&self.cache.records, id);
        sessions::delete(&self.db, &key_of(id)).await.map_err(|e| backend(&e))?;
        Ok(())
    }
}

/// Who a request comes from: put into every request's extensions by the authentication
/// middleware, read by server functions and routes. `None`: nobody is signed in.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<Principal>);

/// The client address of a request (the sign-in throttle counts failures per address).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// The header's view of the signed-in user: name, role and every workspace they belong to.
pub async fn me(state: &AppState, principal: &Principal) -> Result<Me, Error> {
    let rows = people::workspaces_of(&state.db, principal.user_id)
        .await
        .map_err(|e| Error::internal("could not list the user's workspaces", e))?;
    Ok(Me {
        display_name: principal.display_name.clone(),
        role: principal.role.as_str().to_owned(),
        workspace_id: principal.workspace_id.get(),
        workspaces: rows.into_iter().map(|w| WorkspaceOption { id: w.id, name: w.name }).collect(),
        platform_operator: principal.platform_operator,
        language: principal.locale,
        unread_notifications: crate::services::notifications::unread_count(state, principal).await?,
    })
}

/// Why resolving a session failed (storage only; an absent or ended session is `Ok(None)`).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The session layer failed.
    #[error("session: {0}")]
    Session(#[from] tower_sessions::session::Error),
    /// Reading the membership failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// The principal this session belongs to, or `None` when nobody is signed in, the session
/// has passed its absolute expiry (it is ended), or the user lost their last membership.
/// Pushes the idle expiry forward now and then.
pub async fn resolve(state: &AppState, session: &Session) -> Result<Option<Principal>, SessionError> {
    let Some(user) = session.get::<i64>(USER).await? else { return Ok(None) };
    let now = state.clock.now();
    let policy = state.config.sessions;
    let signed_in = session.get::<i64>(SIGNED_IN_AT).await?.map(Timestamp).unwrap_or(Timestamp(0));
    if now.since(signed_in) >= policy.absolute {
        session.flush().await?;
        return Ok(None);
    }
    let user = UserId(user);
    let chosen = session.get::<i64>(WORKSPACE).await?.map(WorkspaceId);
    let mut found = match chosen {
        Some(ws) => state.auth_cache.principal(&state.db, user, ws).await?,
        None => None,
    };
    if found.is_none() {
        // The chosen workspace is gone from their memberships: fall back to another one.
        if let Some(ws) = default_workspace(&state.db, user).await? {
            session.insert(WORKSPACE, ws.get()).await?;
            found = principal::load(&state.db, user, ws).await?;
        }
    }
    if found.is_none() {
        found = principal::platform_only(&state.db, user).await?;
    }
    if found.is_none() {
        session.flush().await?;
        return Ok(None);
    }
    let seen = session.get::<i64>(SEEN_AT).await?.map(Timestamp).unwrap_or(signed_in);
    if now.since(seen) >= policy.touch_every() {
        session.insert(SEEN_AT, now.millis()).await?;
    }
    Ok(found)
}

/// The first workspace `user` is a member of.
async fn default_workspace(db: &Db, user: UserId) -> Result<Option<WorkspaceId>, sqlx::Error> {
    people::first_workspace(db, user).await
}

/// Signs in with `email` and `password` from `client` (the address the throttle counts):
/// a new session id, the user, their first workspace and the sign-in time. Failures say
/// nothing about whether the account exists.
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    email: &str,
    password: &str,
    client: &str,
) -> Result<Principal, Error> {
    let user = match accounts::check_sign_in(&state.db, state.clock.as_ref(), &state.hash_gate, email, password, client)
        .await
    {
        Ok(user) => user,
        Err(Error::NotFound(_)) => return Err(Error::WrongCredentials),
        Err(e @ Error::Internal { .. }) => return Err(Error::internal("checking a sign-in", e)),
        Err(e) => return Err(e),
    };
    let found = async {
        match default_workspace(&state.db, user).await? {
            Some(ws) => principal::load(&state.db, user, ws).await,
            None => principal::platform_only(&state.db, user).await,
        }
    }
    .await
    .map_err(|e| Error::internal("sign-in could not read the membership", e))?;
    let Some(principal) = found else {
        return Err(Error::NoMembership);
    };
    let now = state.clock.now().millis();
    let written = async {
        // A new id for the signed-in session: an id planted before sign-in is worthless.
        session.cycle_id().await?;
        session.insert(USER, principal.user_id.get()).await?;
        session.insert(WORKSPACE, principal.workspace_id.get()).await?;
        session.insert(SIGNED_IN_AT, now).await?;
        session.insert(SEEN_AT, now).await?;
        Ok::<_, tower_sessions::session::Error>(())
    }
    .await;
    if let Err(e) = written {
        return Err(Error::internal("the session could not be started", e));
    }
    tracing::info!(user_id = principal.user_id.get(), workspace_id = principal.workspace_id.get(), "signed in");
    Ok(principal)
}

/// Ends the session: the record is deleted and the cookie cleared.
pub async fn sign_out(session: &Session) -> Result<(), Error> {
    session.flush().await.map_err(|e| Error::internal("the session could not be ended", e))
}

/// Stores the language `principal`'s user chose (`None`: follow the browser) and forgets
/// their cached principals here, so this instance's next page speaks it at once (others
/// within [`AUTH_CACHE_TTL`]).
pub async fn set_language(state: &AppState, principal: &Principal, locale: Option<Locale>) -> Result<(), Error> {
    principal::set_locale(&state.db, principal.user_id, locale)
        .await
        .map_err(|e| Error::internal("could not store the language", e))?;
    state
        .auth_cache
        .principals
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .retain(|(user, _), _| *user != principal.user_id);
    Ok(())
}

/// Makes `workspace` (an id) the session's workspace, if the principal's user is a member
/// there; otherwise it does not exist for them.
pub async fn switch_workspace(
    state: &AppState,
    session: &Session,
    principal: &Principal,
    workspace: &str,
) -> Result<Principal, Error> {
    let not_found = || Error::NotFound(Thing::Workspace);
    let workspace = workspace.trim().parse::<i64>().map(WorkspaceId).map_err(|_| not_found())?;
    let next = principal::load(&state.db, principal.user_id, workspace)
        .await
        .map_err(|e| Error::internal("could not read the membership", e))?;
    let Some(next) = next else { return Err(not_found()) };
    session
        .insert(WORKSPACE, workspace.get())
        .await
        .map_err(|e| Error::internal("the session could not be updated", e))?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_row(id: i64) -> TokenRow {
        TokenRow {
            id,
            workspace_id: 1,
            tenant_id: None,
            tenant_slug: None,
            tenant_name: None,
            name: "worker".into(),
            capabilities: "read_runs".into(),
            prefix: "opshub_0123".into(),
            created_by: 1,
            created_at: 0,
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
        }
    }

    #[test]
    fn a_token_revoked_here_is_forgotten_and_a_request_in_flight_cannot_bring_it_back() {
        let cache = AuthCache::default();
        cache.remember_token("hash-a".into(), token_row(7));
        cache.remember_token("hash-b".into(), token_row(8));
        cache.token_used(7, 1_000);
        assert_eq!(cache.token("hash-a").and_then(|r| r.last_used_at), Some(1_000));
        cache.forget_token(7);
        assert!(cache.token("hash-a").is_none());
        // A request that read the token before the revocation remembers it afterwards: no.
        cache.remember_token("hash-a".into(), token_row(7));
        assert!(cache.token("hash-a").is_none());
        assert_eq!(cache.token("hash-b").map(|r| r.id), Some(8), "other tokens stay");
    }

    #[test]
    fn the_idle_expiry_is_pushed_forward_at_most_once_a_minute() {
        let p = SessionPolicy::default();
        assert_eq!(p.touch_every(), Duration::from_secs(60));
        let short = SessionPolicy { idle: Duration::from_secs(120), ..p };
        assert_eq!(short.touch_every(), Duration::from_secs(12));
    }

    #[test]
    fn store_times_are_milliseconds_since_the_epoch() {
        let t = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(millis(t), 1_700_000_000_000);
    }
}
