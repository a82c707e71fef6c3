//! One function with its adapters (the composition root): built from the
//! environment the stack sets, called with one invocation's payload.

use std::time::{Duration, SystemTime};

use anyhow::Context;
use serde_json::Value;

use super::deadline::{left_before, pause_within, retrying_within};
use super::{DrainRequest, envelope, required};
use crate::config::Config;
use crate::error_table::DynamoErrorTable;
use crate::event::{self, Lane};
use crate::functions::{dispatcher, drain, event_pusher, main, reporter};
use crate::handler::Handler;
use crate::invoker::LambdaInvoker;
use crate::lanes::KinesisLanes;
use crate::names::{self, env};
use crate::object::S3Store;

/// One function with its adapters.
pub enum Instance {
    EventPusher(KinesisLanes),
    Dispatcher {
        invoker: LambdaInvoker,
        lane: Lane,
        /// Where records that are not object events are kept.
        errors: DynamoErrorTable,
    },
    /// Main reads objects from S3 and hands failed objects back to itself.
    Main {
        store: S3Store,
        retry: LambdaInvoker,
    },
    Reporter(DynamoErrorTable),
    Drain(DynamoErrorTable, KinesisLanes),
}

impl Instance {
    /// `function`, with adapters built from the environment.
    pub fn from_env(
        function: names::Function,
        sdk: &aws_config::SdkConfig,
    ) -> anyhow::Result<Instance> {
        let lanes = || -> anyhow::Result<KinesisLanes> {
            Ok(KinesisLanes::new(
                aws_sdk_kinesis::Client::new(sdk),
                required(env::FAST_STREAM)?,
                required(env::SLOW_STREAM)?,
            ))
        };
        let error_table = || -> anyhow::Result<DynamoErrorTable> {
            Ok(DynamoErrorTable::new(
                aws_sdk_dynamodb::Client::new(sdk),
                required(env::ERROR_TABLE)?,
            ))
        };
        Ok(match function {
            names::Function::EventPusher => Instance::EventPusher(lanes()?),
            names::Function::FastDispatcher | names::Function::SlowDispatcher => {
                Instance::Dispatcher {
                    invoker: LambdaInvoker::new(sdk, required(env::MAIN_FUNCTION)?),
                    lane: function.lane().unwrap_or(Lane::Fast),
                    errors: error_table()?,
                }
            }
            names::Function::Main => Instance::Main {
                store: S3Store::new(crate::aws::s3_client(sdk)),
                // Lambda names the function it runs; `slips invoke` sets it too.
                retry: LambdaInvoker::new(sdk, required(env::LAMBDA_FUNCTION_NAME)?),
            },
            names::Function::Reporter => Instance::Reporter(error_table()?),
            names::Function::Drain => Instance::Drain(error_table()?, lanes()?),
        })
    }

    /// Handles one invocation's payload; `deadline` is when Lambda ends the
    /// invocation (a Dispatcher's pause stops short of it).
    pub async fn call<H: Handler>(
        &self,
        config: &Config,
        payload: Value,
        deadline: Option<SystemTime>,
    ) -> anyhow::Result<Value> {
        Ok(match self {
            Instance::EventPusher(lanes) => {
                // Throttled puts are retried as long as the invocation has time.
                let lanes = &retrying_within(lanes, deadline);
                if let Some(sqs) = envelope::sqs_event(&payload) {
                    let sqs = sqs?;
                    let messages =
                        crate::notification::queue_messages(&sqs).map_err(anyhow::Error::msg)?;
                    let pushed = event_pusher::push_messages(config, lanes, &messages, |lane| {
                        lanes.stream(lane).to_string()
                    })
                    .await;
                    return Ok(serde_json::to_value(envelope::batch_response(
                        pushed.failed,
                    ))?);
                }
                let events = event::from_value(payload)?;
                let pushed = event_pusher::push(config, lanes, events, |lane| {
                    lanes.stream(lane).to_string()
                })
                .await?;
                serde_json::to_value(pushed)?
            }
            Instance::Dispatcher {
                invoker,
                lane,
                errors,
            } => {
                let batch = envelope::lane_batch(*lane, payload)?;
                let delay: f64 = required(env::DELAY)?
                    .parse()
                    .with_context(|| format!("{} is not a number of seconds", env::DELAY))?;
                let delay = pause_within(Duration::from_secs_f64(delay.max(0.0)), deadline);
                let dispatched = dispatcher::dispatch(
                    config,
                    invoker,
                    errors,
                    &batch,
                    delay,
                    dispatcher::INVOKE_RETRY_BUDGET,
                )
                .await?;
                serde_json::to_value(dispatched)?
            }
            Instance::Main { store, retry } => {
                let events = event::from_value(payload)?;
                // Lambda's deadline as an instant of this process's clock.
                let deadline = deadline.map(|d| std::time::Instant::now() + left_before(d));
                let handled =
                    main::handle::<H, _, _>(config, store, retry, &events, deadline).await?;
                serde_json::to_value(handled.output)?
            }
            Instance::Reporter(table) => {
                let failures = envelope::dead_letters(payload)?;
                serde_json::to_value(reporter::report(config, table, &failures).await?)?
            }
            Instance::Drain(table, lanes) => {
                let lanes = &retrying_within(lanes, deadline);
                let request: DrainRequest =
                    serde_json::from_value(payload).context("not a drain request")?;
                let drained =
                    drain::drain(table, lanes, &request.selection, request.dry_run, |_| {}).await?;
                serde_json::to_value(drained)?
            }
        })
    }
}
