//! The entry point of a handler binary: `slips::run::<MyHandler>()`.
//!
//! One binary serves every function of the stack. In Lambda the environment
//! variable `SLIPS_FUNCTION` says which; elsewhere it runs Main locally, as
//! `slips local` drives it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;

use std::time::Duration;

use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_lambda_events::event::sns::SnsEvent;

use crate::config::Config;
use crate::error_table::{DynamoErrorTable, Selection};
use crate::event::{self, Lane, ObjectEvent};
use crate::format::FormatChain;
use crate::functions::{dispatcher, drain, event_pusher, main, reporter};
use crate::handler::Handler;
use crate::invoker::LambdaInvoker;
use crate::lanes::{self, KinesisLanes};
use crate::object::{LocalStore, S3Store};
use crate::{aws, telemetry};

/// The environment variable naming the function a Lambda runs.
pub const FUNCTION_ENV: &str = "SLIPS_FUNCTION";
/// The environment variable with the path of the config (JSON) in Lambda;
/// by default `slips.json` in the code's directory.
pub const CONFIG_ENV: &str = "SLIPS_CONFIG";

/// Runs the handler binary: a Lambda function when Lambda started it, the
/// local runner otherwise.
pub fn run<H: Handler>() -> ExitCode {
    let in_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    telemetry::init(in_lambda);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = if in_lambda {
        runtime.block_on(lambda::<H>())
    } else {
        runtime.block_on(local::<H>(LocalArgs::parse()))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if in_lambda => {
            tracing::error!(error = format!("{error:#}"), "function failed to start");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Environment variables the stack sets, by function (see the template).
pub mod env {
    pub const FAST_STREAM: &str = "SLIPS_FAST_STREAM";
    pub const SLOW_STREAM: &str = "SLIPS_SLOW_STREAM";
    pub const MAIN_FUNCTION: &str = "SLIPS_MAIN_FUNCTION";
    /// Seconds a Dispatcher waits after each batch; read at every invocation
    /// so `slips limit` takes effect without a deploy.
    pub const DELAY: &str = "SLIPS_DELAY";
    pub const LANE: &str = "SLIPS_LANE";
    pub const ERROR_TABLE: &str = "SLIPS_ERROR_TABLE";
}

fn required(name: &str) -> anyhow::Result<String> {
    std::env::var(name)
        .with_context(|| format!("{name} is not set (the stack sets it for this function)"))
}

/// Serves one kind of Lambda event with `work`, until Lambda stops us.
async fn serve<T, R, F, Fut>(work: F) -> anyhow::Result<()>
where
    T: serde::de::DeserializeOwned + Send + 'static,
    R: serde::Serialize,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<R>>,
{
    lambda_runtime::run(lambda_runtime::service_fn(
        |request: lambda_runtime::LambdaEvent<T>| {
            let request_id = request.context.request_id.clone();
            let work = work(request.payload);
            async move {
                match work.await {
                    Ok(response) => Ok(response),
                    Err(error) => {
                        tracing::error!(
                            request_id,
                            error = format!("{error:#}"),
                            "invocation failed"
                        );
                        Err(lambda_runtime::Error::from(format!("{error:#}")))
                    }
                }
            }
        },
    ))
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn lambda<H: Handler>() -> anyhow::Result<()> {
    let function = required(FUNCTION_ENV)?;
    let config_path = match std::env::var_os(CONFIG_ENV) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(std::env::var_os("LAMBDA_TASK_ROOT").unwrap_or_default())
            .join("slips.json"),
    };
    let config: Config = serde_json::from_slice(
        &std::fs::read(&config_path)
            .with_context(|| format!("reading {}", config_path.display()))?,
    )
    .with_context(|| format!("{} is not a slips config", config_path.display()))?;
    let config = &config;
    let sdk = aws::sdk_config().await;
    let lanes = || -> anyhow::Result<KinesisLanes> {
        Ok(KinesisLanes::new(
            aws_sdk_kinesis::Client::new(&sdk),
            required(env::FAST_STREAM)?,
            required(env::SLOW_STREAM)?,
        ))
    };
    let error_table = || -> anyhow::Result<DynamoErrorTable> {
        Ok(DynamoErrorTable::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            required(env::ERROR_TABLE)?,
        ))
    };
    match function.as_str() {
        "event-pusher" => {
            let lanes = &lanes()?;
            serve(move |payload: serde_json::Value| async move {
                let events = event::from_value(payload)?;
                Ok(
                    event_pusher::push(config, lanes, events, |lane| {
                        lanes.stream(lane).to_string()
                    })
                    .await?,
                )
            })
            .await
        }
        "fast-dispatcher" | "slow-dispatcher" => {
            let invoker = &LambdaInvoker::new(
                aws_sdk_lambda::Client::new(&sdk),
                required(env::MAIN_FUNCTION)?,
            );
            let lane = match required(env::LANE)?.as_str() {
                "fast" => Lane::Fast,
                "slow" => Lane::Slow,
                other => bail!("{}={other}: expected fast or slow", env::LANE),
            };
            serve(move |batch: KinesisEvent| async move {
                let delay: f64 = required(env::DELAY)?
                    .parse()
                    .with_context(|| format!("{} is not a number of seconds", env::DELAY))?;
                let mut events = kinesis_events(&batch);
                // Events written by the original carry no lane: they are on this one.
                events
                    .iter_mut()
                    .for_each(|e| _ = e.lane.get_or_insert(lane));
                dispatcher::dispatch(invoker, &events, Duration::from_secs_f64(delay.max(0.0)))
                    .await
            })
            .await
        }
        "main" => {
            let store = &S3Store::new(aws::s3_client(&sdk));
            serve(move |payload: serde_json::Value| async move {
                let events = event::from_value(payload)?;
                let invocation = main::process::<H, _>(config, store, &events).await?;
                tracing::info!(
                    objects = invocation.summary.objects,
                    records = invocation.summary.records,
                    skipped = invocation.summary.skipped,
                    "invocation done"
                );
                Ok(invocation.output)
            })
            .await
        }
        "reporter" => {
            let table = &error_table()?;
            serve(move |event: SnsEvent| async move {
                let messages: Vec<_> = event.records.into_iter().map(|r| r.sns).collect();
                reporter::report(table, &messages).await
            })
            .await
        }
        "drain" => {
            let (table, lanes) = (&error_table()?, &lanes()?);
            serve(move |request: DrainRequest| async move {
                drain::drain(table, lanes, &request.selection, request.dry_run, |_, _| {}).await
            })
            .await
        }
        other => bail!(
            "{FUNCTION_ENV}={other}: not a slips function (event-pusher, fast-dispatcher, slow-dispatcher, main, reporter, drain)"
        ),
    }
}

/// What the Drain function is asked to do.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct DrainRequest {
    #[serde(default, flatten)]
    pub selection: Selection,
    #[serde(default)]
    pub dry_run: bool,
}

/// The object events of a Kinesis batch; a record that is not one is logged
/// and passed over (it carries no object that could be lost).
fn kinesis_events(batch: &KinesisEvent) -> Vec<ObjectEvent> {
    batch
        .records
        .iter()
        .filter_map(|record| match lanes::decode(&record.kinesis.data) {
            Ok(event) => Some(event),
            Err(error) => {
                tracing::error!(
                    sequence_number = record.kinesis.sequence_number,
                    error = error.to_string(),
                    "a lane record that is not an object event"
                );
                None
            }
        })
        .collect()
}

/// A slips handler binary: in Lambda it serves the function `SLIPS_FUNCTION`
/// names; here it runs the handler locally. `slips local` builds and runs it.
#[derive(Debug, Parser)]
struct LocalArgs {
    #[command(subcommand)]
    command: LocalCommand,
}

#[derive(Debug, clap::Subcommand)]
enum LocalCommand {
    /// Run the handler on object events or one object; print its result as JSON.
    Local {
        /// The slips config.
        #[arg(
            short,
            long = "config",
            value_name = "FILE",
            default_value = "config.yml"
        )]
        config: PathBuf,
        /// A JSON file of object events, an S3 event notification, or an SNS
        /// notification wrapping one.
        #[arg(
            short = 'd',
            long = "events",
            value_name = "FILE",
            conflicts_with = "object"
        )]
        events: Option<PathBuf>,
        /// One object: `s3://bucket/key`, or a local file path.
        #[arg(long, value_name = "OBJECT", required_unless_present = "events")]
        object: Option<String>,
        /// The format chain, comma separated (e.g. `s3-lines,json`); by
        /// default the config's bucket_mapping decides.
        #[arg(long, value_name = "CHAIN")]
        format: Option<String>,
        /// Read objects from this directory (one subdirectory per bucket)
        /// instead of S3.
        #[arg(long, value_name = "DIR", conflicts_with = "object")]
        buckets: Option<PathBuf>,
    },
}

async fn local<H: Handler>(args: LocalArgs) -> anyhow::Result<()> {
    let LocalCommand::Local {
        config,
        events,
        object,
        format,
        buckets,
    } = args.command;
    let mut config = crate::config::load(&config)?.config;
    let (events, store) = match (events, object) {
        (Some(path), _) => {
            let text =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let events = event::from_json(&text).with_context(|| format!("{}", path.display()))?;
            let store = match buckets {
                Some(dir) => Store::Local(LocalStore::buckets(dir)),
                None => Store::S3(S3Store::new(aws::s3_client(&aws::sdk_config().await))),
            };
            (events, store)
        }
        (None, Some(object)) => match object.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, key) = rest
                    .split_once('/')
                    .filter(|(b, k)| !b.is_empty() && !k.is_empty())
                    .with_context(|| format!("`{object}`: expected s3://BUCKET/KEY"))?;
                let store = Store::S3(S3Store::new(aws::s3_client(&aws::sdk_config().await)));
                (vec![object_event(bucket, key)], store)
            }
            None => {
                let Some(_) = &format else {
                    bail!(
                        "--object {object}: a local file needs --format (e.g. --format s3-lines,json)"
                    );
                };
                (
                    vec![object_event("", &object)],
                    Store::Local(LocalStore::files()),
                )
            }
        },
        (None, None) => bail!("give --events FILE or --object OBJECT"),
    };
    if let Some(chain) = format {
        override_format(&mut config, &events, &chain)?;
    }
    let invocation = match &store {
        Store::S3(s3) => main::process::<H, _>(&config, s3, &events).await?,
        Store::Local(local) => main::process::<H, _>(&config, local, &events).await?,
    };
    tracing::info!(
        objects = invocation.summary.objects,
        records = invocation.summary.records,
        skipped = invocation.summary.skipped,
        "done"
    );
    println!("{}", serde_json::to_string(&invocation.output)?);
    Ok(())
}

enum Store {
    S3(S3Store),
    Local(LocalStore),
}

fn object_event(bucket: &str, key: &str) -> ObjectEvent {
    ObjectEvent {
        aws_region: String::new(),
        event_time: String::new(),
        event_name: "ObjectCreated:Put".into(),
        bucket_name: bucket.into(),
        bucket_arn: format!("arn:aws:s3:::{bucket}"),
        object_key: key.into(),
        object_size: 0,
        object_etag: String::new(),
        dest_stream: String::new(),
        lane: None,
        sequencer: None,
        version_id: None,
    }
}

/// `--format`: every object given is read with this chain.
fn override_format(config: &mut Config, events: &[ObjectEvent], chain: &str) -> anyhow::Result<()> {
    let names: Vec<String> = chain.split(',').map(|s| s.trim().to_string()).collect();
    if let Err(errors) = FormatChain::parse(&names) {
        let reasons: Vec<_> = errors.into_iter().map(|e| e.message).collect();
        bail!("--format {chain}: {}", reasons.join("; "));
    }
    for event in events {
        let mapping = crate::config::Mapping {
            prefix: event.object_key.clone(),
            format: names.clone(),
            on_parse_error: Default::default(),
        };
        config
            .bucket_mapping
            .entry(event.bucket_name.clone())
            .or_default()
            .push(mapping);
    }
    Ok(())
}
