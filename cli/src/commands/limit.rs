//! `slips limit`: a lane's throttle on the live stack (its Dispatcher's
//! `SLIPS_DELAY` and its event source mapping's batch size), without a deploy.

use std::process::ExitCode;

use anyhow::{Context, bail};
use slips::config::Throttle;
use slips::event::Lane;

use crate::stack::Deployed;

#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    #[command(flatten)]
    config: super::ConfigArg,
    /// The lane.
    #[arg(value_enum)]
    lane: Lane,
    /// Seconds the Dispatcher waits after each batch (0 to 900).
    #[arg(short, long)]
    delay: Option<u32>,
    /// Object events per batch (1 to 10000).
    #[arg(short, long)]
    batch_size: Option<u32>,
}

pub fn run(args: LimitArgs) -> anyhow::Result<ExitCode> {
    if let Some(delay) = args.delay
        && !Throttle::DELAY_RANGE.contains(&delay)
    {
        bail!("--delay {delay}: out of range, 0 to 900 seconds");
    }
    if let Some(batch) = args.batch_size
        && !Throttle::BATCH_SIZE_RANGE.contains(&batch)
    {
        bail!("--batch-size {batch}: out of range, 1 to 10000");
    }
    let lane = args.lane;
    let config = slips::config::load(&args.config)?.config;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(limit(&config.stack_name, lane, args.delay, args.batch_size))?;
    Ok(ExitCode::SUCCESS)
}

async fn limit(
    stack: &str,
    lane: Lane,
    delay: Option<u32>,
    batch_size: Option<u32>,
) -> anyhow::Result<()> {
    let deployed = Deployed::resolve(stack).await?;
    let lambda = aws_sdk_lambda::Client::new(&deployed.sdk);
    let function = deployed.dispatcher(lane)?;
    let mapping = deployed.mapping(lane)?;

    let current = lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .map_err(slips::aws::sdk_error)
        .with_context(|| format!("reading {function}"))?;
    let mut variables = current
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    let old_delay = variables
        .get(slips::names::env::DELAY)
        .cloned()
        .unwrap_or_else(|| "?".into());
    let old_batch = lambda
        .get_event_source_mapping()
        .uuid(mapping)
        .send()
        .await
        .map_err(slips::aws::sdk_error)
        .with_context(|| format!("reading event source mapping {mapping}"))?
        .batch_size()
        .map_or("?".into(), |b| b.to_string());

    if let Some(delay) = delay {
        variables.insert(slips::names::env::DELAY.to_string(), delay.to_string());
        let environment = aws_sdk_lambda::types::Environment::builder()
            .set_variables(Some(variables))
            .build();
        lambda
            .update_function_configuration()
            .function_name(function)
            .environment(environment)
            .send()
            .await
            .map_err(slips::aws::sdk_error)
            .with_context(|| format!("setting {} of {function}", slips::names::env::DELAY))?;
    }
    if let Some(batch_size) = batch_size {
        lambda
            .update_event_source_mapping()
            .uuid(mapping)
            .batch_size(batch_size as i32)
            .send()
            .await
            .map_err(slips::aws::sdk_error)
            .with_context(|| format!("setting the batch size of event source mapping {mapping}"))?;
    }
    let shown = |old: &str, new: Option<u32>| match new {
        Some(new) => format!("{old} → {new}"),
        None => old.to_string(),
    };
    println!(
        "{lane} lane of {stack}: delay {} s, batch size {}",
        shown(&old_delay, delay),
        shown(&old_batch, batch_size)
    );
    if delay.is_some() || batch_size.is_some() {
        println!(
            "the config file is unchanged: the next `slips deploy` sets the lane back to what it says"
        );
    }
    Ok(())
}
