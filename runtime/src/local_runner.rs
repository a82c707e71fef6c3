//! The local runner of a handler binary: what it does outside Lambda
//! (`slips local`, `slips run --local`, `slips invoke` drive it). Left out of
//! Lambda builds (`--cfg slips_lambda`), which carry only what Lambda runs.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;

use crate::config::Config;
use crate::event::{self, ObjectEvent};
use crate::format::FormatChain;
use crate::functions::main;
use crate::handler::Handler;
use crate::object::{LocalStore, S3Store};
use crate::telemetry::MainDone;
use crate::{aws, lambda, telemetry};

/// Runs the handler binary from its command line (outside Lambda).
pub fn main<H: Handler>() -> ExitCode {
    let args = LocalArgs::parse();
    // Quiet unless asked: warnings and errors, then a summary.
    let level = match (&args.command, args.verbose) {
        (LocalCommand::Invoke { .. }, _) => "info",
        (_, verbose) => telemetry::cli_level(verbose),
    };
    telemetry::init(false, level);
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

/// What the handler runs on, locally: `slips local`'s options, which it
/// passes on to the handler binary as they are.
#[derive(Debug, Clone, clap::Args)]
pub struct ObjectArgs {
    /// A JSON file of object events (the original's format), an S3 event
    /// notification, or an SNS notification wrapping one.
    #[arg(
        short = 'd',
        long = "events",
        value_name = "EVENTS.json",
        conflicts_with = "object"
    )]
    pub events: Option<PathBuf>,
    /// One object instead: `s3://bucket/key`, or a local file (with --format).
    #[arg(long, value_name = "OBJECT")]
    pub object: Option<String>,
    /// The format chain, comma separated (e.g. `s3-lines,json`); by default
    /// the config's bucket_mapping decides.
    #[arg(long, value_name = "CHAIN")]
    pub format: Option<String>,
    /// Read the events' objects from DIR/BUCKET/KEY instead of S3.
    #[arg(long, value_name = "DIR", conflicts_with = "object")]
    pub buckets: Option<PathBuf>,
}

const NOTHING_TO_RUN_ON: &str = "give -d EVENTS.json (object events, e.g. from `slips sample`) \
     or --object OBJECT (s3://BUCKET/KEY, or a local file with --format)";

impl ObjectArgs {
    /// Whether something to run on was given (told before a build, by `slips local`).
    pub fn check(&self) -> anyhow::Result<()> {
        if self.events.is_none() && self.object.is_none() {
            bail!(NOTHING_TO_RUN_ON);
        }
        Ok(())
    }

    /// These options as command-line arguments again.
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut args = Vec::new();
        let mut push = |flag: &str, value: Option<std::ffi::OsString>| {
            if let Some(value) = value {
                args.push(flag.into());
                args.push(value);
            }
        };
        push("--events", self.events.clone().map(Into::into));
        push("--object", self.object.clone().map(Into::into));
        push("--format", self.format.clone().map(Into::into));
        push("--buckets", self.buckets.clone().map(Into::into));
        args
    }
}

/// How the local pipeline runs: `slips run --local`'s options, which it
/// passes on to the handler binary as they are.
#[derive(Debug, Clone, clap::Args)]
pub struct PipelineArgs {
    /// Each subdirectory is a bucket; each file in it an object.
    #[arg(long, value_name = "DIR", default_value = "buckets")]
    pub buckets: PathBuf,
    /// Where lanes, DLQ, error table and the emitted files are kept.
    #[arg(long, value_name = "DIR", default_value = ".slips")]
    pub state: PathBuf,
    /// Keep running and pick up new files as they appear (Ctrl-C stops).
    #[arg(long)]
    pub watch: bool,
    /// Emit every file again, as if none had been seen.
    #[arg(long)]
    pub reprocess: bool,
    /// `text`: a live progress line and a summary; `json`: one JSON object
    /// (objects, processed, failed, dropped, records) as the last line of stdout.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

impl PipelineArgs {
    /// These options as command-line arguments again.
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = vec![
            "--buckets".into(),
            self.buckets.clone().into(),
            "--state".into(),
            self.state.clone().into(),
            "--output".into(),
            self.output.clone().into(),
        ];
        if self.watch {
            args.push("--watch".into());
        }
        if self.reprocess {
            args.push("--reprocess".into());
        }
        args
    }
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
    let (config, events, object, format, buckets) = match args.command {
        LocalCommand::Local { config, what } => (
            config.config,
            what.events,
            what.object,
            what.format,
            what.buckets,
        ),
        LocalCommand::Invoke {
            function,
            event,
            config,
        } => {
            let config = crate::config::load(&config.config)?.config;
            let payload: serde_json::Value = serde_json::from_slice(
                &std::fs::read(&event).with_context(|| format!("reading {}", event.display()))?,
            )
            .with_context(|| format!("{} is not JSON", event.display()))?;
            let function = lambda::Instance::from_env(function, &aws::sdk_config().await)?;
            let response = function.call::<H>(&config, payload, None).await?;
            say(serde_json::to_string(&response)?)?;
            return Ok(());
        }
        LocalCommand::Pipeline { config, options } => {
            let config = crate::config::load(&config.config)?.config;
            // Before any file is emitted: args that do not fit would fail them all.
            main::handler_args::<H>(&config)?;
            let json = options.output == "json";
            let options = crate::local::Options {
                buckets: options.buckets,
                state: options.state,
                watch: options.watch,
                reprocess: options.reprocess,
                progress: !json,
                rescan: crate::local::RESCAN,
            };
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let on_signal = stop.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    on_signal.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            });
            let summary = crate::local::run::<H>(&config, &options, &stop).await?;
            if json {
                say(serde_json::to_string(&summary)?)?;
            } else {
                say(format!(
                    "{} objects emitted ({} dropped by routing); {} processed, {} failed into the error table; {} records, {} skipped",
                    summary.objects,
                    summary.dropped,
                    summary.processed,
                    summary.failed,
                    summary.records,
                    summary.skipped
                ))?;
                if summary.failed > 0 {
                    say(
                        "see them with `slips errors --local`; after a fix, `slips drain --local` and run again",
                    )?;
                }
            }
            return Ok(());
        }
    };
    let mut config = crate::config::load(&config)?.config;
    main::handler_args::<H>(&config)?;
    let started = std::time::Instant::now();
    let (events, store) = match (events, object) {
        (Some(path), _) => {
            let text =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let events = event::from_json(&text).with_context(|| format!("{}", path.display()))?;
            let store = match buckets {
                Some(dir) => Store::Local(LocalStore::buckets(dir)),
                None => Store::S3(S3Store::new(aws::s3_client(
                    &aws::connect().await.context(
                        "the events' objects are read from S3 unless --buckets DIR is given",
                    )?,
                ))),
            };
            (events, store)
        }
        (None, Some(object)) => match object.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, key) = rest
                    .split_once('/')
                    .filter(|(b, k)| !b.is_empty() && !k.is_empty())
                    .with_context(|| format!("`{object}`: expected s3://BUCKET/KEY"))?;
                let store = Store::S3(S3Store::new(aws::s3_client(
                    &aws::connect()
                        .await
                        .with_context(|| format!("reading {object}"))?,
                )));
                (vec![ObjectEvent::new(bucket, key)], store)
            }
            None => {
                let Some(_) = &format else {
                    bail!(
                        "--object {object}: a local file needs --format (e.g. --format s3-lines,json)"
                    );
                };
                (
                    vec![ObjectEvent::new("", &object)],
                    Store::Local(LocalStore::files()),
                )
            }
        },
        (None, None) => bail!(NOTHING_TO_RUN_ON),
    };
    if let Some(chain) = format {
        override_format(&mut config, &events, &chain)?;
    }
    let invocation = match &store {
        Store::S3(s3) => main::process::<H, _>(&config, s3, &events).await?,
        Store::Local(local) => main::process::<H, _>(&config, local, &events).await?,
    };
    MainDone {
        stack: &config.stack_name,
        events: &events,
        summary: &invocation.summary,
        handed_back: 0,
    }
    .emit();
    let s = &invocation.summary;
    eprintln!(
        "{} object(s): {} processed, {} failed; {} records, {} skipped (on_parse_error: skip) in {:.1} s",
        events.len(),
        s.objects,
        s.failed,
        s.records,
        s.skipped,
        started.elapsed().as_secs_f64()
    );
    // The result covers the objects that were processed (if any was).
    if invocation.failed.len() < events.len() {
        say(serde_json::to_string(&invocation.output)?)?;
    }
    if let Some(first) = invocation.failed.first() {
        for failure in &invocation.failed[1..] {
            eprintln!("error: {:#}", failure.error);
        }
        let error = anyhow::anyhow!("{:#}", first.error);
        return Err(match invocation.failed.len() {
            1 if events.len() == 1 => error,
            n => error.context(format!("{n} of {} objects failed", events.len())),
        });
    }
    Ok(())
}

/// Writes a line on stdout; a reader that went away (`| head`) is no error.
fn say(line: impl std::fmt::Display) -> anyhow::Result<()> {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

enum Store {
    S3(S3Store),
    Local(LocalStore),
}

/// `--format`: every object given is read with this chain.
fn override_format(config: &mut Config, events: &[ObjectEvent], chain: &str) -> anyhow::Result<()> {
    let chain: FormatChain = chain
        .parse()
        .map_err(|reasons| anyhow::anyhow!("--format {chain}: {reasons}"))?;
    for event in events {
        let mapping = crate::config::Mapping {
            prefix: event.object_key.clone(),
            format: chain.clone(),
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
