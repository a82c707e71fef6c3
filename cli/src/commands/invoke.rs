//! `slips invoke`: one function of the handler binary, run here with the
//! environment the deployed stack gives it, against the deployed resources.
//! For debugging (and tests): the same code path as in Lambda.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::Context;

use slips::names::{Function, env};

use crate::build;
use crate::stack::Deployed;

#[derive(Debug, clap::Args)]
pub struct InvokeArgs {
    #[command(flatten)]
    config: super::ConfigArg,
    #[arg(value_enum)]
    function: Function,
    /// The invocation's payload (JSON).
    #[arg(long, value_name = "FILE")]
    event: PathBuf,
    /// Build the handler in debug mode.
    #[arg(long)]
    debug: bool,
}

pub fn run(args: InvokeArgs) -> anyhow::Result<ExitCode> {
    let loaded = slips::config::load(&args.config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let environment = runtime.block_on(async {
        let deployed = Deployed::resolve(&loaded.config.stack_name).await?;
        let name = deployed.output(args.function.output())?.to_string();
        let configuration = aws_sdk_lambda::Client::new(&deployed.sdk)
            .get_function_configuration()
            .function_name(&name)
            .send()
            .await
            .map_err(slips::aws::sdk_error)
            .with_context(|| format!("reading the configuration of {name}"))?;
        let mut environment = configuration
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default();
        // As Lambda names the function it runs (Main hands failed objects back to it).
        environment.insert(env::LAMBDA_FUNCTION_NAME.into(), name);
        Ok::<_, anyhow::Error>(environment)
    })?;
    let binary = build::handler_binary(
        &loaded.config.handler.path,
        build::Profile::optimised(!args.debug),
    )?;
    let mut handler = Command::new(&binary);
    handler
        .arg("invoke")
        .arg("--function")
        .arg(args.function.name())
        .arg("--event")
        .arg(&args.event)
        .arg("--config")
        .arg(&args.config)
        .envs(&environment);
    build::run_handler(handler)
}
