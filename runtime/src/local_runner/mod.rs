//! The local runner of a handler binary: what it does outside Lambda
//! (`slips local`, `slips run --local`, `slips invoke` drive it), one file
//! per subcommand. Left out of Lambda builds (`--cfg slips_lambda`), which
//! carry only what Lambda runs.

mod invoke;
mod objects;
mod pipeline;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

pub use objects::ObjectArgs;
pub use pipeline::PipelineArgs;

use crate::handler::Handler;
use crate::run::Runner;
use crate::telemetry;

/// Runs the handler binary from its command line (outside Lambda).
pub fn main<H: Handler>(runner: Runner) -> ExitCode {
    let args = LocalArgs::parse();
    // Quiet unless asked: warnings and errors, then a summary.
    let level = match (&args.command, args.verbose) {
        (LocalCommand::Invoke { .. }, _) => "info",
        (_, verbose) => telemetry::cli_level(verbose),
    };
    if runner.sets_up_tracing() {
        telemetry::init(false, level);
    }
    let runtime = match runner.into_runtime() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(local::<H>(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A slips handler binary: in Lambda it serves the function `SLIPS_FUNCTION`
/// names; here it runs the handler locally. `slips local` builds and runs it.
#[derive(Debug, Parser)]
struct LocalArgs {
    #[command(subcommand)]
    command: LocalCommand,
    /// Log each object and retry too, not only warnings and errors.
    #[arg(short, long, global = true)]
    verbose: bool,
}

/// The `-c/--config FILE` option.
#[derive(Debug, Clone, clap::Args)]
struct ConfigFile {
    /// The slips config.
    #[arg(
        short,
        long = "config",
        value_name = "FILE",
        default_value = "config.yml"
    )]
    config: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
enum LocalCommand {
    /// Run the handler on object events or one object; print its result as JSON.
    Local {
        #[command(flatten)]
        config: ConfigFile,
        #[command(flatten)]
        what: ObjectArgs,
    },
    /// Run one function once, as Lambda would, with the environment given
    /// (what `slips invoke` runs, with the deployed stack's environment).
    Invoke {
        #[arg(long, value_enum)]
        function: crate::names::Function,
        /// The invocation's payload (JSON).
        #[arg(long, value_name = "FILE")]
        event: PathBuf,
        #[command(flatten)]
        config: ConfigFile,
    },
    /// Run the whole pipeline on local buckets (what `slips run --local` runs).
    Pipeline {
        #[command(flatten)]
        config: ConfigFile,
        #[command(flatten)]
        options: PipelineArgs,
    },
}

async fn local<H: Handler>(args: LocalArgs) -> anyhow::Result<()> {
    match args.command {
        LocalCommand::Local { config, what } => objects::run::<H>(&config.config, what).await,
        LocalCommand::Invoke {
            function,
            event,
            config,
        } => invoke::run::<H>(function, &event, &config.config).await,
        LocalCommand::Pipeline { config, options } => {
            pipeline::run::<H>(&config.config, options).await
        }
    }
}

/// Writes a line on stdout; a reader that went away (`| head`) is no error.
fn say(line: impl std::fmt::Display) -> anyhow::Result<()> {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
