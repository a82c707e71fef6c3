//! `slips run --local`: the whole pipeline on this machine, run by the
//! handler binary (built here) so Main is the user's real code.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::bail;

use crate::build;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Run on this machine (the only mode: on AWS the deployed stack runs itself).
    #[arg(long)]
    local: bool,
    #[command(flatten)]
    pipeline: slips::PipelineArgs,
    /// Build the handler in debug mode: faster to build, slower to run.
    #[arg(long)]
    debug: bool,
}

pub fn run(config_file: &Path, args: RunArgs, verbose: bool) -> anyhow::Result<ExitCode> {
    if !args.local {
        bail!(
            "give --local: `slips run` runs the pipeline on this machine (on AWS, `slips deploy` and the stack do)"
        );
    }
    let loaded = slips::config::load(config_file)?;
    eprint!("{}", loaded.warnings.render());
    if !args.pipeline.buckets.is_dir() {
        bail!(
            "{} is not a directory: give --buckets DIR, whose subdirectories are the buckets",
            args.pipeline.buckets.display()
        );
    }
    let profile = build::Profile::optimised(!args.debug);
    let binary = build::handler_binary(&loaded.config.handler.path, profile)?;
    let mut pipeline = Command::new(&binary);
    pipeline
        .arg("pipeline")
        .arg("--config")
        .arg(config_file)
        .args(args.pipeline.to_args());
    if verbose {
        pipeline.arg("--verbose");
    }
    build::run_handler(pipeline)
}
