//! One typed configuration, gathered from four layers — built-in defaults, an optional TOML
//! file, `OPSHUB_*` environment variables and command-line flags, each overriding the one
//! before — and validated once at start-up.
//!
//! Every key is declared once in [`KEYS`] with its default and what it means: the README's
//! table, `opshub config` and the unknown-key check all read that list, so a key cannot exist
//! in one place and not another. A bad value stops start-up with one line naming the key,
//! where the value came from and what is allowed; an unknown key (a typo in the file, an
//! `OPSHUB_` variable or a flag nobody reads) stops it too, because a setting silently
//! ignored is worse than one refused.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How `opshub config` may show a key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// As it is.
    Plain,
    /// A URL whose password is hidden.
    Url,
    /// Never; only whether it is set.
    Secret,
}

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// The key in the file; `OPSHUB_<NAME>` in the environment, `--<name-with-dashes>` as a flag.
    pub name: &'static str,
    /// The default, as written in a file.
    pub default: &'static str,
    /// What it means and what is allowed.
    pub help: &'static str,
    /// How it may be printed.
    pub shown: Shown,
}

/// The log filter unless configured: information and above, but neither the session
/// library's spans (one on every request and on every session read, paid for by every poll)
/// nor sqlx's per-statement lines.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn";

const fn key(name: &'static str, default: &'static str, help: &'static str) -> Key {
    Key { name, default, help, shown: Shown::Plain }
}

/// Every key `opshub` reads, in the order `opshub config` and the README list them.
pub const KEYS: &[Key] = &[
    Key {
        shown: Shown::Url,
        ..key(
            "database_url",
            "sqlite://data/opshub.db",
            "sqlite://<file> or postgres://<user>@<host>/<db> (DATABASE_URL is read too)",
        )
    },
    key("addr", "127.0.0.1:3000", "IP address and port to listen on"),
    key("site_root", "target/site", "the built browser bundle (cargo-leptos's target/site)"),
    key("workers", "4", "runs this instance works on at once, 0 to 256 (0 disables workers here)"),
    key("seed_demo", "false", "seed the demo data set, with its well-known sign-ins, at start (true/false)"),
    key(
        "seed_demo_public",
        "false",
        "allow seed_demo on an address other than loopback, where anyone could sign in with the demo passwords (true/false)",
    ),
    key(
        "public_origins",
        "",
        "origins browsers reach this server at, such as https://ops.example.com, separated by commas \
         (empty: http://localhost, http://127.0.0.1 and http://[::1] at addr's port)",
    ),
    key(
        "trusted_proxies",
        "",
        "addresses or networks (10.0.0.0/8) of proxies whose X-Forwarded-For names the client, separated by commas \
         (empty: the connection's peer is the client)",
    ),
    key("session_idle_mins", "120", "minutes a sign-in lasts unused, 1 to 43200"),
    key("session_max_hours", "12", "hours a sign-in lasts at most, 1 to 2160"),
    key(
        "secure_cookies",
        "false",
        "served over https: cookies are Secure and browsers are told to keep to https (true/false)",
    ),
    key("demo_pacing_ms", "150", "milliseconds the demo inventory sync spends per item, 0 to 60000"),
    key("heartbeat_secs", "10", "seconds between worker heartbeats, 1 to 3600"),
    key(
        "instance_id",
        "",
        "this instance's name in leases and logs, unique among instances (empty: opshub-<host>-<pid>-<random>)",
    ),
    key("shutdown_grace_secs", "30", "seconds running work may finish after SIGTERM before it is cancelled, 0 to 3600"),
    key("faults", "", "demo-provider faults at start, run-type=fail|partial|slow|hang|crash separated by commas"),
    key("pack_retention_days", "7", "days a ready review pack is kept, 0 to 3650"),
    key(
        "history_days",
        "90",
        "days a finished run and its history are kept after it ended, 0 to 36500 (0 keeps every run)",
    ),
    key("notification_days", "90", "days a notification is kept, 0 to 36500 (0 keeps every notification)"),
    key("reconcile_secs", "30", "seconds between reconciler sweeps, 0 to 3600 (0 turns the reconciler off here)"),
    key(
        "reconcile_batch",
        "150",
        "runs one reconciler sweep decides in one transaction, 1 to 1000 (a fuller backlog is swept again at once)",
    ),
    key(
        "webhook_first_retry_ms",
        "10000",
        "milliseconds before a failed webhook delivery is retried, 100 to 3600000 (each later wait is four times \
         longer, at most an hour)",
    ),
    key("webhook_retry_hours", "24", "hours a webhook delivery is retried before it is given up, 1 to 168"),
    key("webhook_timeout_secs", "10", "seconds a webhook endpoint has to answer a delivery, 1 to 60"),
    key(
        "webhook_plain_loopback",
        "false",
        "allow webhook endpoints at http:// loopback addresses, for a receiver on this machine (true/false)",
    ),
    key(
        "lifecycle",
        "",
        "per-type windows in seconds, type=queue,expected,stale,heartbeat separated by ';' (type may be *)",
    ),
    key("log_format", "text", "text (for people) or json (one JSON object per line)"),
    key(
        "log_filter",
        DEFAULT_LOG_FILTER,
        "which log lines to write, in tracing's filter syntax (RUST_LOG is read too)",
    ),
    Key {
        shown: Shown::Secret,
        ..key(
            "metrics_token",
            "",
            "when set, /metrics answers only requests bearing this token (at least 16 characters)",
        )
    },
];

/// Keys earlier versions read and this one does not, with what replaced them: a setting
/// still carrying one starts with a warning instead of being refused, because refusing it
/// would stop an upgrade over a setting that no longer matters.
const RETIRED: &[(&str, &str)] =
    &[("data_dir", "review packs live in the database, so no instance needs a directory of its own")];

/// Environment variables starting with `OPSHUB_` that are not configuration keys: the file
/// to read, the CLI's password input, and the test and build tooling's own settings.
const NOT_KEYS: [&str; 3] = ["OPSHUB_CONFIG", "OPSHUB_PASSWORD", "OPSHUB_BASE_URL"];
const TOOLING_PREFIXES: [&str; 4] = ["OPSHUB_CI_", "OPSHUB_TEST_", "OPSHUB_BENCH_", "OPSHUB_E2E_"];

/// The environment variable of `key`.
pub fn env_name(key: &str) -> String {
    format!("OPSHUB_{}", key.to_ascii_uppercase())
}

/// The command-line flag of `key`.
pub fn flag_name(key: &str) -> String {
    format!("--{}", key.replace('_', "-"))
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The built-in default.
    Default,
    /// The configuration file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(String),
}

impl Source {
    /// Where, without the key's own name.
    pub fn place(&self) -> String {
        match self {
            Self::Default => "the defaults".to_owned(),
            Self::File(p) => format!("file {}", p.display()),
            Self::Env(_) => "the environment".to_owned(),
            Self::Flag(_) => "the command line".to_owned(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::File(p) => write!(f, "file {}", p.display()),
            Self::Env(v) => write!(f, "environment {v}"),
            Self::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

/// A configuration that cannot be used: one line naming the key, where it came from and
/// what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A value that does not fit its key.
    #[error("{key} = {value:?} (from {from}): {problem}")]
    Value {
        /// The key.
        key: &'static str,
        /// What was given (a URL's password hidden, a secret never shown).
        value: String,
        /// Where it came from.
        from: Source,
        /// What is allowed.
        problem: String,
    },
    /// A key nobody reads.
    #[error("{name} is not a configuration key (in {}); `opshub config` and the README list the keys", from.place())]
    Unknown {
        /// As written.
        name: String,
        /// Where it came from.
        from: Source,
    },
    /// The file could not be read or is not TOML.
    #[error("the configuration file {path} {problem}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
}

impl ConfigError {
    /// The key (or unknown name) the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Value { key, .. } => Some(key),
            Self::Unknown { name, .. } => Some(name),
            Self::File { .. } => None,
        }
    }
}

/// The raw layers, merged: each key's winning text and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    values: BTreeMap<&'static str, (String, Source)>,
    retired: Vec<(&'static str, Source)>,
}

impl Layers {
    /// Gathers the layers: `flags` (`(name, value)` as given after `--`), the environment
    /// `env`, and the file named by `--config` or `OPSHUB_CONFIG`, if any.
    pub fn gather(flags: &[(String, String)], env: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let mut layers = Self::default();
        let file = flags
            .iter()
            .rev()
            .find(|(n, _)| n == "config")
            .map(|(_, v)| v.clone())
            .or_else(|| env.get("OPSHUB_CONFIG").cloned())
            .filter(|v| !v.trim().is_empty());
        if let Some(path) = file {
            let path = PathBuf::from(path);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError::File { path: path.clone(), problem: format!("cannot be read: {e}") })?;
            layers.read_file(&path, &text)?;
        }
        for (name, value) in env {
            if !name.starts_with("OPSHUB_")
                || NOT_KEYS.contains(&name.as_str())
                || TOOLING_PREFIXES.iter().any(|p| name.starts_with(p))
            {
                continue;
            }
            if layers.retire(|r| env_name(r) == *name, Source::Env(name.clone())) {
                continue;
            }
            let key = KEYS
                .iter()
                .find(|k| env_name(k.name) == *name)
                .ok_or_else(|| ConfigError::Unknown { name: name.clone(), from: Source::Env(name.clone()) })?;
            layers.set(key.name, value, Source::Env(name.clone()));
        }
        // Conventional aliases, used only when the OPSHUB_ name is not set.
        for (alias, key) in [("DATABASE_URL", "database_url"), ("RUST_LOG", "log_filter")] {
            if let Some(v) = env.get(alias)
                && !env.contains_key(&env_name(key))
            {
                layers.set(key, v, Source::Env(alias.to_owned()));
            }
        }
        for (name, value) in flags {
            if name == "config" || layers.retire(|r| r == name.replace('-', "_"), Source::Flag(format!("--{name}"))) {
                continue;
            }
            let key = KEYS.iter().find(|k| k.name == name.replace('-', "_")).ok_or_else(|| ConfigError::Unknown {
                name: format!("--{name}"),
                from: Source::Flag(format!("--{name}")),
            })?;
            layers.set(key.name, value, Source::Flag(flag_name(key.name)));
        }
        Ok(layers)
    }

    fn read_file(&mut self, path: &std::path::Path, text: &str) -> Result<(), ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError::File {
            path: path.to_owned(),
            problem: format!("is not valid TOML: {}", e.message()),
        })?;
        for (name, value) in table {
            let source = Source::File(path.to_owned());
            if self.retire(|r| r == name, source.clone()) {
                continue;
            }
            let key = KEYS
                .iter()
                .find(|k| k.name == name)
                .ok_or_else(|| ConfigError::Unknown { name: name.clone(), from: source.clone() })?;
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Float(f) => f.to_string(),
                other => {
                    return Err(ConfigError::Value {
                        key: key.name,
                        value: other.to_string(),
                        from: source,
                        problem: "must be a single value (a string, number or true/false)".into(),
                    });
                }
            };
            self.set(key.name, &text, source);
        }
        Ok(())
    }

    /// Notes a retired key matching `is`, set in `source`; whether there was one.
    fn retire(&mut self, is: impl Fn(&str) -> bool, source: Source) -> bool {
        let Some((name, _)) = RETIRED.iter().find(|(r, _)| is(r)) else { return false };
        self.retired.push((name, source));
        true
    }

    /// One sentence per retired key that was set, for start-up to warn about.
    pub fn retired(&self) -> Vec<String> {
        self.retired
            .iter()
            .filter_map(|(name, source)| {
                let (_, why) = RETIRED.iter().find(|(r, _)| r == name)?;
                Some(format!("{name} (from {source}) is no longer read: {why}; remove it"))
            })
            .collect()
    }

    fn set(&mut self, key: &'static str, value: &str, source: Source) {
        self.values.insert(key, (value.trim().to_owned(), source));
    }

    /// The winning text of `key` and its source (the default when no layer set it).
    pub fn get(&self, key: &'static str) -> (String, Source) {
        self.values.get(key).cloned().unwrap_or_else(|| {
            let default = KEYS.iter().find(|k| k.name == key).map_or("", |k| k.default);
            (default.to_owned(), Source::Default)
        })
    }

    /// `opshub config`: every key's effective value as TOML, each with its source; secrets
    /// show only whether they are set, a URL's password is hidden.
    pub fn describe(&self) -> String {
        let mut out = String::from("# Effective configuration: flag > environment > file > default.\n");
        for k in KEYS {
            let (value, source) = self.get(k.name);
            let shown = match k.shown {
                Shown::Plain => value,
                Shown::Url => app::store::db::redact(&value),
                Shown::Secret if value.is_empty() => String::new(),
                Shown::Secret => "<set, hidden>".to_owned(),
            };
            // Numbers and switches print bare, as a file would hold them.
            let bare =
                (!shown.is_empty() && shown.bytes().all(|b| b.is_ascii_digit())) || shown == "true" || shown == "false";
            let line = if bare {
                format!("{} = {shown}", k.name)
            } else {
                format!("{} = {}", k.name, toml::Value::String(shown))
            };
            out.push_str(&format!("{line:<48} # {source}\n"));
        }
        out
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything `opshub` is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `database_url`: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `addr`: where to listen.
    pub addr: SocketAddr,
    /// `site_root`: the built browser bundle.
    pub site_root: String,
    /// `workers`: concurrent runs this instance works on (0 disables workers).
    pub workers: usize,
    /// `seed_demo`: seed the demo data set on start.
    pub seed_demo: bool,
    /// `public_origins`: the origins browsers reach this server at; empty means the loopback
    /// names at the port the server is bound to.
    pub public_origins: Vec<crate::hosts::Origin>,
    /// `trusted_proxies`: whose `X-Forwarded-For` is believed.
    pub trusted_proxies: crate::clients::TrustedProxies,
    /// `session_idle_mins`, `session_max_hours`, `secure_cookies`.
    pub sessions: app::services::auth::SessionPolicy,
    /// `demo_pacing_ms`: time inventory.sync spends per item, so progress is watchable.
    pub demo_pacing: Duration,
    /// `heartbeat_secs`: worker heartbeat interval.
    pub heartbeat: Duration,
    /// `instance_id`: this instance's name in leases and logs.
    pub instance_id: String,
    /// `shutdown_grace_secs`: how long running work may finish after SIGTERM/SIGINT before
    /// it is completed as cancelled.
    pub shutdown_grace: Duration,
    /// `faults`: demo-provider faults to inject at start (see `opshub fault`).
    pub faults: Vec<(app::domain::RunType, app::jobs::provider::Fault)>,
    /// `pack_retention_days`: how long a ready review pack is kept.
    pub pack_retention: Duration,
    /// `history_days`: how long a finished run is kept; `None` keeps every run.
    pub history_retention: Option<Duration>,
    /// `notification_days`: how long a notification is kept; `None` keeps every one.
    pub notification_retention: Option<Duration>,
    /// `reconcile_secs`: how often the reconciler sweeps (zero turns it off here).
    pub reconcile_every: Duration,
    /// `reconcile_batch`: runs one sweep decides in one transaction.
    pub reconcile_batch: i64,
    /// `webhook_first_retry_ms`, `webhook_retry_hours`, `webhook_timeout_secs`,
    /// `webhook_plain_loopback`.
    pub webhooks: app::jobs::webhooks::WebhookPolicy,
    /// `lifecycle`: per-type lifecycle windows overriding the defaults.
    pub lifecycle: BTreeMap<app::domain::RunType, app::domain::LifecyclePolicy>,
    /// `log_format`.
    pub log_format: LogFormat,
    /// `log_filter`, checked to parse.
    pub log_filter: String,
    /// `metrics_token`: the bearer token `/metrics` asks for, if any.
    pub metrics_token: Option<String>,
    /// Retired keys that were set, one warning sentence each.
    pub retired: Vec<String>,
}

impl Config {
    /// Gathers and validates the configuration of this process: its flags and environment.
    pub fn load(flags: &[(String, String)]) -> Result<(Self, Layers), ConfigError> {
        let env: BTreeMap<String, String> =
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
        let layers = Layers::gather(flags, &env)?;
        Ok((Self::from_layers(&layers)?, layers))
    }

    /// Validates merged layers into a configuration.
    pub fn from_layers(layers: &Layers) -> Result<Self, ConfigError> {
        let bad = |key: &'static str, problem: &str| {
            let (value, source) = layers.get(key);
            let shown = KEYS.iter().find(|k| k.name == key).map_or(Shown::Plain, |k| k.shown);
            let value = match shown {
                Shown::Plain => value,
                Shown::Url => app::store::db::redact(&value),
                Shown::Secret => "<hidden>".to_owned(),
            };
            ConfigError::Value { key, value, from: source, problem: problem.to_owned() }
        };
        let text = |key: &'static str| layers.get(key).0;
        let number = |key: &'static str, min: u64, max: u64, unit: &str| -> Result<u64, ConfigError> {
            text(key)
                .parse::<u64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| bad(key, &format!("must be a whole number of {unit} from {min} to {max}")))
        };
        let flag = |key: &'static str| -> Result<bool, ConfigError> {
            match text(key).as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(bad(key, "must be true or false")),
            }
        };
        let database_url = text("database_url");
        if app::store::Backend::from_url(&database_url).is_err() {
            return Err(bad("database_url", "must start with sqlite:// or postgres://"));
        }
        let addr: SocketAddr = text("addr")
            .parse()
            .map_err(|_| bad("addr", "must be an IP address and a port from 0 to 65535, such as 127.0.0.1:3000"))?;
        let log_filter = text("log_filter");
        if tracing_subscriber::EnvFilter::try_new(&log_filter).is_err() {
            return Err(bad("log_filter", "must be a tracing filter such as info or info,sqlx=warn"));
        }
        let metrics_token = Some(text("metrics_token")).filter(|t| !t.is_empty());
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16 || t.chars().any(|c| !c.is_ascii_graphic())) {
            return Err(bad("metrics_token", "must be at least 16 visible ASCII characters"));
        }
        let lifecycle_text = text("lifecycle");
        let lifecycle = app::domain::LifecyclePolicy::parse_overrides(&lifecycle_text).map_err(|why| {
            bad("lifecycle", &format!("must be type=queue,expected,stale,heartbeat in seconds separated by ';': {why}"))
        })?;
        let faults_text = text("faults");
        let faults = if faults_text.is_empty() {
            Vec::new()
        } else {
            app::jobs::provider::parse_fault_list(&faults_text).map_err(|_| {
                bad("faults", "must be run-type=fault pairs separated by commas (fail, partial, slow, hang, crash)")
            })?
        };
        let instance_id = Some(text("instance_id")).filter(|v| !v.is_empty()).unwrap_or_else(default_instance_id);
        if instance_id.len() > 64 || instance_id.chars().any(|c| c.is_control()) {
            return Err(bad("instance_id", "must be at most 64 characters with no control characters"));
        }
        let heartbeat = Duration::from_secs(number("heartbeat_secs", 1, 3600, "seconds")?);
        if let Some(t) = app::domain::RunType::ALL.into_iter().find(|t| {
            !lifecycle.get(t).copied().unwrap_or_else(|| t.default_policy()).allows_heartbeat_every(heartbeat)
        }) {
            let timeout = lifecycle.get(&t).copied().unwrap_or_else(|| t.default_policy()).heartbeat_timeout;
            return Err(bad(
                "heartbeat_secs",
                &format!(
                    "must fit {} times into every run type's heartbeat timeout; {} allows {} seconds, so at most {}",
                    app::domain::run_type::HEARTBEATS_PER_TIMEOUT,
                    t.as_str(),
                    timeout.as_secs(),
                    timeout.as_secs() / u64::from(app::domain::run_type::HEARTBEATS_PER_TIMEOUT)
                ),
            ));
        }
        let public_origins = crate::hosts::Origin::parse_list(&text("public_origins"))
            .map_err(|why| bad("public_origins", &format!("must be origins such as https://ops.example.com: {why}")))?;
        let trusted_proxies = crate::clients::Network::parse_list(&text("trusted_proxies"))
            .map(crate::clients::TrustedProxies::new)
            .map_err(|why| {
                bad("trusted_proxies", &format!("must be IP addresses or networks such as 10.0.0.0/8: {why}"))
            })?;
        let seed_demo = flag("seed_demo")?;
        if seed_demo && !addr.ip().is_loopback() && !flag("seed_demo_public")? {
            return Err(bad(
                "seed_demo",
                &format!(
                    "would let anyone who reaches {addr} sign in with the demo's published passwords; \
                     listen on 127.0.0.1 or set seed_demo_public = true to allow it"
                ),
            ));
        }
        Ok(Self {
            database_url,
            addr,
            site_root: text("site_root"),
            workers: usize::try_from(number("workers", 0, 256, "runs")?).unwrap_or(4),
            seed_demo,
            public_origins,
            trusted_proxies,
            sessions: app::services::auth::SessionPolicy {
                idle: Duration::from_secs(60 * number("session_idle_mins", 1, 60 * 24 * 30, "minutes")?),
                absolute: Duration::from_secs(3600 * number("session_max_hours", 1, 24 * 90, "hours")?),
                secure_cookie: flag("secure_cookies")?,
            },
            demo_pacing: Duration::from_millis(number("demo_pacing_ms", 0, 60_000, "milliseconds")?),
            heartbeat,
            instance_id,
            shutdown_grace: Duration::from_secs(number("shutdown_grace_secs", 0, 3600, "seconds")?),
            pack_retention: Duration::from_secs(86_400 * number("pack_retention_days", 0, 3650, "days")?),
            history_retention: days_or_forever(number("history_days", 0, 36_500, "days")?),
            notification_retention: days_or_forever(number("notification_days", 0, 36_500, "days")?),
            reconcile_every: Duration::from_secs(number("reconcile_secs", 0, 3600, "seconds")?),
            reconcile_batch: i64::try_from(number("reconcile_batch", 1, 1000, "runs")?)
                .map_err(|_| bad("reconcile_batch", "must be a whole number of runs from 1 to 1000"))?,
            webhooks: app::jobs::webhooks::WebhookPolicy {
                retry: app::domain::webhook::RetryPolicy {
                    first_retry_ms: i64::try_from(number("webhook_first_retry_ms", 100, 3_600_000, "milliseconds")?)
                        .unwrap_or(10_000),
                    give_up_after_ms: i64::try_from(number("webhook_retry_hours", 1, 168, "hours")? * 3_600_000)
                        .unwrap_or(86_400_000),
                },
                timeout: Duration::from_secs(number("webhook_timeout_secs", 1, 60, "seconds")?),
                plain_loopback: flag("webhook_plain_loopback")?,
            },
            lifecycle,
            faults,
            log_format: match text("log_format").as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => return Err(bad("log_format", "must be text or json")),
            },
            log_filter,
            metrics_token,
            retired: layers.retired(),
        })
    }

    /// Settings that are fine on a developer's machine but weak where others can reach the
    /// server: one sentence each, for start-up to warn about once. None on a loopback
    /// address. specs/security lists what each guards against.
    pub fn weak_settings(&self) -> Vec<&'static str> {
        if self.addr.ip().is_loopback() {
            return Vec::new();
        }
        let mut weak = Vec::new();
        if !self.sessions.secure_cookie {
            weak.push("secure_cookies is false: sign-in cookies would travel without TLS; serve over https and set it");
        }
        if self.metrics_token.is_none() {
            weak.push("metrics_token is not set: anyone who reaches /metrics reads this instance's counts");
        }
        if self.seed_demo {
            weak.push("seed_demo is on: the demo's published passwords sign in here");
        }
        if self.public_origins.is_empty() {
            weak.push("public_origins is not set: only loopback names are answered, so other browsers get 400");
        }
        weak
    }
}

/// A keeping period of `days`, where 0 means for ever.
fn days_or_forever(days: u64) -> Option<Duration> {
    (days > 0).then(|| Duration::from_secs(86_400 * days))
}

/// A name no other instance has: the host's name, the process id and a random suffix (two
/// containers on different machines can share both a host name and a process id).
fn default_instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .take(32)
        .collect();
    let host = if host.is_empty() { "host".to_owned() } else { host };
    let mut random = [0u8; 3];
    // Without the operating system's randomness the clock's nanoseconds still differ.
    if getrandom::fill(&mut random).is_err() {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
        random.copy_from_slice(&nanos.to_le_bytes()[..3]);
    }
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("opshub-{host}-{}-{suffix}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn flags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_layers(&Layers::gather(&[], &env(pairs))?)
    }

    fn key_of(r: Result<Config, ConfigError>) -> String {
        r.expect_err("should be refused").key().unwrap_or_default().to_owned()
    }

    #[test]
    fn an_empty_environment_serves_sqlite_on_loopback_without_the_demo() {
        let c = with(&[]).expect("defaults");
        assert_eq!(c.database_url, "sqlite://data/opshub.db");
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert!(!c.seed_demo, "no demo sign-ins unless asked");
        assert!(c.public_origins.is_empty(), "the loopback names");
        assert_eq!(c.workers, 4);
        assert_eq!(c.shutdown_grace, Duration::from_secs(30));
        assert_eq!(c.sessions, app::services::auth::SessionPolicy::default());
        assert_eq!((c.log_format, c.metrics_token), (LogFormat::Text, None));
        assert!(c.instance_id.starts_with("opshub-"));
    }

    #[test]
    fn the_default_instance_name_differs_between_two_starts_on_one_host() {
        let (a, b) = (default_instance_id(), default_instance_id());
        assert_ne!(a, b, "a random suffix");
        assert!(a.contains(&format!("-{}-", std::process::id())), "{a}");
        assert!(a.len() <= 64 && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{a}");
    }

    #[test]
    fn the_demo_is_refused_on_an_address_others_can_reach_unless_explicitly_allowed() {
        let e = with(&[("OPSHUB_SEED_DEMO", "true"), ("OPSHUB_ADDR", "0.0.0.0:3000")]).expect_err("public demo");
        assert_eq!(e.key(), Some("seed_demo"));
        assert!(e.to_string().contains("seed_demo_public") && !e.to_string().contains('\n'), "{e}");
        let c =
            with(&[("OPSHUB_SEED_DEMO", "true"), ("OPSHUB_ADDR", "0.0.0.0:3000"), ("OPSHUB_SEED_DEMO_PUBLIC", "1")]);
        assert!(c.is_ok_and(|c| c.seed_demo));
        assert!(with(&[("OPSHUB_SEED_DEMO", "true"), ("OPSHUB_ADDR", "[::1]:3000")]).is_ok_and(|c| c.seed_demo));
        assert!(with(&[("OPSHUB_ADDR", "0.0.0.0:3000")]).is_ok(), "no demo, no refusal");
    }

    #[test]
    fn a_heartbeat_that_does_not_fit_every_heartbeat_timeout_is_refused() {
        let e = with(&[("OPSHUB_HEARTBEAT_SECS", "30")]).expect_err("inventory.sync times out after 60 s");
        assert_eq!(e.key(), Some("heartbeat_secs"));
        assert!(e.to_string().contains("inventory.sync allows 60 seconds, so at most 20"), "{e}");
        assert!(with(&[("OPSHUB_HEARTBEAT_SECS", "20")]).is_ok());
        // An override counts, in both directions.
        assert!(
            with(&[("OPSHUB_HEARTBEAT_SECS", "20"), ("OPSHUB_LIFECYCLE", "restore.execute=30,60,600,30")]).is_err()
        );
        assert!(with(&[("OPSHUB_HEARTBEAT_SECS", "30"), ("OPSHUB_LIFECYCLE", "*=30,60,600,90")]).is_ok());
    }

    #[test]
    fn a_reachable_address_with_weak_settings_gets_one_warning_per_setting() {
        assert!(with(&[]).expect("defaults").weak_settings().is_empty(), "loopback is a developer's machine");
        let weak =
            with(&[("OPSHUB_ADDR", "0.0.0.0:3000"), ("OPSHUB_SEED_DEMO", "true"), ("OPSHUB_SEED_DEMO_PUBLIC", "true")])
                .expect("valid")
                .weak_settings();
        let keys: Vec<&str> = weak.iter().filter_map(|w| w.split_whitespace().next()).collect();
        assert_eq!(keys, ["secure_cookies", "metrics_token", "seed_demo", "public_origins"]);
        let strong = with(&[
            ("OPSHUB_ADDR", "0.0.0.0:3000"),
            ("OPSHUB_SECURE_COOKIES", "true"),
            ("OPSHUB_METRICS_TOKEN", "0123456789abcdef0123"),
            ("OPSHUB_PUBLIC_ORIGINS", "https://ops.example.com"),
        ])
        .expect("valid");
        assert!(strong.weak_settings().is_empty());
    }

    #[test]
    fn public_origins_are_parsed_and_a_bad_one_is_named() {
        let c = with(&[("OPSHUB_PUBLIC_ORIGINS", "https://ops.example.com, http://10.0.0.5:3000")]).expect("origins");
        assert_eq!(c.public_origins.len(), 2);
        assert_eq!(key_of(with(&[("OPSHUB_PUBLIC_ORIGINS", "ops.example.com")])), "public_origins");
        assert_eq!(key_of(with(&[("OPSHUB_PUBLIC_ORIGINS", "https://ops.example.com/admin")])), "public_origins");
        assert!(with(&[("OPSHUB_TRUSTED_PROXIES", "10.0.0.0/8, ::1")]).is_ok());
        assert_eq!(key_of(with(&[("OPSHUB_TRUSTED_PROXIES", "proxy.internal")])), "trusted_proxies");
    }

    #[test]
    fn every_default_is_itself_a_valid_value() {
        // The defaults are the same text a file would hold, so they pass the same checks.
        for k in KEYS {
            let layers = Layers::gather(&flags(&[(k.name, k.default)]), &BTreeMap::new()).expect("a known key");
            assert!(Config::from_layers(&layers).is_ok(), "{} = {:?}", k.name, k.default);
        }
    }

    #[test]
    fn flags_beat_the_environment_which_beats_the_file_which_beats_the_default() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("opshub.toml");
        std::fs::write(&file, "workers = 8\nreconcile_secs = 5\nseed_demo = true\nlog_format = \"json\"\n")
            .expect("write");
        let path = file.to_string_lossy().into_owned();
        let e = env(&[("OPSHUB_CONFIG", &path), ("OPSHUB_WORKERS", "6"), ("OPSHUB_RECONCILE_SECS", "7")]);
        let layers = Layers::gather(&flags(&[("workers", "2")]), &e).expect("layers");
        let c = Config::from_layers(&layers).expect("valid");
        assert_eq!(c.workers, 2);
        assert_eq!(c.reconcile_every, Duration::from_secs(7));
        assert!(c.seed_demo);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.heartbeat, Duration::from_secs(10));
        assert_eq!(layers.get("workers").1, Source::Flag("--workers".into()));
        assert_eq!(layers.get("seed_demo").1, Source::File(file.clone()));
        assert_eq!(layers.get("heartbeat_secs").1, Source::Default);
        let described = layers.describe();
        assert!(described.contains("workers = 2 "), "{described}");
        assert!(described.contains("log_format = \"json\""), "{described}");
        // What `opshub config` prints is itself a configuration file that means the same.
        let printed = dir.path().join("printed.toml");
        std::fs::write(&printed, &described).expect("write");
        let again =
            Layers::gather(&flags(&[("config", &printed.to_string_lossy())]), &BTreeMap::new()).expect("reads back");
        assert_eq!(Config::from_layers(&again).map(|c| c.workers), Ok(2));
        assert!(described.contains("# flag --workers"), "{described}");
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
        assert_eq!(key_of(with(&[("OPSHUB_SECURE_COOKIES", "sometimes")])), "secure_cookies");
        assert_eq!(key_of(with(&[("OPSHUB_SESSION_IDLE_MINS", "-1")])), "session_idle_mins");
    }

    #[test]
    fn bad_values_name_the_key_its_source_and_what_is_allowed_on_one_line() {
        let e = with(&[("OPSHUB_ADDR", "127.0.0.1:abc")]).expect_err("bad port");
        let line = e.to_string();
        assert_eq!(e.key(), Some("addr"));
        assert!(
            line.contains("environment OPSHUB_ADDR") && line.contains("0 to 65535") && !line.contains('\n'),
            "{line}"
        );
        let e = with(&[("OPSHUB_RECONCILE_SECS", "-5")]).expect_err("negative");
        assert!(e.to_string().contains("from 0 to 3600"), "{e}");
        assert_eq!(key_of(with(&[("OPSHUB_WORKERS", "lots")])), "workers");
        assert_eq!(key_of(with(&[("OPSHUB_WORKERS", "100000")])), "workers");
        assert_eq!(key_of(with(&[("OPSHUB_SEED_DEMO", "maybe")])), "seed_demo");
        assert_eq!(key_of(with(&[("OPSHUB_HEARTBEAT_SECS", "0")])), "heartbeat_secs");
        assert_eq!(key_of(with(&[("OPSHUB_RECONCILE_BATCH", "0")])), "reconcile_batch");
        assert_eq!(key_of(with(&[("OPSHUB_RECONCILE_BATCH", "1001")])), "reconcile_batch");
        assert_eq!(with(&[("OPSHUB_RECONCILE_BATCH", "50")]).expect("a batch").reconcile_batch, 50);
        assert_eq!(key_of(with(&[("OPSHUB_FAULTS", "inventory.sync=explode")])), "faults");
        assert_eq!(key_of(with(&[("OPSHUB_LOG_FORMAT", "xml")])), "log_format");
        assert_eq!(key_of(with(&[("OPSHUB_LOG_FILTER", "info,[[")])), "log_filter");
        assert_eq!(key_of(with(&[("OPSHUB_METRICS_TOKEN", "short")])), "metrics_token");
        assert_eq!(with(&[("OPSHUB_FAULTS", "inventory.sync=hang")]).expect("a fault").faults.len(), 1);
        let e = with(&[("OPSHUB_LIFECYCLE", "inventory.sync=1,20,10,4")]).expect_err("bad windows");
        assert_eq!(e.key(), Some("lifecycle"));
        assert!(e.to_string().contains("shorter than stale-after"), "{e}");
        let c =
            with(&[("OPSHUB_LIFECYCLE", "*=2,3,10,4"), ("OPSHUB_RECONCILE_SECS", "1"), ("OPSHUB_HEARTBEAT_SECS", "1")])
                .expect("overrides");
        assert_eq!((c.lifecycle.len(), c.reconcile_every), (6, Duration::from_secs(1)));
    }

    #[test]
    fn unknown_keys_are_refused_wherever_they_are_written() {
        let e = with(&[("OPSHUB_WORKER", "8")]).expect_err("typo");
        assert!(matches!(e, ConfigError::Unknown { ref name, .. } if name == "OPSHUB_WORKER"), "{e}");
        let e = Layers::gather(&flags(&[("wrokers", "8")]), &BTreeMap::new()).expect_err("typo");
        assert!(e.to_string().starts_with("--wrokers"), "{e}");
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("o.toml");
        std::fs::write(&file, "port = 80\n").expect("write");
        let e = Layers::gather(&flags(&[("config", &file.to_string_lossy())]), &BTreeMap::new()).expect_err("typo");
        assert_eq!(e.key(), Some("port"));
        std::fs::write(&file, "workers = [1, 2]\n").expect("write");
        let e = Layers::gather(&flags(&[("config", &file.to_string_lossy())]), &BTreeMap::new()).expect_err("array");
        assert!(e.to_string().contains("single value"), "{e}");
        std::fs::write(&file, "workers = \n").expect("write");
        let e = Layers::gather(&flags(&[("config", &file.to_string_lossy())]), &BTreeMap::new()).expect_err("toml");
        assert!(matches!(e, ConfigError::File { .. }) && !e.to_string().contains('\n'), "{e}");
        // The tooling's own variables and the CLI's password are not configuration.
        assert!(with(&[("OPSHUB_TEST_POSTGRES_URL", "x"), ("OPSHUB_PASSWORD", "p"), ("OPSHUB_CI_TOOLS", "t")]).is_ok());
    }

    #[test]
    fn a_retired_key_starts_with_a_warning_wherever_it_is_written_instead_of_being_refused() {
        let c = with(&[("OPSHUB_DATA_DIR", "/var/lib/opshub")]).expect("retired, not refused");
        assert_eq!(c.retired.len(), 1);
        assert!(
            c.retired[0].starts_with("data_dir (from environment OPSHUB_DATA_DIR) is no longer read"),
            "{:?}",
            c.retired
        );
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("o.toml");
        std::fs::write(&file, "data_dir = \"data\"\n").expect("write");
        let layers =
            Layers::gather(&flags(&[("config", &file.to_string_lossy()), ("data-dir", "x")]), &BTreeMap::new())
                .expect("retired, not refused");
        let c = Config::from_layers(&layers).expect("valid");
        assert_eq!(c.retired.len(), 2, "{:?}", c.retired);
        assert!(c.retired.iter().any(|r| r.contains("--data-dir")), "{:?}", c.retired);
        assert!(with(&[]).expect("defaults").retired.is_empty(), "nothing to warn about by default");
        assert!(layers.describe().lines().all(|l| !l.starts_with("data_dir")), "no longer listed");
    }

    #[test]
    fn secrets_are_never_printed_and_urls_lose_their_password() {
        let e = env(&[
            ("OPSHUB_METRICS_TOKEN", "a-very-secret-token-123"),
            ("DATABASE_URL", "postgres://ops:hunter2@db/opshub"),
        ]);
        let layers = Layers::gather(&[], &e).expect("layers");
        let c = Config::from_layers(&layers).expect("valid");
        assert_eq!(c.metrics_token.as_deref(), Some("a-very-secret-token-123"));
        assert_eq!(c.database_url, "postgres://ops:hunter2@db/opshub");
        let shown = layers.describe();
        assert!(!shown.contains("a-very-secret-token-123") && !shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<set, hidden>") && shown.contains("environment DATABASE_URL"), "{shown}");
        let e = with(&[("DATABASE_URL", "mysql://root:secret@db/x")]).expect_err("bad url");
        assert!(!e.to_string().contains("secret"), "{e}");
        let e = with(&[("OPSHUB_METRICS_TOKEN", "sh ort")]).expect_err("bad token");
        assert!(!e.to_string().contains("sh ort"), "{e}");
    }

    #[test]
    fn the_readme_lists_every_key_with_its_default() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README");
        for k in KEYS {
            let shown = match (k.name, k.default) {
                ("instance_id", _) => "`opshub-<host>-<pid>-<random>`",
                ("public_origins", _) => "(loopback)",
                ("lifecycle", _) => "(built-in per type)",
                (_, "") => "(none)",
                (_, d) => &format!("`{d}`"),
            };
            let row = format!("| `{}` | {shown} |", k.name);
            assert!(readme.contains(&row), "README.md has no row starting {row:?}");
        }
    }

    #[test]
    fn postgres_urls_are_accepted_from_either_variable() {
        let c = with(&[("DATABASE_URL", "postgres://u@h/db")]).expect("pg");
        assert_eq!(c.database_url, "postgres://u@h/db");
        let c = with(&[("DATABASE_URL", "postgres://u@h/a"), ("OPSHUB_DATABASE_URL", "sqlite://x.db")]).expect("both");
        assert_eq!(c.database_url, "sqlite://x.db");
    }
}
