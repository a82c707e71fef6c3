//! `slips errors`, `slips error ID` and `slips drain`: the error table, read
//! and replayed. `--local` works on the local pipeline's state directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use slips::error_table::{self, DynamoErrorTable, ErrorItem, ErrorStore, Failure, Page, Selection};
use slips::event::{Lane, ObjectEvent};
use slips::functions::drain;
use slips::lanes::{KinesisLanes, LaneError, LaneWriter};
use slips::local::LocalState;

use crate::stack::Deployed;

/// Where the error table is: the deployed stack's (by the config's
/// `stack_name`), or the local pipeline's with --local.
#[derive(Debug, clap::Args)]
pub struct Target {
    #[command(flatten)]
    config: super::ConfigArg,
    /// The local pipeline's error table (in --state), not the deployed stack's.
    #[arg(long)]
    local: bool,
    /// The local pipeline's state directory.
    #[arg(long, value_name = "DIR", default_value = ".slips")]
    state: PathBuf,
}

/// The error table and lanes a command works on (and, on AWS, the stack's
/// failure queue).
enum Backend {
    Local(LocalState),
    Aws(DynamoErrorTable, KinesisLanes, Box<Deployed>),
}

/// Either backend as the error store the commands read and drain.
impl ErrorStore for Backend {
    async fn record(&self, failure: &Failure) -> anyhow::Result<()> {
        match self {
            Backend::Local(state) => state.record(failure).await,
            Backend::Aws(table, ..) => table.record(failure).await,
        }
    }

    async fn page(&self, start: Option<String>) -> anyhow::Result<Page> {
        match self {
            Backend::Local(state) => state.page(start).await,
            Backend::Aws(table, ..) => table.page(start).await,
        }
    }

    async fn get(&self, request_id: &str) -> anyhow::Result<Option<ErrorItem>> {
        match self {
            Backend::Local(state) => state.get(request_id).await,
            Backend::Aws(table, ..) => table.get(request_id).await,
        }
    }

    async fn delete(&self, request_id: &str) -> anyhow::Result<()> {
        match self {
            Backend::Local(state) => state.delete(request_id).await,
            Backend::Aws(table, ..) => table.delete(request_id).await,
        }
    }

    async fn keep(&self, request_id: &str, events: &[ObjectEvent]) -> anyhow::Result<()> {
        match self {
            Backend::Local(state) => state.keep(request_id, events).await,
            Backend::Aws(table, ..) => table.keep(request_id, events).await,
        }
    }
}

/// Either backend's lanes, where drained events go.
impl LaneWriter for Backend {
    async fn put(&self, lane: Lane, events: &[ObjectEvent]) -> Result<(), LaneError> {
        match self {
            Backend::Local(state) => state.put(lane, events).await,
            Backend::Aws(_, lanes, _) => lanes.put(lane, events).await,
        }
    }
}

impl Target {
    async fn backend(&self) -> anyhow::Result<Backend> {
        if self.local {
            if !self.state.join(slips::local::DATABASE).is_file() {
                bail!(
                    "{} holds no local pipeline state: run `slips run --local` first, or give --state DIR",
                    self.state.display()
                );
            }
            return Ok(Backend::Local(LocalState::open(&self.state)?));
        }
        let deployed = self.deployed().await?;
        Ok(Backend::Aws(
            deployed.error_table()?,
            deployed.lanes()?,
            Box::new(deployed),
        ))
    }

    async fn deployed(&self) -> anyhow::Result<Deployed> {
        let config = slips::config::load(&self.config)?.config;
        Deployed::resolve(&config.stack_name).await
    }

    fn scope(&self) -> &'static str {
        if self.local { " --local" } else { "" }
    }
}

#[derive(Debug, clap::Args)]
pub struct ErrorsArgs {
    #[command(flatten)]
    target: Target,
    /// `table`: one line per object of each failed invocation; `json`: the items.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = ["table", "json"])]
    output: String,
    /// List the messages of the stack's failure queue instead of the error
    /// table (lane batches a Dispatcher gave up on, dead letters of
    /// EventPusher, Reporter and the subscriptions).
    #[arg(long, conflicts_with = "local")]
    failures: bool,
    /// Only failures of this kind (the error code: ParseError, HandlerError,
    /// HandlerPanic, ObjectNotFound, AccessDenied, ReadFailed, LineTooLong,
    /// Timeout, UndecodableLaneRecord...).
    #[arg(long, value_name = "KIND")]
    kind: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ErrorArgs {
    #[command(flatten)]
    target: Target,
    /// The request id of the failed invocation (from `slips errors`).
    request_id: String,
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    output: String,
}

#[derive(Debug, clap::Args)]
pub struct DrainArgs {
    #[command(flatten)]
    target: Target,
    /// Only this request id (repeatable).
    #[arg(long = "id", value_name = "ID")]
    ids: Vec<String>,
    /// Only items with an object in this bucket.
    #[arg(long)]
    bucket: Option<String>,
    /// Only items with an object key starting with this prefix.
    #[arg(long)]
    prefix: Option<String>,
    /// Only items from this lane.
    #[arg(long, value_enum)]
    lane: Option<Lane>,
    /// Only items that last failed at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = super::parse_time)]
    since: Option<DateTime<Utc>>,
    /// Show what would be drained; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Run the drain in the deployed Drain function instead of here.
    #[arg(long)]
    remote: bool,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

pub fn errors(args: ErrorsArgs) -> anyhow::Result<ExitCode> {
    // The config is read for the deployed stack only: `--local` needs none.
    let config = match args.target.local {
        true => None,
        false => Some(slips::config::load(&args.target.config)?.config),
    };
    let runtime = runtime()?;
    let backend = runtime.block_on(args.target.backend())?;
    if args.failures {
        let Backend::Aws(_, _, deployed) = &backend else {
            bail!(
                "--failures reads the deployed stack's failure queue; it does not go with --local"
            );
        };
        let queue = runtime.block_on(deployed.failure_queue())?;
        let waiting = runtime.block_on(slips::failures::list(&queue))?;
        super::failures::print(&waiting, config.as_ref(), args.output == "json")?;
        return Ok(ExitCode::SUCCESS);
    }
    let (mut items, malformed) =
        runtime.block_on(async { error_table::select(&backend, &Selection::default()).await })?;
    // What the failure queue holds, in a line (the table's promise covers it too).
    let queued = match &backend {
        Backend::Aws(_, _, deployed) if args.output != "json" => runtime.block_on(async {
            let queue = deployed.failure_queue().await?;
            slips::failures::list(&queue).await
        }),
        _ => Ok(Vec::new()),
    };
    let queued = queued.unwrap_or_else(|error| {
        eprintln!("warning: cannot read the failure queue: {error:#}");
        Vec::new()
    });
    // Only DynamoDB expires items (the local state keeps them).
    let expiring: &[ErrorItem] = match &backend {
        Backend::Aws(..) => &items,
        Backend::Local(_) => &[],
    };
    super::failures::warn_expiring(expiring, &queued, config.as_ref());
    items.sort_by_key(|item| item.last_failure);
    if let Some(kind) = &args.kind {
        items.retain(|item| item.error_code.eq_ignore_ascii_case(kind));
    }
    for bad in &malformed {
        eprintln!(
            "warning: error item {} skipped, slips cannot read it: {}",
            bad.request_id, bad.reason
        );
    }
    if args.output == "json" {
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        println!("no failed invocations");
        super::failures::summary(&queued);
        return Ok(ExitCode::SUCCESS);
    }
    // One line per object event: time, request id, bucket, key, size, lane, error.
    let header = [
        "last failure",
        "request id",
        "bucket",
        "key",
        "size",
        "lane",
        "error",
    ];
    let mut rows = Vec::new();
    for item in &items {
        if let Some(record) = item.lane_record.as_ref().filter(|_| item.events.is_empty()) {
            rows.push([
                time(item.last_failure),
                item.request_id.clone(),
                "-".into(),
                format!(
                    "(lane record {}: not an object event)",
                    record.sequence_number
                ),
                record.bytes.to_string(),
                record.lane.name().to_string(),
                one_line(&item.error_message),
            ]);
        }
        for event in &item.events {
            rows.push([
                time(item.last_failure),
                item.request_id.clone(),
                event.bucket_name.clone(),
                event.object_key.clone(),
                event.object_size.to_string(),
                event.lane.or(item.lane).map_or("-", Lane::name).to_string(),
                one_line(&item.error_message),
            ]);
        }
    }
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else if i == 4 {
                text.push_str(&format!("{cell:>width$}  "));
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text
    };
    println!("{}", line(&header));
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        println!("{}", line(&cells));
    }
    println!(
        "{} failed invocation(s); `slips error{scope} ID` shows one, `slips drain{scope}` replays them",
        items.len(),
        scope = args.target.scope()
    );
    super::failures::summary(&queued);
    Ok(ExitCode::SUCCESS)
}

pub fn error(args: ErrorArgs) -> anyhow::Result<ExitCode> {
    let item =
        runtime()?.block_on(async { args.target.backend().await?.get(&args.request_id).await })?;
    let Some(item) = item else {
        bail!("no failed invocation with request id {}", args.request_id);
    };
    if args.output == "json" {
        println!("{}", serde_json::to_string_pretty(&item)?);
    } else {
        print!("{}", describe(&item));
    }
    Ok(ExitCode::SUCCESS)
}

/// Attempts before a failure is recorded: the first, and Main's retries
/// (Lambda's on AWS, the local pipeline's likewise).
const ATTEMPTS: u32 = slips_templates::limits::MAX_ASYNC_RETRIES + 1;

/// A time as every listing shows it: UTC, to the second.
pub(super) fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn describe(item: &ErrorItem) -> String {
    let mut out = format!(
        "request id     {}\nlane           {}\nrecorded       {} (first {}, last {}), each after {ATTEMPTS} attempts\nerror          {}: {}\nobjects\n",
        item.request_id,
        item.lane.map_or("-", Lane::name),
        match item.count {
            1 => "once".to_string(),
            n => format!("{n} times"),
        },
        time(item.first_failure),
        time(item.last_failure),
        item.error_code,
        // The message leads with its kind already (`ParseError: s3://…`).
        item.error_message
            .strip_prefix(&format!("{}: ", item.error_code))
            .unwrap_or(&item.error_message)
    );
    for event in &item.events {
        out.push_str(&format!(
            "  {}  ({} bytes)\n",
            event.url(),
            event.object_size
        ));
    }
    if let Some(record) = &item.lane_record {
        out.push_str(&format!(
            "lane record    {} of the {} lane, {} bytes, not an object event; it begins:\n  {}\n",
            record.sequence_number,
            record.lane,
            record.bytes,
            one_line(&record.excerpt)
        ));
    }
    out
}

pub fn drain(args: DrainArgs) -> anyhow::Result<ExitCode> {
    let selection = Selection {
        ids: args.ids,
        bucket: args.bucket,
        prefix: args.prefix,
        lane: args.lane,
        since: args.since,
    };
    let verb = if args.dry_run {
        "would drain"
    } else {
        "drained"
    };
    let progress = |step: drain::Progress<'_>| match step {
        drain::Progress::Item(item, so_far) => eprintln!(
            "{verb} {} ({} object(s)); {} item(s) so far",
            item.request_id,
            item.events.len(),
            so_far.items
        ),
        drain::Progress::Malformed(bad) => eprintln!(
            "warning: error item {} skipped, slips cannot read it: {}",
            bad.request_id, bad.reason
        ),
        drain::Progress::NotEvents(item) => eprintln!(
            "warning: {} holds a lane record that is not an object event: nothing to replay \
             (`slips error {}` shows it; delete it by hand once understood)",
            item.request_id, item.request_id
        ),
    };
    let runtime = runtime()?;
    if args.remote {
        if args.target.local {
            bail!("--remote invokes the deployed Drain function; it does not go with --local");
        }
        let drained = runtime.block_on(async {
            let deployed = args.target.deployed().await?;
            remote_drain(&deployed, selection.clone(), args.dry_run).await
        })?;
        report_drained(&drained, verb, false);
        println!(
            "(--remote drains the error table only: `slips drain` without it also replays the failure queue)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let backend = runtime.block_on(args.target.backend())?;
    let drained = runtime.block_on(drain::drain(
        &backend,
        &backend,
        &selection,
        args.dry_run,
        progress,
    ))?;
    report_drained(&drained, verb, args.target.local && !args.dry_run);
    // The failure queue: replayed too, unless particular items were asked for.
    if let Backend::Aws(table, lanes, deployed) = &backend
        && selection.ids.is_empty()
    {
        let config = slips::config::load(&args.target.config)?.config;
        let replayed = runtime.block_on(async {
            let queue = deployed.failure_queue().await?;
            drain::replay_failures(
                &config,
                &queue,
                lanes,
                table,
                &selection,
                args.dry_run,
                |step| super::failures::progress(step, verb),
            )
            .await
        })?;
        super::failures::report_replayed(&replayed, verb);
    }
    Ok(ExitCode::SUCCESS)
}

/// The drain's result, in a few lines.
fn report_drained(drained: &drain::Drained, verb: &str, local_rerun: bool) {
    println!(
        "{verb} {} item(s): {} object event(s), {} to the fast lane, {} to the slow lane",
        drained.items, drained.events, drained.lanes.fast, drained.lanes.slow
    );
    if drained.not_events > 0 {
        println!(
            "{} item(s) hold a lane record that is not an object event: left in the table",
            drained.not_events
        );
    }
    if drained.malformed > 0 {
        println!(
            "{} item(s) skipped that slips cannot read (left in the table; see the warnings above)",
            drained.malformed
        );
    }
    if local_rerun && drained.items > 0 {
        println!("they run with the next `slips run --local`");
    }
}

/// Drain by the deployed Drain function, waiting for its answer.
async fn remote_drain(
    deployed: &Deployed,
    selection: Selection,
    dry_run: bool,
) -> anyhow::Result<drain::Drained> {
    let function = deployed.output(slips_templates::Function::Drain.output())?;
    let request = serde_json::to_vec(&slips::DrainRequest { selection, dry_run })?;
    let answer = aws_sdk_lambda::Client::new(&deployed.sdk)
        .invoke()
        .function_name(function)
        .payload(aws_sdk_lambda::primitives::Blob::new(request))
        .send()
        .await
        .map_err(slips::aws::sdk_error)
        .with_context(|| format!("invoking {function}"))?;
    let payload = answer
        .payload()
        .map(|p| p.as_ref().to_vec())
        .unwrap_or_default();
    if let Some(error) = answer.function_error() {
        bail!(
            "{function} failed ({error}): {}",
            String::from_utf8_lossy(&payload)
        );
    }
    serde_json::from_slice(&payload)
        .with_context(|| format!("{function} answered {}", String::from_utf8_lossy(&payload)))
}

fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > 120 {
        format!("{}…", line.chars().take(119).collect::<String>())
    } else {
        line.to_string()
    }
}
