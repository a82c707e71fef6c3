//! `slips local`: build the handler and run Main on events or one object,
//! here, against S3 (or wherever `AWS_ENDPOINT_URL` points).

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use crate::build;

/// What to run the handler on.
#[derive(Debug, clap::Args)]
pub struct LocalArgs {
    /// A JSON file of object events (the original's format), an S3 event
    /// notification, or an SNS notification wrapping one.
    #[arg(
        short = 'd',
        long = "events",
        value_name = "EVENTS.json",
        conflicts_with = "object"
    )]
    events: Option<PathBuf>,
    /// One object instead: `s3://bucket/key`, or a local file (with --format).
    #[arg(long, value_name = "OBJECT", required_unless_present = "events")]
    object: Option<String>,
    /// Format chain for --object, comma separated, e.g. `s3-lines,json`
    /// (default: the config's bucket_mapping).
    #[arg(long, value_name = "CHAIN")]
    format: Option<String>,
    /// Read the events' objects from DIR/BUCKET/KEY instead of S3.
    #[arg(long, value_name = "DIR", conflicts_with = "object")]
    buckets: Option<PathBuf>,
    /// Build the handler in debug mode: faster to build, slower to run.
    #[arg(long)]
    debug: bool,
}

pub fn run(config_file: &std::path::Path, args: LocalArgs) -> anyhow::Result<ExitCode> {
    let loaded = slips::config::load(config_file)?;
    eprint!("{}", loaded.warnings.render());
    let binary = build::handler_binary(&loaded.config.handler.path, !args.debug)?;
    let mut handler = Command::new(&binary);
    handler.arg("local").arg("--config").arg(config_file);
    if let Some(events) = &args.events {
        handler.arg("--events").arg(events);
    }
    if let Some(object) = &args.object {
        handler.arg("--object").arg(object);
    }
    if let Some(format) = &args.format {
        handler.arg("--format").arg(format);
    }
    if let Some(buckets) = &args.buckets {
        handler.arg("--buckets").arg(buckets);
    }
    build::run_handler(handler)
}
