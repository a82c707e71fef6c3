//! EventPusher: S3 notifications in (through SNS, directly, or from
//! EventBridge), object events out, each routed to its lane by the config's
//! routing rules. A put that cannot complete fails the invocation, so SNS and
//! Lambda retry it: nothing is dropped silently.

use crate::config::Config;
use crate::event::{Lane, ObjectEvent, PerLane};
use crate::lanes::{LaneError, LaneWriter};
use crate::telemetry::ObjectsPushed;

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
    let (by_lane, dropped) = routed(config, events, None, stream_name);
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
