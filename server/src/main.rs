//! `opshub`: the operations hub server.
//!
//! ```text
//! opshub [serve]   migrate, seed the demo (unless seed_demo is false), serve
//! opshub config    print the effective configuration (secrets hidden) and exit
//! opshub migrate   apply database migrations and exit
//! opshub seed      migrate and seed the demo data set, then exit
//! opshub fault <run-type> <fail|partial|slow|hang|crash|off>
//!                  make the demo provider misbehave for one run type (demos and tests)
//! opshub fault list
//! opshub user add <email> <name>      (password from OPSHUB_PASSWORD or one line on stdin)
//! opshub user passwd <email>          (the same)
//! opshub user grant <email> <workspace> <owner|manager|operator|reader> [tenant,tenant…]
//! opshub user revoke <email> <workspace>
//! opshub reconcile --once
//!                  one reconciler sweep: decide every abandoned run, print what was decided
//! ```

use anyhow::Context as _;
use app::domain::RunType;
use app::jobs::provider::{self, Fault};
use app::runtime::{Clock as _, SystemClock};
use server::config::Config;
use std::process::ExitCode;

const USAGE: &str = "usage: opshub [command] [--<key> <value>]…

commands:
  serve                    migrate, seed the demo (unless seed_demo is false), serve (the default)
  config                   print the effective configuration, secrets hidden, and exit
  migrate | seed           apply migrations (and seed the demo), then exit
  reconcile --once         one reconciler sweep; print what was decided
  fault <run-type> <fail|partial|slow|hang|crash|off> | fault list
  user add <email> <name> | user passwd <email> | user revoke <email> <workspace>
  user grant <email> <workspace> <owner|manager|operator|reader> [tenant,tenant…]
  help

Every configuration key can be given as --<key> <value> (or --key=value), as OPSHUB_<KEY>
in the environment or in a TOML file named by --config / OPSHUB_CONFIG; see `opshub config`
and README.md for the keys.";

#[tokio::main]
#[expect(clippy::print_stderr, reason = "a command line reports usage and fatal errors on stderr")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (words, flags) = match split_flags(&args) {
        Ok(split) => split,
        Err(message) => {
            eprintln!("opshub: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let command = match words.as_slice() {
        [] | ["serve"] => Command::Serve,
        ["config"] => Command::Config,
        ["migrate"] => Command::Migrate,
        ["seed"] => Command::Seed,
        ["fault", "list"] => Command::Faults,
        ["reconcile", "--once"] => Command::Reconcile,
        ["user", "add", email, name] => Command::UserAdd(email.to_string(), name.to_string()),
        ["user", "passwd", email] => Command::UserPasswd(email.to_string()),
        ["user", "grant", email, ws, role] => Command::Grant(email.to_string(), ws.to_string(), role.to_string(), None),
        ["user", "grant", email, ws, role, tenants] => Command::Grant(
            email.to_string(),
            ws.to_string(),
            role.to_string(),
            Some(tenants.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()),
        ),
        ["user", "revoke", email, ws] => Command::Revoke(email.to_string(), ws.to_string()),
        ["fault", run_type, fault] => match parse_fault(run_type, fault) {
            Ok((t, f)) => Command::Fault(t, f),
            Err(message) => {
                eprintln!("opshub: {message}\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("opshub: unknown arguments {words:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // A configuration that cannot be used stops here, with one line and before anything
    // else happens (no database is touched, no port is opened).
    let (config, layers) = match Config::load(&flags) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("opshub: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    if matches!(command, Command::Config) {
        print!("{}", layers.describe());
        return ExitCode::SUCCESS;
    }
    server::logs::init(config.log_format, &config.log_filter);
    match run(command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "opshub stopped");
            eprintln!("opshub: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Configuration flags as given: `(key, value)`.
type Flags = Vec<(String, String)>;

/// Splits the arguments into command words and `--key value` / `--key=value` flags. The
/// command's own switches (`--once`, `--help`) stay words.
fn split_flags(args: &[String]) -> Result<(Vec<String>, Flags), String> {
    let mut words = Vec::new();
    let mut flags = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.strip_prefix("--") {
            Some("once" | "help") | None => words.push(arg.clone()),
            Some(flag) => match flag.split_once('=') {
                Some((k, v)) => flags.push((k.to_owned(), v.to_owned())),
                None => {
                    let value = rest.next().ok_or_else(|| format!("--{flag} needs a value"))?;
                    flags.push((flag.to_owned(), value.clone()));
                }
            },
        }
    }
    Ok((words, flags))
}

enum Command {
    Serve,
    Config,
    Migrate,
    Seed,
    Faults,
    Fault(RunType, Option<Fault>),
    Reconcile,
    UserAdd(String, String),
    UserPasswd(String),
    Grant(String, String, String, Option<Vec<String>>),
    Revoke(String, String),
}

/// The password for `user add` / `user passwd`: `OPSHUB_PASSWORD`, else one line on stdin.
fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("OPSHUB_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("could not read the password from stdin")?;
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    anyhow::ensure!(!p.is_empty(), "give the password in OPSHUB_PASSWORD or as one line on stdin");
    Ok(p)
}

fn parse_fault(run_type: &str, fault: &str) -> Result<(RunType, Option<Fault>), String> {
    let t = RunType::parse(run_type).map_err(|_| {
        let known: Vec<&str> = RunType::ALL.iter().map(|t| t.as_str()).collect();
        format!("{run_type:?} is not a run type (one of: {})", known.join(", "))
    })?;
    if fault == "off" {
        return Ok((t, None));
    }
    let f = Fault::parse(fault)
        .map_err(|_| format!("{fault:?} is not a fault (fail, partial, slow, hang, crash or off)"))?;
    Ok((t, Some(f)))
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Config => {}
        Command::Migrate => {
            server::serve::open_database(&config).await?;
            println!("migrations applied");
        }
        Command::Seed => {
            let db = server::serve::open_database(&config).await?;
            let demo = server::seed::seed_demo(&server::serve::app_state(db, &config)).await?;
            println!("{}", if demo.created { "demo data seeded" } else { "demo data already present" });
        }
        Command::Faults => {
            let db = server::serve::open_database(&config).await?;
            let faults = provider::faults(&db).await?;
            if faults.is_empty() {
                println!("no faults injected");
            }
            for (t, f) in faults {
                println!("{t}\t{f}");
            }
        }
        Command::Fault(t, f) => {
            let db = server::serve::open_database(&config).await?;
            provider::set_fault(&db, t, f, SystemClock.now()).await?;
            match f {
                Some(f) => println!("{}: the demo provider will {} from the next run on", t.as_str(), f.as_str()),
                None => println!("{}: no fault injected", t.as_str()),
            }
        }
        Command::Reconcile => {
            let db = server::serve::open_database(&config).await?;
            let state = server::serve::app_state(db, &config);
            let owner = format!("{}-reconcile", config.instance_id);
            let report = app::jobs::reconciler::Reconciler::new(state, owner).sweep().await?;
            if !report.swept {
                println!("another instance is sweeping right now; nothing done");
            }
            for (id, reason, outcome) in &report.decided {
                println!("run {id}\t{}\t{reason}", outcome.as_str());
            }
            println!(
                "examined {}, decided {}, changed meanwhile {}",
                report.examined,
                report.decided.len(),
                report.lost_races
            );
        }
        Command::UserAdd(email, name) => {
            let db = server::serve::open_database(&config).await?;
            let password = read_password()?;
            app::services::accounts::add_user(&db, &SystemClock, &email, &name, Some(&password)).await?;
            println!("user {} can sign in", email.trim().to_lowercase());
        }
        Command::UserPasswd(email) => {
            let db = server::serve::open_database(&config).await?;
            let password = read_password()?;
            app::services::accounts::set_password(&db, &email, &password).await?;
            println!("password changed");
        }
        Command::Grant(email, ws, role, tenants) => {
            let db = server::serve::open_database(&config).await?;
            app::services::accounts::grant(&db, &email, &ws, &role, tenants.as_deref()).await?;
            match tenants {
                None => println!("{email} is {role} of {ws}, every tenant"),
                Some(t) => println!("{email} is {role} of {ws}, tenants: {}", t.join(", ")),
            }
        }
        Command::Revoke(email, ws) => {
            let db = server::serve::open_database(&config).await?;
            app::services::accounts::revoke(&db, &email, &ws).await?;
            println!("{email} is no longer a member of {ws}");
        }
        Command::Serve => server::serve::serve(config).await?,
    }
    Ok(())
}
