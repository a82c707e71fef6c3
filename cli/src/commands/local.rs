//! `slips local`: build the handler and run Main on events or one object,
//! here, against S3 (or wherever `AWS_ENDPOINT_URL` points).

use std::process::{Command, ExitCode};

use crate::build;

/// What to run the handler on (the handler binary takes the same options).
#[derive(Debug, clap::Args)]
pub struct LocalArgs {
    #[command(flatten)]
    what: slips::ObjectArgs,
    /// Build the handler in debug mode: faster to build, slower to run.
    #[arg(long, conflicts_with = "binary")]
    debug: bool,
    /// Run this handler binary (e.g. target/release/my-handler) instead of
    /// building: no cargo check of its freshness (a quarter of a second),
    /// for repeated runs when nothing changed.
    #[arg(long, value_name = "FILE")]
    binary: Option<std::path::PathBuf>,
}

pub fn run(
    config_file: &std::path::Path,
    args: LocalArgs,
    verbose: bool,
) -> anyhow::Result<ExitCode> {
    // Before a build of minutes: what to run on, and the config.
    args.what.check()?;
    let loaded = slips::config::load(config_file)?;
    eprint!("{}", loaded.warnings.render());
    let binary = match args.binary {
        Some(binary) => build::given_binary(&binary)?,
        None => build::handler_binary(
            &loaded.config.handler.path,
            build::Profile::optimised(!args.debug),
        )?,
    };
    let mut handler = Command::new(&binary);
    handler
        .arg("local")
        .arg("--config")
        .arg(config_file)
        .args(args.what.to_args());
    if verbose {
        handler.arg("--verbose");
    }
    build::run_handler(handler)
}
