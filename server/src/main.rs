//! `opshub`: the operations hub server and its command line.
//!
//! The commands and their arguments are declared with clap's derive, so `opshub --help` and
//! `opshub <command> --help` describe each one. The configuration keys are not declared
//! twice: every key of [`server::config::KEYS`] becomes a global `--<key>` flag, taken as
//! text and validated by the configuration layer with the environment and the file, so a bad
//! value is refused with the same one line wherever it was written. A command line that
//! cannot be understood exits with 2 and one line; a command that fails exits with 1.

use anyhow::Context as _;
use app::domain::RunType;
use app::domain::access::Role;
use app::jobs::provider::{self, Fault};
use app::runtime::{Clock as _, SystemClock};
use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use server::config::{Config, KEYS};
use std::process::ExitCode;

/// The operations hub: the truth about every long-running run of a multi-tenant admin platform.
#[derive(Debug, Parser)]
#[command(
    name = "opshub",
    version,
    after_help = "Every setting can also be given as OPSHUB_<KEY> in the environment or in a TOML file \
                  named by --config / OPSHUB_CONFIG; `opshub config` shows where each value came from."
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate, seed the demo (unless seed_demo is false) and serve (the default).
    Serve,
    /// Print the effective configuration, secrets hidden, with where each value came from.
    Config,
    /// Apply database migrations and exit.
    Migrate,
    /// Migrate and seed the demo data set, then exit.
    Seed,
    /// Make the demo provider misbehave for one run type (demos and tests).
    Fault(FaultArgs),
    /// Manage people who can sign in.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage a workspace's API tokens, acting as one of its owners.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage a workspace's webhook endpoints and read their delivery log, acting as one of
    /// its owners.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// One reconciler sweep: decide every abandoned run and print what was decided.
    Reconcile {
        /// Sweep once and exit (the server sweeps periodically by itself).
        #[arg(long, required = true)]
        once: bool,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct FaultArgs {
    #[command(subcommand)]
    list: Option<FaultList>,
    /// The run type whose provider calls misbehave.
    #[arg(required = true, value_parser = parse_run_type)]
    run_type: Option<RunType>,
    /// What the provider does: fail, partial, slow, hang, crash, or off to behave again.
    #[arg(required = true, value_parser = parse_fault)]
    fault: Option<FaultSetting>,
}

#[derive(Debug, Subcommand)]
enum FaultList {
    /// List the faults injected now.
    List,
}

/// A fault to inject, or `off`.
#[derive(Debug, Clone, Copy)]
struct FaultSetting(Option<Fault>);

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a person (password from OPSHUB_PASSWORD or one line on stdin).
    Add {
        /// Their email address, which they sign in with.
        email: String,
        /// Their name as pages show it.
        name: String,
    },
    /// Change a person's password (from OPSHUB_PASSWORD or one line on stdin); ends their sessions.
    Passwd {
        /// Their email address.
        email: String,
    },
    /// Make a person a member of a workspace with a role, for every tenant or the listed ones.
    Grant {
        /// Their email address.
        email: String,
        /// The workspace's slug.
        workspace: String,
        /// owner, manager, operator or reader.
        #[arg(value_parser = parse_role)]
        role: Role,
        /// Tenant slugs separated by commas; without them, every tenant of the workspace.
        #[arg(value_delimiter = ',')]
        tenants: Vec<String>,
    },
    /// End a person's membership of a workspace (and their sessions there).
    Revoke {
        /// Their email address.
        email: String,
        /// The workspace's slug.
        workspace: String,
    },
    /// Take every access from a person: memberships, platform role, password and sessions.
    Remove {
        /// Their email address.
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Make a token and print its secret, shown this once (only its hash is kept).
    Create {
        /// The workspace's slug.
        workspace: String,
        /// The token's name, to tell it apart (e.g. "backup workers").
        name: String,
        /// The email of the workspace owner making it.
        #[arg(long = "as", value_name = "EMAIL")]
        owner: String,
        /// What it may do, separated by commas: read_runs, start_runs, report_runs.
        #[arg(long, required = true, value_delimiter = ',')]
        grants: Vec<String>,
        /// Restrict it to this tenant (a slug); without it, every tenant of the workspace.
        #[arg(long)]
        tenant: Option<String>,
        /// Make it stop working after this many days; without it, it works until revoked.
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
    /// List the workspace's tokens (never their secrets).
    List {
        /// The workspace's slug.
        workspace: String,
        /// The email of a workspace owner.
        #[arg(long = "as", value_name = "EMAIL")]
        owner: String,
    },
    /// Revoke a token: from its next request on, it authenticates nothing.
    Revoke {
        /// The workspace's slug.
        workspace: String,
        /// The token's id, as `token list` shows it.
        id: String,
        /// The email of a workspace owner.
        #[arg(long = "as", value_name = "EMAIL")]
        owner: String,
    },
}

#[derive(Debug, Subcommand)]
enum WebhookCommand {
    /// Subscribe an endpoint and print its signing secret, shown this once.
    Create {
        /// The workspace's slug.
        workspace: String,
        /// The endpoint's https:// address.
        url: String,
        /// The email of the workspace owner subscribing it.
        #[arg(long = "as", value_name = "EMAIL")]
        owner: String,
        /// The events it takes, separated by commas: run.finished, run.reconciled, run.stuck.
        #[arg(long, required = true, value_delimiter = ',')]
        events: Vec<String>,
    },
    /// List the workspace's endpoints and the newest deliveries to them.
    List {
        /// The workspace's slug.
        workspace: String,
        /// The email of a workspace owner.
        #[arg(long = "as", value_name = "EMAIL")]
        owner: String,
    },
    /// Remove an endpoint: it hears nothing more and its pending deliveries are given up.
    Revoke {
        /// The workspace's slug.
        workspace: String,
        /// The endpoint's id, as `webhook list` shows it.
        id: String,
        /// The email of a workspace owner.
        #[arg(long = "as", value_name = "EMAIL")]
        owner: String,
    },
    /// Send a delivery again as soon as a deliverer next looks.
    Retry {
        /// The workspace's slug.
        workspace: String,
        /// The delivery's id, as `webhook list` shows it.
        id: String,
        /// The email of a workspace owner.
        #[arg(long = "as", value_name = "EMAIL")]
        owner: String,
    },
}

/// The configuration given on the command line: `--config <file>` and one `--<key> <value>`
/// flag per configuration key, in any position.
#[derive(Debug, Default)]
struct Settings {
    /// `(key, value)` as given.
    flags: Vec<(String, String)>,
}

impl Settings {
    /// The file flag's id; the keys' ids are their names.
    const CONFIG: &str = "config";
}

impl Args for Settings {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let file = clap::Arg::new(Self::CONFIG)
            .long("config")
            .value_name("FILE")
            .global(true)
            .help("A TOML file of settings (also OPSHUB_CONFIG)");
        let keys = KEYS.iter().map(|k| {
            clap::Arg::new(k.name)
                .long(k.name.replace('_', "-"))
                .value_name("VALUE")
                .allow_hyphen_values(true)
                .global(true)
                .help(format!("{} [default: {:?}]", k.help, k.default))
        });
        cmd.args_override_self(true).next_help_heading("Settings").arg(file).args(keys)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for Settings {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut settings = Self::default();
        settings.update_from_arg_matches(matches)?;
        Ok(settings)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        let ids = std::iter::once(Self::CONFIG).chain(KEYS.iter().map(|k| k.name));
        for id in ids {
            if let Some(value) = matches.get_one::<String>(id) {
                self.flags.retain(|(k, _)| k != id);
                self.flags.push((id.to_owned(), value.clone()));
            }
        }
        Ok(())
    }
}

fn parse_run_type(text: &str) -> Result<RunType, String> {
    RunType::parse(text).map_err(|_| {
        let known: Vec<&str> = RunType::ALL.iter().map(|t| t.as_str()).collect();
        format!("{text:?} is not a run type (one of: {})", known.join(", "))
    })
}

fn parse_fault(text: &str) -> Result<FaultSetting, String> {
    if text == "off" {
        return Ok(FaultSetting(None));
    }
    Fault::parse(text)
        .map(|f| FaultSetting(Some(f)))
        .map_err(|_| format!("{text:?} is not a fault (fail, partial, slow, hang, crash or off)"))
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text.trim()).map_err(|_| {
        let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("{text:?} is not a role (one of: {})", known.join(", "))
    })
}

#[tokio::main]
#[expect(clippy::print_stderr, reason = "a command line reports usage and fatal errors on stderr")]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version are answers, not errors.
            print!("{}", e.render());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("opshub: {}", one_line(&e));
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    // A configuration that cannot be used stops here, with one line and before anything
    // else happens (no database is touched, no port is opened).
    let (config, layers) = match Config::load(&cli.settings.flags) {
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

/// Clap's message on one line, without its `error: ` label (the caller adds ours): what is
/// wrong, clap's tip if it has one, and the usage of the command that was meant.
fn one_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let mut parts = Vec::new();
    let mut tips = Vec::new();
    let mut usage = None;
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(u) = line.strip_prefix("Usage: ") {
            usage = Some(u);
        } else if let Some(tip) = line.strip_prefix("tip: ") {
            tips.push(format!("({tip})"));
        } else if !line.starts_with("For more information") {
            parts.push(line.strip_prefix("error: ").unwrap_or(line).to_owned());
        }
    }
    let message = parts.join(" ");
    // A tip names what was probably meant; clap's usage line then describes that guess.
    match (usage, tips.is_empty()) {
        (_, false) => format!("{message} {}", tips.join(" ")),
        (Some(usage), true) => format!("{message} (usage: {usage})"),
        (None, true) => message,
    }
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

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Config => {}
        Command::Serve => server::serve::serve(config).await?,
        Command::Migrate => {
            server::serve::open_database(&config).await?;
            println!("migrations applied");
        }
        Command::Seed => {
            let db = server::serve::open_database(&config).await?;
            let demo = server::seed::seed_demo(&server::serve::app_state(db, &config)).await?;
            println!("{}", if demo.created { "demo data seeded" } else { "demo data already present" });
        }
        Command::Fault(FaultArgs { list: Some(FaultList::List), .. }) => {
            let db = server::serve::open_database(&config).await?;
            let faults = provider::faults(&db).await?;
            if faults.is_empty() {
                println!("no faults injected");
            }
            for (t, f) in faults {
                println!("{t}\t{f}");
            }
        }
        Command::Fault(FaultArgs { run_type: Some(t), fault: Some(FaultSetting(f)), .. }) => {
            let db = server::serve::open_database(&config).await?;
            provider::set_fault(&db, t, f, SystemClock.now()).await?;
            match f {
                Some(f) => println!("{}: the demo provider will {} from the next run on", t.as_str(), f.as_str()),
                None => println!("{}: no fault injected", t.as_str()),
            }
        }
        Command::Fault(_) => anyhow::bail!("name a run type and a fault, or list"),
        Command::Reconcile { once: _ } => {
            let db = server::serve::open_database(&config).await?;
            let state = server::serve::app_state(db, &config);
            let owner = format!("{}-reconcile", config.instance_id);
            let report =
                app::jobs::reconciler::Reconciler::new(state, owner).with_batch(config.reconcile_batch).sweep().await?;
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
            if report.full {
                println!(
                    "the batch was full (reconcile_batch = {}): run it again for the rest",
                    config.reconcile_batch
                );
            }
        }
        Command::Token(command) => token(command, &config).await?,
        Command::Webhook(command) => webhook(command, &config).await?,
        Command::User(UserCommand::Add { email, name }) => {
            let db = server::serve::open_database(&config).await?;
            let password = read_password()?;
            app::services::accounts::add_user(&db, &SystemClock, &email, &name, Some(&password))
                .await
                .map_err(refused)?;
            println!("user {} can sign in", email.trim().to_lowercase());
        }
        Command::User(UserCommand::Passwd { email }) => {
            let db = server::serve::open_database(&config).await?;
            let password = read_password()?;
            app::services::accounts::set_password(&db, &email, &password).await.map_err(refused)?;
            println!("password changed");
        }
        Command::User(UserCommand::Grant { email, workspace, role, tenants }) => {
            let tenants: Vec<String> =
                tenants.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).map(str::to_owned).collect();
            let tenants = (!tenants.is_empty()).then_some(tenants);
            let db = server::serve::open_database(&config).await?;
            app::services::accounts::grant(&db, &email, &workspace, role.as_str(), tenants.as_deref())
                .await
                .map_err(refused)?;
            match tenants {
                None => println!("{email} is {} of {workspace}, every tenant", role.as_str()),
                Some(t) => println!("{email} is {} of {workspace}, tenants: {}", role.as_str(), t.join(", ")),
            }
        }
        Command::User(UserCommand::Revoke { email, workspace }) => {
            let db = server::serve::open_database(&config).await?;
            app::services::accounts::revoke(&db, &email, &workspace).await.map_err(refused)?;
            println!("{email} is no longer a member of {workspace}");
        }
        Command::User(UserCommand::Remove { email }) => {
            let db = server::serve::open_database(&config).await?;
            app::services::accounts::remove_user(&db, &email).await.map_err(refused)?;
            println!("{email} can no longer sign in; their sessions have ended");
        }
    }
    Ok(())
}

/// The `token` commands: each acts as the named owner, through the same service and
/// authorization as the owner's page.
async fn token(command: TokenCommand, config: &Config) -> anyhow::Result<()> {
    use app::services::{accounts, tokens};
    let db = server::serve::open_database(config).await?;
    let state = server::serve::app_state(db.clone(), config);
    match command {
        TokenCommand::Create { workspace, name, owner, grants, tenant, expires_in_days } => {
            let p = accounts::member(&db, &owner, &workspace).await.map_err(refused)?;
            let tenant = match tenant {
                Some(slug) => {
                    Some(accounts::tenant_by_slug(&db, p.workspace_id, &workspace, &slug).await.map_err(refused)?)
                }
                None => None,
            };
            let new = tokens::NewToken { name, tenant, grants: grants.join(","), expires_in_days };
            let made = tokens::create(&state, &p, &new).await.map_err(refused)?;
            println!("token {} ({}) made; its secret, shown this once:", made.token.id, made.token.name);
            println!("{}", made.secret);
        }
        TokenCommand::List { workspace, owner } => {
            let p = accounts::member(&db, &owner, &workspace).await.map_err(refused)?;
            let list = tokens::list(&state, &p).await.map_err(refused)?;
            if list.is_empty() {
                println!("no API tokens in {workspace}");
            }
            for t in list {
                let tenant = t.tenant.as_deref().unwrap_or("every tenant");
                let expires =
                    t.expires_at.map_or_else(|| "no expiry".to_owned(), |at| format!("expires {}", at.to_rfc3339()));
                println!(
                    "{}\t{}…\t{}\t{}\t{tenant}\t{}\t{expires}",
                    t.id,
                    t.shown,
                    t.name,
                    t.grants.join(","),
                    t.state.as_str()
                );
            }
        }
        TokenCommand::Revoke { workspace, id, owner } => {
            let p = accounts::member(&db, &owner, &workspace).await.map_err(refused)?;
            tokens::revoke(&state, &p, &id).await.map_err(refused)?;
            println!("token {} revoked", id.trim());
        }
    }
    Ok(())
}

/// The `webhook` commands: each acts as the named owner, through the same service and
/// authorization as the owner's server functions.
async fn webhook(command: WebhookCommand, config: &Config) -> anyhow::Result<()> {
    use app::services::{accounts, webhooks};
    let db = server::serve::open_database(config).await?;
    let state = server::serve::app_state(db.clone(), config);
    match command {
        WebhookCommand::Create { workspace, url, owner, events } => {
            let p = accounts::member(&db, &owner, &workspace).await.map_err(refused)?;
            let new = webhooks::NewEndpoint { url, events: events.join(",") };
            let made = webhooks::create(&state, &p, &new).await.map_err(refused)?;
            println!(
                "endpoint {} ({}) subscribed to {}; its signing secret, shown this once:",
                made.endpoint.id,
                made.endpoint.url,
                made.endpoint.events.join(",")
            );
            println!("{}", made.secret);
        }
        WebhookCommand::List { workspace, owner } => {
            let p = accounts::member(&db, &owner, &workspace).await.map_err(refused)?;
            let page = webhooks::log(&state, &p).await.map_err(refused)?;
            if page.endpoints.is_empty() {
                println!("no webhook endpoints in {workspace}");
            }
            for e in &page.endpoints {
                let state = if e.revoked_at.is_some() { "removed" } else { "active" };
                println!("endpoint {}	{}	{}	{state}", e.id, e.url, e.events.join(","));
            }
            for d in &page.deliveries {
                let last = d.recent.first().map_or_else(String::new, |a| {
                    let status = a.status.map_or_else(|| "-".to_owned(), |s| s.to_string());
                    format!("{status} {}", a.error.as_deref().unwrap_or(""))
                });
                println!(
                    "delivery {}	endpoint {}	{}	{}	run {}	{}	{} attempts	{}",
                    d.id,
                    d.endpoint_id,
                    d.event_id,
                    d.event_type,
                    d.run_id,
                    d.state,
                    d.attempts,
                    last.trim()
                );
            }
        }
        WebhookCommand::Revoke { workspace, id, owner } => {
            let p = accounts::member(&db, &owner, &workspace).await.map_err(refused)?;
            webhooks::revoke(&state, &p, &id).await.map_err(refused)?;
            println!("endpoint {} removed", id.trim());
        }
        WebhookCommand::Retry { workspace, id, owner } => {
            let p = accounts::member(&db, &owner, &workspace).await.map_err(refused)?;
            webhooks::retry(&state, &p, &id).await.map_err(refused)?;
            println!("delivery {} will be sent again", id.trim());
        }
    }
    Ok(())
}

/// An account command's refusal as one sentence (the same words sign-in and the pages use),
/// or an internal failure with its cause for the person running the service.
fn refused(e: app::services::Error) -> anyhow::Error {
    if e.is_internal() {
        anyhow::Error::new(e)
    } else {
        anyhow::anyhow!(app::api::sentence(app::copy::Locale::En.catalog(), &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("opshub").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_line_declaration_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_command_means_serve_and_settings_go_anywhere_with_the_last_one_winning() {
        let cli = parse(&["--workers", "2", "serve", "--reconcile-secs=-5", "--workers", "3"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Serve)));
        let mut flags = cli.settings.flags;
        flags.sort();
        assert_eq!(flags, [("reconcile_secs".into(), "-5".into()), ("workers".into(), "3".into())]);
        assert!(parse(&[]).unwrap().command.is_none());
    }

    #[test]
    fn faults_and_roles_are_typed_and_refused_with_what_is_allowed() {
        let cli = parse(&["fault", "inventory.sync", "off"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Fault(FaultArgs {
                run_type: Some(RunType::InventorySync),
                fault: Some(FaultSetting(None)),
                ..
            }))
        ));
        assert!(matches!(
            parse(&["fault", "list"]).unwrap().command,
            Some(Command::Fault(FaultArgs { list: Some(_), .. }))
        ));
        let bad = parse(&["fault", "inventory.sync", "explode"]).unwrap_err();
        assert!(one_line(&bad).contains("\"explode\" is not a fault"), "{}", one_line(&bad));
        let bad = parse(&["user", "grant", "a@b.example", "ws", "king"]).unwrap_err();
        assert!(one_line(&bad).contains("\"king\" is not a role (one of: owner"), "{}", one_line(&bad));
        assert!(parse(&["fault", "inventory.sync"]).is_err());
        assert!(parse(&["reconcile"]).is_err(), "a sweep is asked for explicitly with --once");
    }

    #[test]
    fn grant_takes_tenants_separated_by_commas() {
        let cli = parse(&["user", "grant", "a@b.example", "ws", "reader", "t1,t2"]).unwrap();
        let Some(Command::User(UserCommand::Grant { role, tenants, .. })) = cli.command else { panic!("not a grant") };
        assert_eq!((role, tenants), (Role::Reader, vec!["t1".to_owned(), "t2".to_owned()]));
    }

    #[test]
    fn a_token_is_made_as_a_named_owner_with_grants_separated_by_commas() {
        let cli = parse(&[
            "token",
            "create",
            "acme",
            "backup workers",
            "--as",
            "o@acme.example",
            "--grants",
            "read_runs,report_runs",
        ])
        .unwrap();
        let Some(Command::Token(TokenCommand::Create { grants, owner, tenant, expires_in_days, .. })) = cli.command
        else {
            panic!("not a token create")
        };
        assert_eq!(grants, ["read_runs", "report_runs"]);
        assert_eq!((owner.as_str(), tenant, expires_in_days), ("o@acme.example", None, None));
        assert!(parse(&["token", "create", "acme", "x", "--as", "o@acme.example"]).is_err(), "grants are required");
        assert!(parse(&["token", "list", "acme"]).is_err(), "an owner is named");
        let bad =
            parse(&["token", "create", "acme", "x", "--as", "o", "--grants", "read_runs", "--expires-in-days", "-3"]);
        assert!(bad.is_err(), "a negative expiry is refused");
    }

    #[test]
    fn help_lists_every_command_and_every_setting() {
        let help = Cli::command().render_long_help().to_string();
        for word in ["serve", "config", "migrate", "seed", "fault", "user", "token", "webhook", "reconcile", "--config"]
        {
            assert!(help.contains(word), "{word} missing from:\n{help}");
        }
        for k in KEYS {
            assert!(help.contains(&format!("--{}", k.name.replace('_', "-"))), "{} missing", k.name);
        }
    }
}
