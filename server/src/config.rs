//! Configuration from the environment, validated at start-up with messages that say which
//! variable is wrong and what it should look like. Every setting has a default, so a bare
//! `opshub` serves the demo on SQLite.

use std::net::SocketAddr;
use std::time::Duration;

/// Everything `opshub` reads from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `OPSHUB_DATABASE_URL` (or `DATABASE_URL`): `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `OPSHUB_ADDR`: where to listen.
    pub addr: SocketAddr,
    /// `OPSHUB_SITE_ROOT`: the built browser bundle (cargo-leptos's `target/site`).
    pub site_root: String,
    /// `OPSHUB_WORKERS`: concurrent runs this instance works on (0 disables workers).
    pub workers: usize,
    /// `OPSHUB_SEED_DEMO`: seed the demo data set on start.
    pub seed_demo: bool,
    /// `OPSHUB_SESSION_IDLE_MINS`, `OPSHUB_SESSION_MAX_HOURS`, `OPSHUB_SECURE_COOKIES`: how
    /// long a sign-in lasts unused and at most, and whether its cookie is https-only.
    pub sessions: app::server::auth::SessionPolicy,
    /// `OPSHUB_DEMO_PACING_MS`: time inventory.sync spends per item, so progress is watchable.
    pub demo_pacing: Duration,
    /// `OPSHUB_HEARTBEAT_SECS`: worker heartbeat interval.
    pub heartbeat: Duration,
    /// `OPSHUB_INSTANCE_ID`: this instance's name in leases and logs.
    pub instance_id: String,
    /// `OPSHUB_SHUTDOWN_GRACE_SECS`: how long running work may finish after SIGTERM/SIGINT
    /// before it is completed as cancelled.
    pub shutdown_grace: Duration,
    /// `OPSHUB_FAULTS`: demo-provider faults to inject at start, e.g.
    /// `inventory.sync=slow,restore.execute=fail` (see `opshub fault`).
    pub faults: Vec<(app::domain::RunType, app::server::provider::Fault)>,
    /// `OPSHUB_DATA_DIR`: where review packs are written.
    pub data_dir: std::path::PathBuf,
    /// `OPSHUB_PACK_RETENTION_DAYS`: how long a ready review pack is kept.
    pub pack_retention: Duration,
    /// `OPSHUB_RECONCILE_SECS`: how often the reconciler sweeps (0 turns it off here).
    pub reconcile_every: Duration,
    /// `OPSHUB_LIFECYCLE`: per-type lifecycle windows overriding the defaults, e.g.
    /// `restore.execute=60,900,3600,120;*=30,120,600,60` (queue, expected, stale, heartbeat).
    pub lifecycle: std::collections::BTreeMap<app::domain::RunType, app::domain::LifecyclePolicy>,
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var} {problem} (got {value:?})")]
pub struct ConfigError {
    /// The variable.
    pub var: &'static str,
    /// What it should be.
    pub problem: String,
    /// What it was.
    pub value: String,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let database_url = get("OPSHUB_DATABASE_URL")
            .or_else(|| get("DATABASE_URL"))
            .unwrap_or_else(|| "sqlite://data/opshub.db".into());
        if app::server::Backend::from_url(&database_url).is_err() {
            return Err(ConfigError {
                var: "OPSHUB_DATABASE_URL",
                problem: "must start with sqlite:// or postgres://".into(),
                value: app::server::db::redact(&database_url),
            });
        }
        let addr_text = get("OPSHUB_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr = addr_text.parse().map_err(|_| ConfigError {
            var: "OPSHUB_ADDR",
            problem: "must be an IP address and port such as 127.0.0.1:3000".into(),
            value: addr_text.clone(),
        })?;
        let number = |var: &'static str, default: u64, max: u64| -> Result<u64, ConfigError> {
            match get(var) {
                None => Ok(default),
                Some(v) => v.parse::<u64>().ok().filter(|n| *n <= max).ok_or(ConfigError {
                    var,
                    problem: "must be a whole number in range".into(),
                    value: v,
                }),
            }
        };
        let flag = |var: &'static str, default: bool| -> Result<bool, ConfigError> {
            match get(var).as_deref() {
                None => Ok(default),
                Some("1" | "true" | "yes" | "on") => Ok(true),
                Some("0" | "false" | "no" | "off") => Ok(false),
                Some(v) => Err(ConfigError { var, problem: "must be true or false".into(), value: v.to_owned() }),
            }
        };
        let seed_demo = flag("OPSHUB_SEED_DEMO", true)?;
        let heartbeat = number("OPSHUB_HEARTBEAT_SECS", 10, 3600)?;
        if heartbeat == 0 {
            return Err(ConfigError {
                var: "OPSHUB_HEARTBEAT_SECS",
                problem: "must be at least 1".into(),
                value: "0".into(),
            });
        }
        Ok(Self {
            database_url,
            addr,
            site_root: get("OPSHUB_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            workers: usize::try_from(number("OPSHUB_WORKERS", 4, 256)?).unwrap_or(4),
            seed_demo,
            sessions: app::server::auth::SessionPolicy {
                idle: Duration::from_secs(60 * number("OPSHUB_SESSION_IDLE_MINS", 120, 60 * 24 * 30)?.max(1)),
                absolute: Duration::from_secs(3600 * number("OPSHUB_SESSION_MAX_HOURS", 12, 24 * 90)?.max(1)),
                secure_cookie: flag("OPSHUB_SECURE_COOKIES", false)?,
            },
            demo_pacing: Duration::from_millis(number("OPSHUB_DEMO_PACING_MS", 150, 60_000)?),
            heartbeat: Duration::from_secs(heartbeat),
            instance_id: get("OPSHUB_INSTANCE_ID").unwrap_or_else(|| format!("opshub-{}", std::process::id())),
            shutdown_grace: Duration::from_secs(number("OPSHUB_SHUTDOWN_GRACE_SECS", 30, 3600)?),
            data_dir: get("OPSHUB_DATA_DIR").unwrap_or_else(|| "data".into()).into(),
            pack_retention: Duration::from_secs(86_400 * number("OPSHUB_PACK_RETENTION_DAYS", 7, 3650)?),
            reconcile_every: Duration::from_secs(number("OPSHUB_RECONCILE_SECS", 30, 3600)?),
            lifecycle: match get("OPSHUB_LIFECYCLE") {
                None => std::collections::BTreeMap::new(),
                Some(v) => app::domain::LifecyclePolicy::parse_overrides(&v).map_err(|why| ConfigError {
                    var: "OPSHUB_LIFECYCLE",
                    problem: format!(
                        "must be type=queue,expected,stale,heartbeat entries in seconds separated by ';' (type may \
                         be *): {why}"
                    ),
                    value: v.clone(),
                })?,
            },
            faults: match get("OPSHUB_FAULTS") {
                None => Vec::new(),
                Some(v) => app::server::provider::parse_fault_list(&v).map_err(|_| ConfigError {
                    var: "OPSHUB_FAULTS",
                    problem:
                        "must be run-type=fault pairs separated by commas (faults: fail, partial, slow, hang, crash)"
                            .into(),
                    value: v.clone(),
                })?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn an_empty_environment_serves_the_demo_on_sqlite() {
        let c = with(&[]).expect("defaults");
        assert_eq!(c.database_url, "sqlite://data/opshub.db");
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert!(c.seed_demo);
        assert_eq!(c.workers, 4);
        assert_eq!(c.shutdown_grace, Duration::from_secs(30));
        assert_eq!(c.sessions, app::server::auth::SessionPolicy::default());
    }

    #[test]
    fn session_lifetimes_and_the_secure_cookie_are_configurable() {
        let c = with(&[
            ("OPSHUB_SESSION_IDLE_MINS", "15"),
            ("OPSHUB_SESSION_MAX_HOURS", "8"),
            ("OPSHUB_SECURE_COOKIES", "true"),
        ])
        .expect("sessions");
        assert_eq!(c.sessions.idle, Duration::from_secs(900));
        assert_eq!(c.sessions.absolute, Duration::from_secs(8 * 3600));
        assert!(c.sessions.secure_cookie);
        assert_eq!(with(&[("OPSHUB_SECURE_COOKIES", "sometimes")]).expect_err("bad").var, "OPSHUB_SECURE_COOKIES");
        assert_eq!(with(&[("OPSHUB_SESSION_IDLE_MINS", "-1")]).expect_err("bad").var, "OPSHUB_SESSION_IDLE_MINS");
    }

    #[test]
    fn bad_values_name_the_variable_and_hide_passwords() {
        let e = with(&[("OPSHUB_ADDR", "localhost")]).expect_err("bad addr");
        assert_eq!(e.var, "OPSHUB_ADDR");
        let e = with(&[("DATABASE_URL", "mysql://root:secret@db/x")]).expect_err("bad url");
        assert!(!e.to_string().contains("secret"), "{e}");
        assert_eq!(with(&[("OPSHUB_WORKERS", "lots")]).expect_err("bad workers").var, "OPSHUB_WORKERS");
        assert_eq!(with(&[("OPSHUB_WORKERS", "100000")]).expect_err("too many").var, "OPSHUB_WORKERS");
        assert_eq!(with(&[("OPSHUB_SEED_DEMO", "maybe")]).expect_err("bad bool").var, "OPSHUB_SEED_DEMO");
        assert_eq!(with(&[("OPSHUB_HEARTBEAT_SECS", "0")]).expect_err("zero").var, "OPSHUB_HEARTBEAT_SECS");
        assert_eq!(with(&[("OPSHUB_FAULTS", "inventory.sync=explode")]).expect_err("bad fault").var, "OPSHUB_FAULTS");
        assert_eq!(with(&[("OPSHUB_FAULTS", "inventory.sync=hang")]).expect("a fault").faults.len(), 1);
        let e = with(&[("OPSHUB_LIFECYCLE", "inventory.sync=1,20,10,4")]).expect_err("bad windows");
        assert_eq!(e.var, "OPSHUB_LIFECYCLE");
        assert!(e.to_string().contains("shorter than stale-after"), "{e}");
        assert_eq!(with(&[("OPSHUB_RECONCILE_SECS", "soon")]).expect_err("bad secs").var, "OPSHUB_RECONCILE_SECS");
        let c = with(&[("OPSHUB_LIFECYCLE", "*=2,3,10,4"), ("OPSHUB_RECONCILE_SECS", "1")]).expect("overrides");
        assert_eq!((c.lifecycle.len(), c.reconcile_every), (6, Duration::from_secs(1)));
    }

    #[test]
    fn postgres_urls_are_accepted_from_either_variable() {
        let c = with(&[("DATABASE_URL", "postgres://u@h/db")]).expect("pg");
        assert_eq!(c.database_url, "postgres://u@h/db");
        let c = with(&[("DATABASE_URL", "postgres://u@h/a"), ("OPSHUB_DATABASE_URL", "sqlite://x.db")]).expect("both");
        assert_eq!(c.database_url, "sqlite://x.db");
    }
}
