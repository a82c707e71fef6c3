//! The six functions as Lambda runs them: which one, from `SLIPS_FUNCTION`;
//! its adapters, from the environment the stack sets; the config, from the
//! `slips.json` in the code zip. `slips invoke` runs the same code once.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use aws_lambda_events::event::kinesis::KinesisEvent;
use serde_json::Value;

use crate::config::Config;
use crate::error_table::{DynamoErrorTable, Failure, Selection};
use crate::event::{self, Lane};
use crate::functions::dispatcher::LaneBatch;
use crate::functions::{dispatcher, drain, event_pusher, main, reporter};
use crate::handler::Handler;
use crate::invoker::LambdaInvoker;
use crate::lanes::KinesisLanes;
use crate::names::{self, env};
use crate::notification::{self, SnsEvent, SnsMessage};
use crate::object::S3Store;
use crate::telemetry::BatchDispatched;

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
                    invoker: LambdaInvoker::new(
                        aws_sdk_lambda::Client::new(sdk),
                        required(env::MAIN_FUNCTION)?,
                    ),
                    lane: function.lane().unwrap_or(Lane::Fast),
                    errors: error_table()?,
                }
            }
            names::Function::Main => Instance::Main {
                store: S3Store::new(crate::aws::s3_client(sdk)),
                // Lambda names the function it runs; `slips invoke` sets it too.
                retry: LambdaInvoker::new(
                    aws_sdk_lambda::Client::new(sdk),
                    required(env::LAMBDA_FUNCTION_NAME)?,
                ),
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
                let events = event::from_value(payload)?;
                // Throttled puts are retried as long as the invocation has time.
                let lanes = &retrying_within(lanes, deadline);
                let pushed = event_pusher::push(config, lanes, events, |lane| {
                    lanes.stream(lane).to_string()
                })
                .await?;
                for (lane, objects) in pushed.lanes.iter() {
                    metrics(
                        config,
                        "event-pusher",
                        Some(lane.name()),
                        vec![("Objects", *objects as f64)],
                    );
                }
                metrics(
                    config,
                    "event-pusher",
                    None,
                    vec![("Dropped", pushed.dropped as f64)],
                );
                serde_json::to_value(pushed)?
            }
            Instance::Dispatcher {
                invoker,
                lane,
                errors,
            } => {
                let batch: KinesisEvent =
                    serde_json::from_value(payload).context("not a Kinesis event")?;
                let delay: f64 = required(env::DELAY)?
                    .parse()
                    .with_context(|| format!("{} is not a number of seconds", env::DELAY))?;
                let records = batch.records.iter().map(|record| {
                    let kinesis = &record.kinesis;
                    (kinesis.sequence_number.as_str(), kinesis.data.0.as_slice())
                });
                let batch = LaneBatch::decode(*lane, records);
                let delay = Duration::from_secs_f64(delay.max(0.0));
                let dispatched =
                    dispatcher::dispatch(invoker, errors, &batch, pause_within(delay, deadline))
                        .await?;
                BatchDispatched {
                    stack: &config.stack_name,
                    lane: *lane,
                    dispatched: &dispatched,
                }
                .emit();
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
                let event: SnsEvent =
                    notification::read("SNS event", payload).map_err(anyhow::Error::msg)?;
                let failures = event
                    .records
                    .iter()
                    .map(|record| dead_letter(&record.sns))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                serde_json::to_value(reporter::report(table, &failures).await?)?
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

/// Emits metrics of an invocation (embedded metric format).
fn metrics(config: &Config, function: &str, lane: Option<&str>, values: Vec<(&'static str, f64)>) {
    crate::telemetry::Metrics {
        stack: &config.stack_name,
        function,
        lane,
        values,
    }
    .emit();
}

/// Time kept free before Lambda's deadline, for the response to go out.
const DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// The lanes, retrying rejected records until shortly before `deadline`.
fn retrying_within(lanes: &KinesisLanes, deadline: Option<SystemTime>) -> KinesisLanes {
    match deadline {
        Some(deadline) => lanes.retrying_until(std::time::Instant::now() + left_before(deadline)),
        None => lanes.clone(),
    }
}

/// The time an invocation has before `deadline`, less [`DEADLINE_MARGIN`].
fn left_before(deadline: SystemTime) -> Duration {
    deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(DEADLINE_MARGIN)
}

/// The lane's delay, cut short so the invocation ends before its deadline
/// (a delay of 900 s in a function whose timeout is 900 s would time out,
/// and Kinesis would retry the batch already handed to Main).
fn pause_within(delay: Duration, deadline: Option<SystemTime>) -> Duration {
    let Some(deadline) = deadline else {
        return delay;
    };
    let left = left_before(deadline);
    if left < delay {
        tracing::warn!(
            delay_s = delay.as_secs_f64(),
            left_s = left.as_secs_f64(),
            "the lane's delay is cut short by the function's timeout"
        );
    }
    delay.min(left)
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
    let sdk = crate::aws::sdk_config().await;
    let function = Instance::from_env(function, &sdk)?;
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

/// The failure a dead letter carries: Main's payload as the SNS message,
/// Lambda's request id and error as its attributes.
fn dead_letter(message: &SnsMessage) -> anyhow::Result<Failure> {
    let attribute = |name: &str| message.attribute(name).map(String::from);
    let request_id = attribute("RequestID")
        .or_else(|| (!message.message_id.is_empty()).then(|| message.message_id.clone()))
        .ok_or_else(|| anyhow::anyhow!("a DLQ message without RequestID"))?;
    let events = event::from_json(message.message.as_bytes())
        .map_err(|e| anyhow::anyhow!("DLQ message of request {request_id}: {e}"))?;
    let error_message = attribute("ErrorMessage").unwrap_or_default();
    // Main's message starts with the failure's kind: the code worth keeping
    // (Lambda's ErrorCode is the HTTP status of the failed invocation).
    let error_code = main::FailureKind::of_message(&error_message)
        .unwrap_or(main::FailureKind::InvocationError)
        .name();
    Ok(Failure::new(request_id, events, error_code, error_message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_ends_before_the_deadline() {
        let delay = Duration::from_secs(10);
        assert_eq!(pause_within(delay, None), delay);
        let far = SystemTime::now() + Duration::from_secs(600);
        assert_eq!(pause_within(delay, Some(far)), delay);
        let near = SystemTime::now() + Duration::from_secs(5);
        assert!(pause_within(delay, Some(near)) <= Duration::from_secs(3));
        let past = SystemTime::now() - Duration::from_secs(1);
        assert_eq!(pause_within(delay, Some(past)), Duration::ZERO);
    }
}
