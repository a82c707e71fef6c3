//! `local`: the handler run on object events or one object (what `slips
//! local` runs), its result printed as JSON.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::say;
use crate::aws;
use crate::config::Config;
use crate::event::{self, ObjectEvent};
use crate::format::FormatChain;
use crate::functions::main;
use crate::handler::Handler;
use crate::local::LocalStore;
use crate::object::{ObjectBody, ObjectStore, S3Store};
use crate::telemetry::MainDone;

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

/// Runs the handler on what `what` names.
pub(super) async fn run<H: Handler>(config: &Path, what: ObjectArgs) -> anyhow::Result<()> {
    let ObjectArgs {
        events,
        object,
        format,
        buckets,
    } = what;
    let mut config = crate::config::load(config)?.config;
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
    let invocation = main::process::<H, _>(&config, &store, &events).await?;
    MainDone {
        stack: &config.stack_name,
        events: &events,
        summary: &invocation.summary,
        handed_back: 0,
    }
    .emit();
    let s = &invocation.summary;
    eprintln!(
        "{} object(s): {} processed, {} failed; {} records, {} skipped (on_parse_error: skip){} in {:.1} s",
        events.len(),
        s.objects,
        s.failed,
        s.records,
        s.skipped,
        main::left_out(s.too_large, s.filtered, s.sampled_out),
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

/// Where `slips local` reads objects: S3, or local files.
enum Store {
    S3(S3Store),
    Local(LocalStore),
}

impl ObjectStore for Store {
    async fn open(&self, event: &ObjectEvent) -> std::io::Result<ObjectBody> {
        match self {
            Store::S3(s3) => s3.open(event).await,
            Store::Local(local) => local.open(event).await,
        }
    }
}

/// `--format`: every object given is read with this chain.
fn override_format(config: &mut Config, events: &[ObjectEvent], chain: &str) -> anyhow::Result<()> {
    let chain: FormatChain = chain
        .parse()
        .map_err(|reasons| anyhow::anyhow!("--format {chain}: {reasons}"))?;
    for event in events {
        let mapping = crate::config::Mapping::new(event.object_key.clone(), chain.clone());
        config
            .bucket_mapping
            .entry(event.bucket_name.clone())
            .or_default()
            .push(mapping);
    }
    Ok(())
}
