//! The two lanes objects travel in, and a value for each.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A lane: fast, or slow (throttled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Lane {
    /// Dispatched as soon as events arrive.
    Fast,
    /// Dispatched at the pace `backend.lane.slow` sets.
    Slow,
}

/// One value for each lane: counts, or the events bound for each. Its JSON
/// is `{"fast": …, "slow": …}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerLane<T> {
    /// The fast lane's.
    pub fast: T,
    /// The slow lane's.
    pub slow: T,
}

impl<T> PerLane<T> {
    /// Each lane with its value, fast first.
    pub fn iter(&self) -> impl Iterator<Item = (Lane, &T)> {
        Lane::ALL.into_iter().map(move |lane| (lane, &self[lane]))
    }

    /// Each lane's value through `f`.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> PerLane<U> {
        PerLane {
            fast: f(&self.fast),
            slow: f(&self.slow),
        }
    }
}

impl PerLane<usize> {
    /// Both lanes together.
    pub fn total(&self) -> usize {
        self.fast + self.slow
    }
}

impl std::ops::AddAssign for PerLane<usize> {
    fn add_assign(&mut self, other: Self) {
        self.fast += other.fast;
        self.slow += other.slow;
    }
}

impl<T> std::ops::Index<Lane> for PerLane<T> {
    type Output = T;

    fn index(&self, lane: Lane) -> &T {
        match lane {
            Lane::Fast => &self.fast,
            Lane::Slow => &self.slow,
        }
    }
}

impl<T> std::ops::IndexMut<Lane> for PerLane<T> {
    fn index_mut(&mut self, lane: Lane) -> &mut T {
        match lane {
            Lane::Fast => &mut self.fast,
            Lane::Slow => &mut self.slow,
        }
    }
}

impl Lane {
    /// Both lanes, fast first.
    pub const ALL: [Lane; 2] = [Lane::Fast, Lane::Slow];

    /// `fast` or `slow`, as the config and the events name it.
    pub fn name(self) -> &'static str {
        match self {
            Lane::Fast => "fast",
            Lane::Slow => "slow",
        }
    }
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
