//! Retrying within a deadline: exponential backoff with full jitter, so
//! functions throttled together do not retry in step, and a retry loop
//! never runs past the time its invocation has.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// The first wait, and the longest one.
const FIRST: Duration = Duration::from_millis(50);
const LONGEST: Duration = Duration::from_secs(5);

/// How long a retry loop may go on when its caller gives no deadline (the
/// CLI's drain and backfill, the local pipeline).
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(60);

/// The waits between the attempts of one operation.
#[derive(Debug, Clone)]
pub struct Backoff {
    ceiling: Duration,
    until: Instant,
}

impl Backoff {
    /// Retries until `until`.
    pub fn until(until: Instant) -> Backoff {
        Backoff {
            ceiling: FIRST,
            until,
        }
    }

    /// Retries for `budget` from now.
    pub fn within(budget: Duration) -> Backoff {
        Backoff::until(Instant::now() + budget)
    }

    /// Waits before the next attempt: a random time up to the current
    /// ceiling, which doubles each time (up to 5 s). `false`, without
    /// waiting, when the deadline leaves no time for another attempt.
    pub async fn wait(&mut self) -> bool {
        let wait = jitter(self.ceiling);
        if Instant::now() + wait >= self.until {
            return false;
        }
        tokio::time::sleep(wait).await;
        self.ceiling = (self.ceiling * 2).min(LONGEST);
        true
    }
}

/// A random duration in `[ceiling / 2, ceiling]`: random enough to spread
/// retries, never so short that they hammer a throttled service.
fn jitter(ceiling: Duration) -> Duration {
    // A fresh RandomState is seeded randomly by the standard library.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let half = ceiling / 2;
    half + half.mul_f64((random as f64) / (u64::MAX as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_grow_and_stop_at_the_deadline() {
        let started = Instant::now();
        let mut backoff = Backoff::within(Duration::from_millis(400));
        let mut attempts = 1;
        while backoff.wait().await {
            attempts += 1;
        }
        let spent = started.elapsed();
        // 25..50, 50..100, 100..200 ms fit in 400 ms; the next one would not.
        assert!((3..=5).contains(&attempts), "{attempts} attempts");
        assert!(spent < Duration::from_millis(400), "{spent:?}");
        for _ in 0..100 {
            let wait = jitter(Duration::from_millis(100));
            assert!((50..=100).contains(&wait.as_millis()), "{wait:?}");
        }
    }
}
