//! Dispatcher: a batch of a lane's object events in, asynchronous invokes of
//! Main out, then a pause of the lane's delay. Kinesis hands a shard's
//! batches over one after another, so the pause bounds the lane's rate.

use std::time::Duration;

use crate::event::ObjectEvent;
use crate::invoker::Invoker;

/// The largest payload of an asynchronous invoke: 256 KB (Lambda quotas).
pub const MAX_ASYNC_PAYLOAD_BYTES: usize = 256 * 1024;

/// What one batch became.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Dispatched {
    pub events: usize,
    pub invocations: usize,
}

/// Invokes Main with `events`, split into payloads that fit the async limit,
/// then waits `delay`. An invoke that fails fails the batch (Kinesis retries it).
pub async fn dispatch<I: Invoker>(
    invoker: &I,
    events: &[ObjectEvent],
    delay: Duration,
) -> anyhow::Result<Dispatched> {
    let dispatched = send(invoker, events).await?;
    pause(delay).await;
    Ok(dispatched)
}

/// The first half of [`dispatch`]: every event handed to Main.
pub async fn send<I: Invoker>(invoker: &I, events: &[ObjectEvent]) -> anyhow::Result<Dispatched> {
    let payloads = payloads(events, MAX_ASYNC_PAYLOAD_BYTES)?;
    for payload in &payloads {
        invoker.invoke(payload.clone()).await?;
    }
    let dispatched = Dispatched {
        events: events.len(),
        invocations: payloads.len(),
    };
    tracing::info!(
        events = dispatched.events,
        invocations = dispatched.invocations,
        "batch dispatched"
    );
    Ok(dispatched)
}

/// The second half of [`dispatch`]: the lane's throttle.
pub async fn pause(delay: Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

/// JSON arrays of events, each at most `limit` bytes; an event too large
/// alone is an error naming it.
pub fn payloads(events: &[ObjectEvent], limit: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for event in events {
        let json = serde_json::to_vec(event)?;
        if json.len() + 2 > limit {
            anyhow::bail!(
                "the event of {} is {} bytes, over the {limit}-byte async payload limit",
                event.url(),
                json.len()
            );
        }
        // `[` + events joined by `,` + `]`.
        if !current.is_empty() && current.len() + json.len() + 2 > limit {
            current.push(b']');
            out.push(std::mem::take(&mut current));
        }
        current.push(if current.is_empty() { b'[' } else { b',' });
        current.extend_from_slice(&json);
    }
    if !current.is_empty() {
        current.push(b']');
        out.push(current);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(key: &str) -> ObjectEvent {
        serde_json::from_value(serde_json::json!({"bucket_name": "b", "object_key": key})).unwrap()
    }

    #[test]
    fn splits_payloads_under_the_limit_and_keeps_every_event() {
        let events: Vec<_> = (0..100)
            .map(|i| event(&format!("logs/{i:04}.gz")))
            .collect();
        let one = serde_json::to_vec(&events[0]).unwrap().len();
        let limit = one * 10 + 20;
        let payloads = payloads(&events, limit).unwrap();
        assert!(payloads.len() > 1);
        let mut back = Vec::new();
        for payload in &payloads {
            assert!(payload.len() <= limit, "{} > {limit}", payload.len());
            back.extend(serde_json::from_slice::<Vec<ObjectEvent>>(payload).unwrap());
        }
        assert_eq!(back, events);
        assert_eq!(
            super::payloads(&events, MAX_ASYNC_PAYLOAD_BYTES)
                .unwrap()
                .len(),
            1
        );
        assert!(super::payloads(&events[..1], 10).is_err());
        assert!(super::payloads(&[], 10).unwrap().is_empty());
    }
}
