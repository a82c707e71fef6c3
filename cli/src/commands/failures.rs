//! The failure queue as `slips errors` and `slips drain` show it: a summary
//! line, a listing (`slips errors --failures`), drain progress, and warnings
//! for what is close to expiring.

use chrono::{DateTime, Duration, Utc};
use slips::config::Config;
use slips::error_table::{ErrorItem, ITEM_TTL_DAYS};
use slips::event::Lane;
use slips::failures::{FailureKind, QueuedFailure};
use slips::functions::drain::{ReplayStep, Replayed};

/// How long SQS keeps a failure-queue message (the stack sets the maximum,
/// 14 days: SQS API, SetQueueAttributes `MessageRetentionPeriod`).
const QUEUE_RETENTION_DAYS: i64 = 14;
/// How close to its end an expiry is worth a warning.
const WARN_DAYS: i64 = 4;
const WARN_HOURS_FOR_BATCHES: i64 = 6;

/// One line per kind of message waiting (nothing when none waits).
pub fn summary(queued: &[QueuedFailure]) {
    if queued.is_empty() {
        return;
    }
    let (mut batches, mut letters, mut unreadable) = (0, 0, 0);
    for message in queued {
        match message.kind() {
            FailureKind::LaneBatch(_) => batches += 1,
            FailureKind::Events { .. } => letters += 1,
            FailureKind::Unreadable(_) => unreadable += 1,
        }
    }
    let oldest = queued
        .iter()
        .filter_map(|m| m.sent_at)
        .min()
        .map(|t| format!(", the oldest sent {}", super::errors::time(t)))
        .unwrap_or_default();
    println!(
        "failure queue: {} message(s) waiting{oldest}: {batches} lane batch(es) a Dispatcher gave up on, \
         {letters} dead letter(s), {unreadable} unreadable; `slips errors --failures` lists them, \
         `slips drain` replays them",
        queued.len()
    );
}

/// The queue's messages, one line each (or as JSON).
pub fn print(queued: &[QueuedFailure], config: Option<&Config>, json: bool) -> anyhow::Result<()> {
    if json {
        let listed: Vec<_> = queued
            .iter()
            .map(|m| {
                let (kind, detail) = describe(m);
                serde_json::json!({"message": m, "kind": kind, "detail": detail})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&listed)?);
        return Ok(());
    }
    if queued.is_empty() {
        println!("the failure queue is empty");
        return Ok(());
    }
    warn_expiring(&[], queued, config);
    for message in queued {
        let sent = message.sent_at.map_or("-".into(), super::errors::time);
        let (kind, detail) = describe(message);
        let error = message
            .error()
            .map(|e| format!("  ({})", e.lines().next().unwrap_or_default()))
            .unwrap_or_default();
        println!("{sent}  {}  {kind}: {detail}{error}", message.message_id);
    }
    println!(
        "{} message(s); `slips drain` replays them (`--dry-run` first to see what it would do)",
        queued.len()
    );
    Ok(())
}

/// A message's kind and what it holds, in words.
fn describe(message: &QueuedFailure) -> (&'static str, String) {
    match message.kind() {
        FailureKind::LaneBatch(range) => (
            "lane batch",
            format!(
                "{} record(s) of {} {} from {} to {}",
                range.batch_size,
                range.stream_arn,
                range.shard_id,
                range.start_sequence_number,
                range.end_sequence_number
            ),
        ),
        FailureKind::Events { source, events } => {
            let first = events.first().map(|e| e.url()).unwrap_or_default();
            let more = match events.len() {
                0 | 1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            ("dead letter", format!("{source}: {first}{more}"))
        }
        FailureKind::Unreadable(reason) => ("unreadable", reason),
    }
}

/// Warns (on stderr) of error items, queue messages and lane batches close
/// to expiring.
pub fn warn_expiring(items: &[ErrorItem], queued: &[QueuedFailure], config: Option<&Config>) {
    for warning in expiring(items, queued, config, Utc::now()) {
        eprintln!("warning: {warning}");
    }
}

/// What is close to expiring at `now`: error items (the table's TTL), queue
/// messages (the queue's retention), lane batches (the stream's retention).
fn expiring(
    items: &[ErrorItem],
    queued: &[QueuedFailure],
    config: Option<&Config>,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut out = Vec::new();
    let soon = |end: DateTime<Utc>, within: Duration| end - now < within;
    let near = items
        .iter()
        .filter(|i| {
            soon(
                i.last_failure + Duration::days(ITEM_TTL_DAYS),
                Duration::days(WARN_DAYS),
            )
        })
        .count();
    if near > 0 {
        out.push(format!(
            "{near} error item(s) expire within {WARN_DAYS} days ({ITEM_TTL_DAYS} days after their last failure): drain them or keep a copy (`slips errors --output json`)"
        ));
    }
    let old = queued
        .iter()
        .filter_map(|m| m.sent_at)
        .filter(|t| {
            soon(
                *t + Duration::days(QUEUE_RETENTION_DAYS),
                Duration::days(WARN_DAYS),
            )
        })
        .count();
    if old > 0 {
        out.push(format!(
            "{old} failure-queue message(s) expire within {WARN_DAYS} days (SQS keeps them {QUEUE_RETENTION_DAYS} days): `slips drain` them"
        ));
    }
    // A lane batch is replayed from its stream: it expires with the shortest retention.
    let retention = config
        .and_then(|config| {
            Lane::ALL
                .iter()
                .map(|lane| i64::from(config.backend.lane.of(*lane).retention_hours()))
                .min()
        })
        .unwrap_or(24);
    let batches = queued
        .iter()
        .filter_map(|m| match m.kind() {
            FailureKind::LaneBatch(range) => range.approximate_arrival_of_first_record,
            _ => None,
        })
        .filter(|t| {
            soon(
                *t + Duration::hours(retention),
                Duration::hours(WARN_HOURS_FOR_BATCHES),
            )
        })
        .count();
    if batches > 0 {
        out.push(format!(
            "{batches} lane batch(es) in the failure queue are close to leaving their stream (it keeps records {retention} hours): `slips drain` now, or their events are lost"
        ));
    }
    out
}

/// One line per message a drain replayed or left.
pub fn progress(step: ReplayStep<'_>, verb: &str) {
    match step {
        ReplayStep::Replayed(message, _) => {
            let (kind, detail) = describe(message);
            eprintln!(
                "{verb} failure-queue message {} ({kind}: {detail})",
                message.message_id
            );
        }
        ReplayStep::Left(message, why) => {
            eprintln!("left failure-queue message {}: {why}", message.message_id)
        }
    }
}

pub fn report_replayed(replayed: &Replayed, verb: &str) {
    println!(
        "{verb} {} failure-queue message(s): {} object event(s), {} to the fast lane, {} to the slow lane{}",
        replayed.messages,
        replayed.events,
        replayed.lanes.fast,
        replayed.lanes.slow,
        match replayed.dropped {
            0 => String::new(),
            n => format!(", {n} dropped by routing"),
        }
    );
    if replayed.undecodable > 0 {
        println!(
            "{} record(s) of lane batches are no object events: kept in the error table",
            replayed.undecodable
        );
    }
    if replayed.left > 0 {
        println!(
            "{} message(s) left in the failure queue (see above why; `slips errors --failures` lists them)",
            replayed.left
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_close_to_expiring_is_named() {
        let config: Config = serde_json::from_value(serde_json::json!({
            "stack_name": "s",
            "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
            "handler": {"path": "."},
            "bucket_mapping": {"b": [{"prefix": "", "format": ["s3-lines"]}]},
        }))
        .expect("config");
        let now = Utc::now();
        let item = |age_days: i64| ErrorItem {
            request_id: "r".into(),
            events: Vec::new(),
            error_code: String::new(),
            error_message: String::new(),
            lane: None,
            first_failure: now - Duration::days(age_days),
            last_failure: now - Duration::days(age_days),
            count: 1,
            lane_record: None,
        };
        let message = |sent_days: i64, body: &str| QueuedFailure {
            message_id: "m".into(),
            receipt: String::new(),
            body: body.into(),
            attributes: Default::default(),
            sent_at: Some(now - Duration::days(sent_days)),
        };
        assert!(expiring(&[item(1)], &[message(1, "x")], Some(&config), now).is_empty());
        let batch = |arrived: DateTime<Utc>| {
            serde_json::json!({"KinesisBatchInfo": {"shardId": "s", "startSequenceNumber": "1",
                "endSequenceNumber": "2", "streamArn": "arn:aws:kinesis:us-east-1:1:stream/f",
                "approximateArrivalOfFirstRecord": arrived}})
            .to_string()
        };
        let warnings = expiring(
            &[item(88), item(3)],
            &[
                message(11, "x"),
                message(0, &batch(now - Duration::hours(20))),
            ],
            Some(&config),
            now,
        );
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].starts_with("1 error item(s) expire within 4 days"));
        assert!(warnings[1].starts_with("1 failure-queue message(s) expire"));
        assert!(
            warnings[2].contains("keeps records 24 hours"),
            "{}",
            warnings[2]
        );
    }
}
