//! `opshub`: the operations hub server.
//!
//! ```text
//! opshub [serve]   migrate, seed the demo (unless OPSHUB_SEED_DEMO=false), serve
//! opshub migrate   apply database migrations and exit
//! opshub seed      migrate and seed the demo data set, then exit
//! ```

use anyhow::Context as _;
use server::config::Config;
use std::process::ExitCode;

const USAGE: &str =
    "usage: opshub [serve | migrate | seed | help]\n\nConfiguration comes from the environment; see README.md.";

#[tokio::main]
#[expect(clippy::print_stderr, reason = "a command line reports usage and fatal errors on stderr")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map_or("serve", String::as_str);
    if args.len() > 1 || !matches!(command, "serve" | "migrate" | "seed" | "help" | "--help" | "-h") {
        eprintln!("opshub: unknown arguments {args:?}\n{USAGE}");
        return ExitCode::from(2);
    }
    if matches!(command, "help" | "--help" | "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match run(command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opshub: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: &str) -> anyhow::Result<()> {
    let config = Config::from_env().context("the configuration is not valid")?;
    match command {
        "migrate" => {
            server::serve::open_database(&config).await?;
            println!("migrations applied");
        }
        "seed" => {
            let db = server::serve::open_database(&config).await?;
            let demo = server::seed::seed_demo(&server::serve::app_state(db, &config)).await?;
            println!("{}", if demo.created { "demo data seeded" } else { "demo data already present" });
        }
        _ => server::serve::serve(config).await?,
    }
    Ok(())
}
