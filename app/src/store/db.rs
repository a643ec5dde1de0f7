//! One connection pool for either database. SQLite (the zero-set-up default) and PostgreSQL
//! (for several instances sharing one database) are reached through sqlx's `Any` driver with
//! portable SQL: `$n` placeholders, integer-millisecond timestamps and JSON as text. Where
//! the dialects must differ (claiming, write locks) callers branch on [`Backend`].

use anyhow::{Context as _, bail};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor as _};
use std::path::Path;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend a database URL selects, or an error naming the accepted schemes.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        let scheme = url.split(':').next().unwrap_or_default().to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => bail!("the database URL must start with sqlite: or postgres:// (got scheme {scheme:?})"),
        }
    }
}

/// How to open the pool.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// `sqlite://path/to/file.db` or `postgres://user@host:port/db`.
    pub url: String,
    /// Upper bound on pooled connections.
    pub max_connections: u32,
    /// PostgreSQL only: a schema to put first on the search path (isolated test schemas).
    pub pg_schema: Option<String>,
}

impl DbOptions {
    /// Options for `url` with the default pool size.
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 16, pg_schema: None }
    }
}

/// The shared database handle: a pool and the backend it talks to. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    pg_schema: Option<String>,
}

impl Db {
    /// Opens the pool. For SQLite, creates the file (and its folder) if missing, switches to
    /// WAL so readers never wait for the writer, and starts the background checkpointer.
    pub async fn connect(options: &DbOptions) -> anyhow::Result<Self> {
        install_default_drivers();
        let backend = Backend::from_url(&options.url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url(&options.url)?,
            Backend::Postgres => options.url.clone(),
        };
        let schema = options.pg_schema.clone();
        if let Some(s) = &schema
            && !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            bail!("the schema name {s:?} may only contain letters, digits and underscores");
        }
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute(
                                format!(
                                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                     PRAGMA wal_autocheckpoint = {SQLITE_WAL_BACKSTOP_PAGES};"
                                )
                                .as_str(),
                            )
                            .await?;
                        }
                        Backend::Postgres => {
                            if let Some(s) = schema {
                                conn.execute(format!("SET search_path TO {s}").as_str()).await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("could not open the {backend:?} database at {}", redact(&options.url)))?;
        let db = Self { pool, backend, pg_schema: options.pg_schema.clone() };
        if backend == Backend::Sqlite {
            tokio::spawn(checkpoint_periodically(db.clone()));
        }
        Ok(db)
    }

    /// Applies pending migrations. A failure here must stop start-up.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("database migrations failed; the database is unchanged past the last good migration")
    }

    /// How many of this build's migrations the database has not applied (a readiness check:
    /// an instance older or newer than its database's schema must not take traffic). Also
    /// proves the database answers.
    pub async fn pending_migrations(&self) -> Result<usize, sqlx::Error> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(&self.pool).await?;
        Ok(migrator.iter().filter(|m| !applied.contains(&m.version)).count())
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout instead of
    /// failing when a read lock cannot be upgraded.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// The PostgreSQL channel on which run changes are announced (one per schema, so isolated
    /// test schemas do not hear each other).
    pub fn notify_channel(&self) -> String {
        match &self.pg_schema {
            Some(s) => format!("opshub_runs_{s}"),
            None => "opshub_runs".to_owned(),
        }
    }

    /// Announces a changed run to every instance (PostgreSQL); nothing to do on SQLite, which
    /// serves one instance.
    pub async fn notify_run_changed(&self, id: i64) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(self.notify_channel())
                .bind(id.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Announces a change to run `id` inside the transaction on `conn` (PostgreSQL delivers
    /// it when the transaction commits, and never if it rolls back); a no-op on SQLite.
    pub async fn notify_run_changed_in(&self, conn: &mut sqlx::AnyConnection, id: i64) -> Result<(), sqlx::Error> {
        self.notify_runs_changed_in(conn, [id]).await
    }

    /// Announces changes to many runs inside the transaction on `conn`: the ids travel
    /// comma-separated, as few notifications as PostgreSQL's payload limit allows.
    pub async fn notify_runs_changed_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<(), sqlx::Error> {
        /// PostgreSQL refuses payloads of 8,000 bytes or more.
        const MAX_PAYLOAD: usize = 7_000;
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let mut payloads = vec![String::new()];
        for id in ids {
            let id = id.to_string();
            let last = payloads.last().map_or(0, String::len);
            if last + id.len() + 1 > MAX_PAYLOAD {
                payloads.push(String::new());
            }
            if let Some(p) = payloads.last_mut() {
                if !p.is_empty() {
                    p.push(',');
                }
                p.push_str(&id);
            }
        }
        for payload in payloads.into_iter().filter(|p| !p.is_empty()) {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(self.notify_channel())
                .bind(payload)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// SQLite: how often the background checkpointer copies the write-ahead log into the
/// database file.
const SQLITE_CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// SQLite: the WAL size (pages) at which a commit checkpoints by itself — a backstop should
/// the background checkpointer fall behind; SQLite's own default is 1,000.
const SQLITE_WAL_BACKSTOP_PAGES: u32 = 16_384;

/// What one SQLite checkpoint did (`PRAGMA wal_checkpoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Checkpoint {
    /// 1 when a reader or writer kept part of the log from being copied this time.
    pub busy: i64,
    /// Pages in the write-ahead log.
    pub log: i64,
    /// Of those, pages now copied into the database file.
    pub checkpointed: i64,
}

impl Db {
    /// Copies SQLite's write-ahead log into the database file without waiting for readers or
    /// writers (PASSIVE): what it cannot copy now is taken up next time. `None` on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, sqlx::Error> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_optional(&self.pool).await
    }
}

/// Checkpoints SQLite in the background every [`SQLITE_CHECKPOINT_EVERY`], so no writer's
/// commit pays for it. By default SQLite checkpoints inside whichever commit grows the log past
/// 1,000 pages: for a large batch (a reconciler sweep deciding a thousand runs) that was most
/// of the batch's time, and otherwise it lands on an unlucky request at random. Ends when the
/// pool is closed.
async fn checkpoint_periodically(db: Db) {
    let mut tick = tokio::time::interval(SQLITE_CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tick.tick().await;
        if db.pool.is_closed() {
            return;
        }
        match db.checkpoint().await {
            Ok(_) => failing = false,
            Err(_) if db.pool.is_closed() => return,
            // Logged once per failing stretch; the commit backstop keeps the log bounded.
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "the SQLite checkpoint failed; retrying in the background");
            }
            Err(_) => {}
        }
    }
}

/// `$first, $first+1, …`: `len` numbered bind placeholders (both dialects accept `$n`
/// through the `Any` driver), for IN lists and multi-row VALUES.
pub(crate) fn placeholders(first: usize, len: usize) -> String {
    (first..first + len).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Placeholders for a statement whose every placeholder is taken from here, in text order
/// (bulk writes). SQLite gets anonymous `?`, bound by position: with numbered ones it looks
/// each number up in a list, which costs quadratic time in a statement of thousands of
/// values. PostgreSQL gets `$1, $2, …`.
#[derive(Debug)]
pub(crate) struct Params {
    positional: bool,
    next: usize,
}

impl Params {
    /// The next `n` placeholders, comma-separated.
    pub(crate) fn take(&mut self, n: usize) -> String {
        let out = if self.positional { vec!["?"; n].join(", ") } else { placeholders(self.next, n) };
        self.next += n;
        out
    }
}

impl Db {
    /// A fresh [`Params`] for one statement.
    pub(crate) fn params(&self) -> Params {
        Params { positional: self.backend == Backend::Sqlite, next: 1 }
    }
}

/// Normalises a SQLite URL: creates the parent folder and asks for create-if-missing.
fn sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        bail!("the SQLite URL names no file (expected sqlite://path/to/opshub.db)");
    }
    if path != ":memory:"
        && let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("could not create the database folder {}", parent.display()))?;
    }
    let mode = if query.contains("mode=") { String::new() } else { "mode=rwc".to_owned() };
    let joined = [query, mode.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("&");
    Ok(format!("sqlite://{path}?{joined}"))
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_selects_the_backend() {
        assert_eq!(Backend::from_url("sqlite://data/x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db").ok(), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://u@h/db").ok(), Some(Backend::Postgres));
        assert!(Backend::from_url("mysql://u@h/db").is_err());
        assert!(Backend::from_url("data/opshub.db").is_err());
    }

    #[test]
    fn passwords_never_appear_in_messages() {
        assert_eq!(redact("postgres://bob:hunter2@db:5432/x"), "postgres://bob:***@db:5432/x");
        assert_eq!(redact("postgres://bob@db/x"), "postgres://bob@db/x");
        assert_eq!(redact("sqlite://data/opshub.db"), "sqlite://data/opshub.db");
    }

    #[test]
    fn sqlite_urls_gain_create_if_missing() {
        let dir = std::env::temp_dir().join("opshub-url-test");
        let url = format!("sqlite://{}/a.db", dir.display());
        assert_eq!(sqlite_url(&url).ok(), Some(format!("{url}?mode=rwc")));
        assert!(sqlite_url("sqlite://").is_err());
        assert_eq!(sqlite_url("sqlite::memory:").ok(), Some("sqlite://:memory:?mode=rwc".into()));
    }
}
