//! `invoke`: one function run once, as Lambda would, with the environment
//! given (what `slips invoke` runs, with the deployed stack's environment).

use std::path::Path;

use anyhow::Context;

use super::say;
use crate::handler::Handler;
use crate::names::Function;
use crate::{aws, lambda};

/// Runs `function` on the payload in the file `event`.
pub(super) async fn run<H: Handler>(
    function: Function,
    event: &Path,
    config: &Path,
) -> anyhow::Result<()> {
    let config = crate::config::load(config)?.config;
    let payload: serde_json::Value = serde_json::from_slice(
        &std::fs::read(event).with_context(|| format!("reading {}", event.display()))?,
    )
    .with_context(|| format!("{} is not JSON", event.display()))?;
    let function = lambda::Instance::from_env(function, &aws::sdk_config().await)?;
    let response = function.call::<H>(&config, payload, None).await?;
    say(serde_json::to_string(&response)?)?;
    Ok(())
}
