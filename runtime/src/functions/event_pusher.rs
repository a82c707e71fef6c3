//! EventPusher: S3 notifications in (through SNS, directly, from
//! EventBridge, or from SQS queues), object events out, each routed to its
//! lane by the config's routing rules. A put that cannot complete fails the
//! invocation, so SNS and Lambda retry it; from SQS, it fails just the
//! messages whose events it could not put, so SQS delivers those again:
//! nothing is dropped silently.

use crate::config::Config;
use crate::event::{self, Lane, ObjectEvent, PerLane};
use crate::lanes::{LaneError, LaneWriter};
use crate::notification::QueueMessage;
use crate::telemetry::{MessagesReturned, ObjectsPushed};

/// What one invocation pushed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pushed {
    /// Events put on each lane.
    #[serde(flatten)]
    pub lanes: PerLane<usize>,
    pub dropped: usize,
}

/// Routes `events` and puts them on their lanes; `stream_name` gives the
/// name each lane's events record in `dest_stream`.
pub async fn push<W: LaneWriter>(
    config: &Config,
    lanes: &W,
    events: Vec<ObjectEvent>,
    stream_name: impl Fn(Lane) -> String,
) -> Result<Pushed, LaneError> {
    let (by_lane, dropped) = routed(config, events, None, &stream_name);
    let pushed = Pushed {
        lanes: put_routed(lanes, &by_lane).await?,
        dropped,
    };
    ObjectsPushed {
        stack: &config.stack_name,
        pushed: &pushed,
    }
    .emit();
    Ok(pushed)
}

/// What [`push_messages`] did: the counts, and the ids of the messages to
/// be delivered again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushedMessages {
    pub pushed: Pushed,
    pub failed: Vec<String>,
}

/// Pushes the object events of a queue's messages (each an S3 notification,
/// an SNS notification wrapping one, or an EventBridge event). A message is
/// failed, for the queue to deliver again (then to its redrive target), when
/// its body holds nothing slips can read or a lane did not take its events;
/// the others are done, whatever befell their batch-mates. A message whose
/// events went on one lane but not the other comes again whole: its events
/// on the first lane are pushed twice (at least once).
pub async fn push_messages<W: LaneWriter>(
    config: &Config,
    lanes: &W,
    messages: &[QueueMessage<'_>],
    stream_name: impl Fn(Lane) -> String,
) -> PushedMessages {
    let mut failed = vec![false; messages.len()];
    let mut by_lane = PerLane::<Vec<ObjectEvent>>::default();
    // The message each event came from, lane by lane.
    let mut senders = PerLane::<Vec<usize>>::default();
    let mut dropped = 0;
    for (i, message) in messages.iter().enumerate() {
        let events = match event::from_json(message.body.as_bytes()) {
            Ok(events) => events,
            Err(error) => {
                tracing::error!(
                    message_id = message.id,
                    error = %error,
                    "queue message without object events slips can read"
                );
                failed[i] = true;
                continue;
            }
        };
        let (routed, left) = routed(config, events, None, &stream_name);
        dropped += left;
        for (lane, events) in routed.iter() {
            senders[lane].extend(std::iter::repeat_n(i, events.len()));
            by_lane[lane].extend_from_slice(events);
        }
    }
    let mut pushed = Pushed {
        lanes: PerLane::default(),
        dropped,
    };
    for (lane, events) in by_lane.iter() {
        if events.is_empty() {
            continue;
        }
        match lanes.put(lane, events).await {
            Ok(()) => pushed.lanes[lane] = events.len(),
            Err(error) => {
                tracing::error!(%lane, error = %error, "the lane did not take the messages' events");
                for &i in &senders[lane] {
                    failed[i] = true;
                }
            }
        }
    }
    ObjectsPushed {
        stack: &config.stack_name,
        pushed: &pushed,
    }
    .emit();
    let failed: Vec<String> = messages
        .iter()
        .zip(failed)
        .filter(|(_, failed)| *failed)
        .map(|(message, _)| message.id.to_string())
        .collect();
    if !failed.is_empty() {
        MessagesReturned {
            stack: &config.stack_name,
            ids: &failed,
        }
        .emit();
    }
    PushedMessages { pushed, failed }
}

/// Puts each lane's events on it (one put per lane that has any); the counts.
pub async fn put_routed<W: LaneWriter>(
    lanes: &W,
    by_lane: &PerLane<Vec<ObjectEvent>>,
) -> Result<PerLane<usize>, LaneError> {
    for (lane, events) in by_lane.iter() {
        if !events.is_empty() {
            lanes.put(lane, events).await?;
        }
    }
    Ok(by_lane.map(Vec::len))
}

/// What [`push`] would do with `events`, putting nothing (a dry run).
pub fn route(config: &Config, events: Vec<ObjectEvent>) -> Pushed {
    let (by_lane, dropped) = routed(config, events, None, |lane| lane.to_string());
    Pushed {
        lanes: by_lane.map(Vec::len),
        dropped,
    }
}

/// The events of each lane, their lane and stream set, and how many routing
/// dropped: routed by the config's rules, or all to `forced` (a backfill's
/// `--lane`).
pub fn routed(
    config: &Config,
    events: Vec<ObjectEvent>,
    forced: Option<Lane>,
    stream_name: impl Fn(Lane) -> String,
) -> (PerLane<Vec<ObjectEvent>>, usize) {
    let mut by_lane = PerLane::<Vec<ObjectEvent>>::default();
    let mut dropped = 0;
    for mut event in events {
        let lane = forced.or_else(|| config.route(&event.bucket_name, &event.object_key).lane());
        let Some(lane) = lane else {
            tracing::info!(object = %event.url(), "object dropped by routing");
            dropped += 1;
            continue;
        };
        event.lane = Some(lane);
        event.dest_stream = stream_name(lane);
        by_lane[lane].push(event);
    }
    (by_lane, dropped)
}
