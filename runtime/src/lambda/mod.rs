//! The six functions as Lambda runs them: which one, from `SLIPS_FUNCTION`;
//! its adapters, from the environment the stack sets; the config, from the
//! `slips.json` in the code zip. `slips invoke` runs the same code once.

mod deadline;
mod envelope;
mod instance;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use serde_json::Value;

pub use instance::Instance;

use crate::config::Config;
use crate::error_table::Selection;
use crate::functions::main;
use crate::handler::Handler;
use crate::names::{self, env};

fn required(name: &str) -> anyhow::Result<String> {
    std::env::var(name)
        .with_context(|| format!("{name} is not set (the stack sets it for this function)"))
}

/// What the Drain function is asked to do.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct DrainRequest {
    #[serde(default, flatten)]
    pub selection: Selection,
    #[serde(default)]
    pub dry_run: bool,
}

/// The function `SLIPS_FUNCTION` names.
pub fn function_from_env() -> anyhow::Result<names::Function> {
    let name = required(env::FUNCTION)?;
    names::Function::from_name(&name).ok_or_else(|| {
        let known: Vec<&str> = names::Function::ALL.iter().map(|f| f.name()).collect();
        anyhow::anyhow!(
            "{}={name}: not a slips function ({})",
            env::FUNCTION,
            known.join(", ")
        )
    })
}

/// The config as the code zip carries it (`SLIPS_CONFIG` overrides where).
pub fn config_from_env() -> anyhow::Result<Config> {
    let path = match std::env::var_os(env::CONFIG) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(std::env::var_os("LAMBDA_TASK_ROOT").unwrap_or_default())
            .join("slips.json"),
    };
    let text = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a slips config", path.display()))
}

/// Serves the function `SLIPS_FUNCTION` names until Lambda stops the sandbox.
pub async fn serve<H: Handler>() -> anyhow::Result<()> {
    let function = function_from_env()?;
    let config = config_from_env()?;
    if function == names::Function::Main {
        // Once at the cold start: args that do not fit would fail every invocation.
        main::handler_args::<H>(&config)?;
    }
    let function = Instance::from_env(function, &crate::aws::lambda_sdk_config())?;
    let (config, function) = (&config, &function);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |request: lambda_runtime::LambdaEvent<Value>| {
            let request_id = request.context.request_id.clone();
            let deadline = SystemTime::UNIX_EPOCH + Duration::from_millis(request.context.deadline);
            async move {
                match function
                    .call::<H>(config, request.payload, Some(deadline))
                    .await
                {
                    Ok(response) => Ok(response),
                    Err(error) => {
                        // Bounded: it travels on as the dead letter's ErrorMessage.
                        let message = main::error_message(&error);
                        tracing::error!(request_id, error = message, "invocation failed");
                        Err(lambda_runtime::Error::from(message))
                    }
                }
            }
        },
    ))
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))
}
