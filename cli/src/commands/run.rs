//! `slips run --local`: the whole pipeline on this machine, run by the
//! handler binary (built here) so Main is the user's real code.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::bail;

use crate::build;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Run on this machine (the only mode: on AWS the deployed stack runs itself).
    #[arg(long)]
    local: bool,
    /// Each subdirectory is a bucket; each file in it an object.
    #[arg(long, value_name = "DIR", default_value = "buckets")]
    buckets: PathBuf,
    /// Where lanes, DLQ, error table and the emitted files are kept.
    #[arg(long, value_name = "DIR", default_value = ".slips")]
    state: PathBuf,
    /// Keep running and pick up new files as they appear (Ctrl-C stops).
    #[arg(long)]
    watch: bool,
    /// Emit every file again, as if none had been seen.
    #[arg(long)]
    reprocess: bool,
    /// `text`: a live progress line and a summary; `json`: one JSON object
    /// (objects, processed, failed, dropped, records) as the last line of stdout.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    output: String,
    /// Build the handler in debug mode: faster to build, slower to run.
    #[arg(long)]
    debug: bool,
}

pub fn run(config_file: &Path, args: RunArgs) -> anyhow::Result<ExitCode> {
    if !args.local {
        bail!(
            "give --local: `slips run` runs the pipeline on this machine (on AWS, `slips deploy` and the stack do)"
        );
    }
    let loaded = slips::config::load(config_file)?;
    eprint!("{}", loaded.warnings.render());
    if !args.buckets.is_dir() {
        bail!(
            "{} is not a directory: give --buckets DIR, whose subdirectories are the buckets",
            args.buckets.display()
        );
    }
    let binary = build::handler_binary(&loaded.config.handler.path, !args.debug)?;
    let mut pipeline = Command::new(&binary);
    pipeline
        .arg("pipeline")
        .arg("--config")
        .arg(config_file)
        .arg("--buckets")
        .arg(&args.buckets)
        .arg("--state")
        .arg(&args.state)
        .arg("--output")
        .arg(&args.output);
    if args.watch {
        pipeline.arg("--watch");
    }
    if args.reprocess {
        pipeline.arg("--reprocess");
    }
    build::run_handler(pipeline)
}
