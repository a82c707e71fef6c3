//! Notable events, each one type that logs in one place (JSON in Lambda,
//! text on a terminal), instead of log strings scattered through the code.

use std::time::Duration;

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
    pub elapsed: Duration,
}

impl ObjectProcessed<'_> {
    pub fn emit(&self) {
        tracing::info!(
            object = self.object,
            compression = self.compression,
            records = self.records,
            skipped = self.skipped,
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
            failed = s.failed,
            handed_back = self.handed_back,
            "invocation done"
        );
        let bytes: u64 = self.events.iter().map(|e| e.object_size).sum();
        Metrics {
            stack: self.stack,
            function: "main",
            lane: self.events.first().and_then(|e| e.lane).map(|l| l.name()),
            values: vec![
                ("Objects", self.events.len() as f64),
                ("Bytes", bytes as f64),
                ("Records", s.records as f64),
                ("FailedObjects", s.failed as f64),
                ("SkippedRecords", s.skipped as f64),
                ("HandedBack", self.handed_back as f64),
            ],
        }
        .emit();
    }
}

/// A failed invocation recorded in the error table (Reporter).
pub struct FailureRecorded<'a> {
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

/// One lane batch handed to Main (a Dispatcher): logged by `dispatch`,
/// counted here.
pub struct BatchDispatched<'a> {
    pub stack: &'a str,
    pub lane: crate::event::Lane,
    pub dispatched: &'a crate::functions::dispatcher::Dispatched,
}

impl BatchDispatched<'_> {
    pub fn emit(&self) {
        let d = self.dispatched;
        Metrics {
            stack: self.stack,
            function: "dispatcher",
            lane: Some(self.lane.name()),
            values: vec![
                ("Events", d.events as f64),
                ("Invocations", d.invocations as f64),
                ("UndecodableRecords", d.undecodable as f64),
            ],
        }
        .emit();
    }
}

/// A CloudWatch metric in embedded metric format: one JSON line on stdout
/// that CloudWatch Logs turns into metrics, with no API call and no extra
/// permission. Namespace `slips`; dimensions stack, function and lane.
pub struct Metrics<'a> {
    pub stack: &'a str,
    pub function: &'a str,
    pub lane: Option<&'a str>,
    /// Name and value of each metric (all counts).
    pub values: Vec<(&'static str, f64)>,
}

/// The CloudWatch namespace of slips' metrics.
pub const METRICS_NAMESPACE: &str = "slips";

impl Metrics<'_> {
    /// The EMF document.
    pub fn to_json(&self) -> serde_json::Value {
        let mut dimensions = vec!["Stack", "Function"];
        if self.lane.is_some() {
            dimensions.push("Lane");
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
            "Stack": self.stack,
            "Function": self.function,
        });
        if let (Some(lane), Some(object)) = (self.lane, document.as_object_mut()) {
            object.insert("Lane".into(), lane.into());
        }
        if let Some(object) = document.as_object_mut() {
            for (name, value) in &self.values {
                object.insert((*name).into(), (*value).into());
            }
        }
        document
    }

    /// Writes the document as one line on stdout, where Lambda's log agent
    /// reads it; outside Lambda (where stdout carries results) it is logged.
    pub fn emit(&self) {
        if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
            println!("{}", self.to_json());
        } else {
            tracing::debug!(metrics = %self.to_json(), "metrics");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_embedded_metric_format() {
        let metrics = Metrics {
            stack: "prod-logs",
            function: "main",
            lane: Some("fast"),
            values: vec![("Objects", 2.0), ("Records", 1500.0)],
        };
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
