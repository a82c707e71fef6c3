//! `slips`: validate, deploy and operate a slips pipeline.

mod build;
mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Process log files landing in S3 with your own Rust handler: slips deploys a
/// throttled, replayable pipeline (S3 → SNS → EventPusher → fast/slow Kinesis
/// lanes → Dispatchers → your handler → DLQ → error table).
#[derive(Debug, Parser)]
#[command(name = "slips", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a config file: every problem at once, as FILE:LINE:COL: field: message.
    ///
    /// A valid file prints a summary of buckets, formats, routes and lanes.
    /// Exit status 1 when the file has errors (warnings alone do not fail).
    Validate {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Print the JSON Schema of config.yml.
    ///
    /// Point your editor's YAML support at it for completion and checks, e.g.
    /// `slips config-schema > slips.schema.json` and, at the top of config.yml,
    /// `# yaml-language-server: $schema=slips.schema.json`.
    ConfigSchema,
    /// Build the handler and run it on object events or one object, here.
    ///
    /// Objects are read from S3 (or from wherever AWS_ENDPOINT_URL points),
    /// or from a local directory with --buckets, or a local file with
    /// --object. stdout carries only the handler's result as JSON; logs go
    /// to stderr. Builds in release mode unless --debug.
    Local {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        args: commands::local::LocalArgs,
    },
    /// Create a new handler package (Cargo.toml, src/main.rs, config.yml).
    Init(commands::init::InitArgs),
}

/// The config file option every command that reads one shares.
#[derive(Debug, clap::Args)]
struct ConfigArg {
    /// The config file.
    #[arg(
        short,
        long = "config",
        value_name = "FILE",
        default_value = "config.yml"
    )]
    config: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { config } => commands::validate::run(&config.config),
        Command::ConfigSchema => commands::config_schema::run(),
        Command::Local { config, args } => commands::local::run(&config.config, args),
        Command::Init(args) => commands::init::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
