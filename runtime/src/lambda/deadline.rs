//! Lambda's deadline: how long an invocation has, and what stops short of it.

use std::time::{Duration, SystemTime};

use crate::lanes::KinesisLanes;

/// Time kept free before Lambda's deadline, for the response to go out.
const DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// The lanes, retrying rejected records until shortly before `deadline`.
pub(super) fn retrying_within(lanes: &KinesisLanes, deadline: Option<SystemTime>) -> KinesisLanes {
    match deadline {
        Some(deadline) => lanes.retrying_until(std::time::Instant::now() + left_before(deadline)),
        None => lanes.clone(),
    }
}

/// The time an invocation has before `deadline`, less [`DEADLINE_MARGIN`].
pub(super) fn left_before(deadline: SystemTime) -> Duration {
    deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(DEADLINE_MARGIN)
}

/// The lane's delay, cut short so the invocation ends before its deadline
/// (a delay of 900 s in a function whose timeout is 900 s would time out,
/// and Kinesis would retry the batch already handed to Main).
pub(super) fn pause_within(delay: Duration, deadline: Option<SystemTime>) -> Duration {
    let Some(deadline) = deadline else {
        return delay;
    };
    let left = left_before(deadline);
    if left < delay {
        tracing::warn!(
            delay_s = delay.as_secs_f64(),
            left_s = left.as_secs_f64(),
            "the lane's delay is cut short by the function's timeout"
        );
    }
    delay.min(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_ends_before_the_deadline() {
        let delay = Duration::from_secs(10);
        assert_eq!(pause_within(delay, None), delay);
        let far = SystemTime::now() + Duration::from_secs(600);
        assert_eq!(pause_within(delay, Some(far)), delay);
        let near = SystemTime::now() + Duration::from_secs(5);
        assert!(pause_within(delay, Some(near)) <= Duration::from_secs(3));
        let past = SystemTime::now() - Duration::from_secs(1);
        assert_eq!(pause_within(delay, Some(past)), Duration::ZERO);
    }
}
