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
    #[arg(long)]
    debug: bool,
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
    let profile = build::Profile::optimised(!args.debug);
    let binary = build::handler_binary(&loaded.config.handler.path, profile)?;
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
