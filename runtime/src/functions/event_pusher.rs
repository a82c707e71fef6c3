//! EventPusher: S3 notifications in (through SNS, directly, or from
//! EventBridge), object events out, each routed to its lane by the config's
//! routing rules. A put that cannot complete fails the invocation, so SNS and
//! Lambda retry it: nothing is dropped silently.

use crate::config::Config;
use crate::event::{Lane, ObjectEvent};
use crate::lanes::{LaneError, LaneWriter};

/// What one invocation pushed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pushed {
    pub fast: usize,
    pub slow: usize,
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
    let (by_lane, dropped) = routed(config, events, stream_name);
    let mut pushed = Pushed {
        dropped,
        ..Pushed::default()
    };
    for (lane, events) in &by_lane {
        if events.is_empty() {
            continue;
        }
        lanes.put(*lane, events).await?;
        match lane {
            Lane::Fast => pushed.fast += events.len(),
            Lane::Slow => pushed.slow += events.len(),
        }
    }
    tracing::info!(
        fast = pushed.fast,
        slow = pushed.slow,
        dropped = pushed.dropped,
        "objects pushed"
    );
    Ok(pushed)
}

/// What [`push`] would do with `events`, putting nothing (a dry run).
pub fn route(config: &Config, events: Vec<ObjectEvent>) -> Pushed {
    let (by_lane, dropped) = routed(config, events, |lane| lane.to_string());
    Pushed {
        fast: by_lane[Lane::Fast as usize].1.len(),
        slow: by_lane[Lane::Slow as usize].1.len(),
        dropped,
    }
}

/// The events of each lane, their lane and stream set, and how many routing dropped.
fn routed(
    config: &Config,
    events: Vec<ObjectEvent>,
    stream_name: impl Fn(Lane) -> String,
) -> ([(Lane, Vec<ObjectEvent>); 2], usize) {
    let mut by_lane: [(Lane, Vec<ObjectEvent>); 2] =
        [(Lane::Fast, Vec::new()), (Lane::Slow, Vec::new())];
    let mut dropped = 0;
    for mut event in events {
        let Some(lane) = config.route(&event.bucket_name, &event.object_key).lane() else {
            tracing::info!(object = %event.url(), "object dropped by routing");
            dropped += 1;
            continue;
        };
        event.lane = Some(lane);
        event.dest_stream = stream_name(lane);
        by_lane[lane as usize].1.push(event);
    }
    (by_lane, dropped)
}
