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
        .with_writer(std::io::stderr);
    // A second init (tests, embedding) keeps the first subscriber.
    let _ = if json {
        builder.json().flatten_event(true).without_time().try_init()
    } else {
        builder.compact().try_init()
    };
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
    pub fn emit(&self) {
        tracing::warn!(
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
