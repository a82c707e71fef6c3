//! `slips`: validate, deploy and operate a slips pipeline.

mod artifacts;
mod build;
mod change_set;
mod code_zip;
mod commands;
mod lambda_binary;
mod stack;
mod stack_events;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use commands::ConfigArg;

/// Process log files landing in S3 with your own Rust handler: slips deploys a
/// throttled, replayable pipeline (S3 → SNS → EventPusher → fast/slow Kinesis
/// lanes → Dispatchers → your handler → DLQ → error table).
#[derive(Debug, Parser)]
#[command(name = "slips", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Say more: each object and retry of local runs, and AWS errors with
    /// the SDK's whole chain (RUST_LOG, if set, decides instead).
    #[arg(short, long, global = true)]
    verbose: bool,
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
    /// Check mappings against golden files: each sample object DIR/BUCKET/KEY
    /// must give the records in its KEY.expected.jsonl.
    ///
    /// Each expected line is one record as the handler would get it
    /// ({"line", "tag", "timestamp", "record"}), then {"left_out": {...}}
    /// when records were skipped, filtered or sampled out, and {"error": ...}
    /// when the object fails. A mismatch shows a diff; exit status 1 when any
    /// sample fails. --update writes the expected files from what the
    /// samples give now. Builds nothing and makes no AWS call.
    Test(commands::test::TestArgs),
    /// Create a new handler package (Cargo.toml, src/main.rs, config.yml).
    Init(commands::init::InitArgs),
    /// Print the stack's CloudFormation template, rendered from the config.
    ///
    /// Makes no AWS call. The template takes the code zip's location as the
    /// parameters CodeBucket and CodeKey (`slips deploy` passes them).
    Template {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        args: commands::template::TemplateArgs,
    },
    /// Run the whole pipeline on this machine (--local): every file under
    /// --buckets goes through routing, the two lanes with their throttles,
    /// your handler, retries, the DLQ and the error table, kept in --state.
    ///
    /// Without --watch the run ends when every object has been processed or
    /// recorded in the error table; a second run emits only new or changed
    /// files. Killed at any moment, the next run resumes: nothing is lost.
    Run {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        args: commands::run::RunArgs,
    },
    /// List failed invocations in the error table.
    Errors(commands::errors::ErrorsArgs),
    /// Show one failed invocation: its error and objects.
    Error(commands::errors::ErrorArgs),
    /// Put failed object events back into their lane, then delete their
    /// items (only after the lane accepted them). Fix the cause first.
    Drain(commands::errors::DrainArgs),
    /// Show or change a lane's throttle on the deployed stack, live: the
    /// Dispatcher's delay and the batch size of its event source.
    Limit(commands::limit::LimitArgs),
    /// Build object events from real objects under each mapped prefix (for
    /// `slips local -d`).
    Sample(commands::sample::SampleArgs),
    /// Push objects already in a bucket into the lanes of the deployed stack,
    /// as if S3 had just notified them (history, re-processing). Resumable.
    Backfill(commands::backfill::BackfillArgs),
    /// Run one function of the handler binary here, with the environment the
    /// deployed stack gives it, against the deployed resources (debugging).
    Invoke(commands::invoke::InvokeArgs),
    /// Build the handler and zip it with the config, for `slips deploy --package`.
    ///
    /// Builds with the size-optimised `lambda` profile (release, fat LTO,
    /// stripped; unless --debug), checks the binary runs on
    /// Lambda's provided.al2023 (architecture, glibc <= 2.34) and writes a zip
    /// of `bootstrap` and `slips.json`.
    Package(commands::package::PackageArgs),
    /// Deploy the stack: check AWS first (region, credentials, code bucket,
    /// stack state), then build, check and upload the code, and create or
    /// update the stack through a change set, followed to the end.
    ///
    /// The code zip goes to sam.code_bucket under sam.code_prefix, keyed by
    /// its content hash. --dry-run prints the template and the changes and
    /// changes nothing.
    Deploy(commands::deploy::DeployArgs),
    /// Delete the stack and wait until it is gone (asks unless --yes).
    ///
    /// The error table, lane streams and failure queue the stack created are
    /// kept or deleted as backend.on_delete says.
    Destroy(commands::destroy::DestroyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbose = cli.verbose;
    slips::telemetry::init(false, slips::telemetry::cli_level(verbose));
    let result = match cli.command {
        Command::Validate { config } => commands::validate::run(&config.config),
        Command::ConfigSchema => commands::config_schema::run(),
        Command::Local { config, args } => commands::local::run(&config.config, args, verbose),
        Command::Init(args) => commands::init::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Run { config, args } => commands::run::run(&config.config, args, verbose),
        Command::Errors(args) => commands::errors::errors(args),
        Command::Error(args) => commands::errors::error(args),
        Command::Drain(args) => commands::errors::drain(args),
        Command::Limit(args) => commands::limit::run(args),
        Command::Sample(args) => commands::sample::run(args),
        Command::Backfill(args) => commands::backfill::run(args),
        Command::Invoke(args) => commands::invoke::run(args),
        Command::Package(args) => commands::package::run(args),
        Command::Deploy(args) => commands::deploy::run(args),
        Command::Destroy(args) => commands::destroy::run(args),
        Command::Template { config, args } => commands::template::run(&config.config, args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
