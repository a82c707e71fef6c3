//! Notable events, each one type that logs and counts in one place (JSON
//! in Lambda, text on a terminal), instead of log strings scattered through
//! the code. The functions emit them, so Lambda and the local pipeline log
//! and count alike: one event per hop (pushed, dispatched, processed,
//! failed, recorded, drained).
//!
//! Counts go to CloudWatch in Lambda (embedded metric format on stdout);
//! elsewhere they add up in this process's [`tally`], which the local
//! pipeline shows in its summary.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::event::Lane;
use crate::functions::dispatcher::Dispatched;
use crate::functions::drain::{Drained, Replayed};
use crate::functions::event_pusher::Pushed;
use crate::names::metrics;

/// Whether this process is a Lambda function (Lambda's runtime API is set).
pub fn in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Sets up logging: JSON lines for Lambda (CloudWatch parses them), compact
/// text on stderr elsewhere. `RUST_LOG` overrides `level`.
pub fn init(json: bool, level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour(json))
        .with_writer(|| crate::status_line::Stderr);
    // A second init (tests, embedding) keeps the first subscriber.
    let _ = if json {
        builder.json().flatten_event(true).without_time().try_init()
    } else {
        builder.compact().try_init()
    };
}

/// The log filter of a command line: warnings and errors (the AWS SDK's own
/// only when they are errors: its credential probes warn as they go), or
/// with `verbose` every step, and AWS errors with the SDK's whole chain.
pub fn cli_level(verbose: bool) -> &'static str {
    if verbose {
        "info,slips::aws=debug,aws_config=warn,aws_runtime=warn,aws_smithy_runtime=warn"
    } else {
        "warn,aws_config=error,aws_runtime=error,aws_smithy_runtime=error"
    }
}

/// Colours only for a person at a terminal: not in JSON, not into files or
/// pipes, not when `NO_COLOR` is set (no-color.org).
fn colour(json: bool) -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !json && !no_color && std::io::stderr().is_terminal()
}

/// One object read to its end and every record handed to the handler.
pub struct ObjectProcessed<'a> {
    pub object: &'a str,
    pub compression: &'a str,
    pub records: u64,
    pub skipped: u64,
    pub too_large: u64,
    pub filtered: u64,
    pub sampled_out: u64,
    pub elapsed: Duration,
}

impl ObjectProcessed<'_> {
    pub fn emit(&self) {
        tracing::info!(
            object = self.object,
            compression = self.compression,
            records = self.records,
            skipped = self.skipped,
            too_large = self.too_large,
            filtered = self.filtered,
            sampled_out = self.sampled_out,
            elapsed_ms = self.elapsed.as_millis() as u64,
            "object processed"
        );
    }
}

/// A record that failed to parse and was skipped (`on_parse_error: skip`).
pub struct RecordSkipped<'a> {
    pub object: &'a str,
    pub line: Option<u64>,
    pub reason: &'a str,
}

impl RecordSkipped<'_> {
    /// At info: skipping is what the config asked for (`on_parse_error:
    /// skip`), and every skip is counted in the invocation's summary.
    pub fn emit(&self) {
        tracing::info!(
            object = self.object,
            line = self.line,
            reason = self.reason,
            "record skipped"
        );
    }
}

/// An object whose format chain is `ignore`: not even read.
pub struct ObjectIgnored<'a> {
    pub object: &'a str,
}

impl ObjectIgnored<'_> {
    pub fn emit(&self) {
        tracing::info!(
            object = self.object,
            "object ignored (format chain `ignore`)"
        );
    }
}

/// An object that failed in Main (a bad object, a parse error, a handler
/// error or panic); its batch-mates go on.
pub struct ObjectFailed<'a> {
    pub object: &'a str,
    pub error: &'a anyhow::Error,
}

impl ObjectFailed<'_> {
    pub fn emit(&self) {
        // Info: the invocation's own failure (or its hand-back) is what warns.
        tracing::info!(
            object = self.object,
            error = crate::functions::main::error_message(self.error),
            "object failed"
        );
    }
}

/// One invocation of Main done: logged, and counted as CloudWatch metrics
/// (function `main`, by lane) in Lambda.
pub struct MainDone<'a> {
    pub stack: &'a str,
    pub events: &'a [crate::event::ObjectEvent],
    pub summary: &'a crate::functions::main::Summary,
    /// Failed objects handed back to Main as invocations of their own.
    pub handed_back: u64,
}

impl MainDone<'_> {
    pub fn emit(&self) {
        let s = self.summary;
        tracing::info!(
            objects = self.events.len(),
            processed = s.objects,
            records = s.records,
            skipped = s.skipped,
            too_large = s.too_large,
            filtered = s.filtered,
            sampled_out = s.sampled_out,
            failed = s.failed,
            handed_back = self.handed_back,
            "invocation done"
        );
        let bytes: u64 = self.events.iter().map(|e| e.object_size).sum();
        let lane = self.events.first().and_then(|e| e.lane);
        Metrics::new(self.stack, "main", lane)
            .count("Objects", self.events.len() as f64)
            .count("Bytes", bytes as f64)
            .count("Records", s.records as f64)
            .count("FailedObjects", s.failed as f64)
            .count("SkippedRecords", s.skipped as f64)
            .count("TooLargeRecords", s.too_large as f64)
            .count("FilteredRecords", s.filtered as f64)
            .count("SampledOutRecords", s.sampled_out as f64)
            .count("HandedBack", self.handed_back as f64)
            .emit();
    }
}

/// Object events routed onto their lanes (EventPusher).
pub struct ObjectsPushed<'a> {
    pub stack: &'a str,
    pub pushed: &'a Pushed,
}

impl ObjectsPushed<'_> {
    pub fn emit(&self) {
        let p = self.pushed;
        tracing::info!(
            fast = p.lanes.fast,
            slow = p.lanes.slow,
            dropped = p.dropped,
            "objects pushed"
        );
        for (lane, objects) in p.lanes.iter() {
            Metrics::new(self.stack, "event-pusher", Some(lane))
                .count("Objects", *objects as f64)
                .emit();
        }
        Metrics::new(self.stack, "event-pusher", None)
            .count("Dropped", p.dropped as f64)
            .emit();
    }
}

/// Queue messages EventPusher could not push, left for the queue to
/// deliver again (and, after its receive count, to its redrive target).
pub struct MessagesReturned<'a> {
    pub stack: &'a str,
    pub ids: &'a [String],
}

impl MessagesReturned<'_> {
    pub fn emit(&self) {
        tracing::warn!(
            messages = self.ids.len(),
            ids = self.ids.join(","),
            "queue messages returned to their queue, to be delivered again"
        );
        Metrics::new(self.stack, "event-pusher", None)
            .count("ReturnedMessages", self.ids.len() as f64)
            .emit();
    }
}

/// A failed invocation recorded in the error table (Reporter).
pub struct FailureRecorded<'a> {
    pub stack: &'a str,
    pub failure: &'a crate::error_table::Failure,
}

impl FailureRecorded<'_> {
    pub fn emit(&self) {
        tracing::warn!(
            request_id = self.failure.request_id,
            objects = self.failure.events.len(),
            error = self.failure.error_message,
            "failed invocation recorded in the error table"
        );
        Metrics::new(self.stack, "reporter", None)
            .count("RecordedFailures", 1.0)
            .count("RecordedObjects", self.failure.events.len() as f64)
            .emit();
    }
}

/// Error-table items put back on their lanes (`slips drain`, Drain).
pub struct ItemsDrained<'a> {
    pub drained: &'a Drained,
    pub dry_run: bool,
}

impl ItemsDrained<'_> {
    pub fn emit(&self) {
        let d = self.drained;
        tracing::info!(
            items = d.items,
            events = d.events,
            malformed = d.malformed,
            dry_run = self.dry_run,
            "drain done"
        );
    }
}

/// Failure-queue messages put back on their lanes (`slips drain`).
pub struct QueueReplayed<'a> {
    pub replayed: &'a Replayed,
    pub dry_run: bool,
}

impl QueueReplayed<'_> {
    pub fn emit(&self) {
        let r = self.replayed;
        tracing::info!(
            messages = r.messages,
            events = r.events,
            left = r.left,
            dry_run = self.dry_run,
            "failure queue drained"
        );
    }
}

/// A lane record that is not an object event, kept in the error table.
pub struct LaneRecordKept<'a> {
    pub failure: &'a crate::error_table::Failure,
}

impl LaneRecordKept<'_> {
    pub fn emit(&self) {
        tracing::error!(
            request_id = self.failure.request_id,
            error = self.failure.error_message,
            "a lane record that is not an object event, kept in the error table"
        );
    }
}

/// Events a Dispatcher could not give Main, kept in the error table.
pub struct EventsKept<'a> {
    pub failure: &'a crate::error_table::Failure,
}

impl EventsKept<'_> {
    pub fn emit(&self) {
        tracing::error!(
            request_id = self.failure.request_id,
            objects = self.failure.events.len(),
            error = self.failure.error_message,
            "Main could not be invoked: its events are kept in the error table (`slips drain` replays them)"
        );
    }
}

/// One lane batch handed to Main (a Dispatcher).
pub struct BatchDispatched<'a> {
    pub stack: &'a str,
    pub lane: Lane,
    pub dispatched: &'a Dispatched,
}

impl BatchDispatched<'_> {
    pub fn emit(&self) {
        let d = self.dispatched;
        tracing::info!(
            lane = %self.lane,
            events = d.events,
            invocations = d.invocations,
            undecodable = d.undecodable,
            kept = d.kept,
            "batch dispatched"
        );
        Metrics::new(self.stack, metrics::DISPATCHER, Some(self.lane))
            .count("Events", d.events as f64)
            .count("Invocations", d.invocations as f64)
            .count("UndecodableRecords", d.undecodable as f64)
            .count(metrics::KEPT_EVENTS, d.kept as f64)
            .emit();
    }
}

/// A CloudWatch metric in embedded metric format: one JSON line on stdout
/// that CloudWatch Logs turns into metrics, with no API call and no extra
/// permission. Namespace `slips`; dimensions stack, function and lane.
pub struct Metrics<'a> {
    pub stack: &'a str,
    pub function: &'static str,
    pub lane: Option<Lane>,
    /// Name and value of each metric (all counts).
    pub values: Vec<(&'static str, f64)>,
}

/// The CloudWatch namespace of slips' metrics.
pub const METRICS_NAMESPACE: &str = metrics::NAMESPACE;

/// What this process counted outside Lambda: `function[.lane].Name` → sum.
static TALLY: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

/// Every count this process made outside Lambda, keyed
/// `function[.lane].Name` (e.g. `dispatcher.fast.Invocations`).
pub fn tally() -> BTreeMap<String, u64> {
    TALLY.lock().map(|t| t.clone()).unwrap_or_default()
}

impl<'a> Metrics<'a> {
    /// No counts yet, of `function` (on `lane`) of the stack `stack`.
    pub fn new(stack: &'a str, function: &'static str, lane: Option<Lane>) -> Self {
        Metrics {
            stack,
            function,
            lane,
            values: Vec::new(),
        }
    }

    /// Adds the count `name`.
    pub fn count(mut self, name: &'static str, value: f64) -> Self {
        self.values.push((name, value));
        self
    }

    /// The EMF document.
    pub fn to_json(&self) -> serde_json::Value {
        let mut dimensions = vec![metrics::STACK, metrics::FUNCTION];
        if self.lane.is_some() {
            dimensions.push(metrics::LANE);
        }
        let metrics: Vec<_> = self
            .values
            .iter()
            .map(|(name, _)| serde_json::json!({"Name": name, "Unit": "Count"}))
            .collect();
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut document = serde_json::json!({
            "_aws": {
                "Timestamp": timestamp,
                "CloudWatchMetrics": [{"Namespace": METRICS_NAMESPACE, "Dimensions": [dimensions], "Metrics": metrics}]
            },
        });
        if let Some(object) = document.as_object_mut() {
            object.insert(metrics::STACK.into(), self.stack.into());
            object.insert(metrics::FUNCTION.into(), self.function.into());
            if let Some(lane) = self.lane {
                object.insert(metrics::LANE.into(), lane.name().into());
            }
            for (name, value) in &self.values {
                object.insert((*name).into(), (*value).into());
            }
        }
        document
    }

    /// Writes the document as one line on stdout, where Lambda's log agent
    /// reads it; outside Lambda (where stdout carries results) the counts
    /// are added to the [`tally`] and logged at debug.
    pub fn emit(&self) {
        if in_lambda() {
            println!("{}", self.to_json());
            return;
        }
        tracing::debug!(metrics = %self.to_json(), "metrics");
        if let Ok(mut tally) = TALLY.lock() {
            for (name, value) in &self.values {
                let key = match self.lane {
                    Some(lane) => format!("{}.{lane}.{name}", self.function),
                    None => format!("{}.{name}", self.function),
                };
                // Every metric is a count.
                *tally.entry(key).or_default() += *value as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_embedded_metric_format() {
        let metrics = Metrics::new("prod-logs", "main", Some(Lane::Fast))
            .count("Objects", 2.0)
            .count("Records", 1500.0);
        let document = metrics.to_json();
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "slips");
        assert_eq!(
            directive["Dimensions"],
            serde_json::json!([["Stack", "Function", "Lane"]])
        );
        assert_eq!(
            directive["Metrics"][1],
            serde_json::json!({"Name": "Records", "Unit": "Count"})
        );
        assert_eq!(
            (document["Lane"].as_str(), document["Records"].as_f64()),
            (Some("fast"), Some(1500.0))
        );
        assert!(
            document["_aws"]["Timestamp"]
                .as_u64()
                .is_some_and(|t| t > 1_700_000_000_000)
        );
    }
}
