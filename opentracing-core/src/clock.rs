//! The span clock: wall-clock timestamps that cost one cheap monotonic read.
//!
//! Reading the system's wall clock costs tens of nanoseconds here, and a span needs two
//! readings. Instead, each thread keeps an anchor (a wall-clock reading and a monotonic
//! reading taken together), refreshed every second, and timestamps are the anchor plus the
//! monotonic time since. Durations come from the monotonic clock alone, so they never go
//! negative when the wall clock is stepped. With the `reference` feature the monotonic
//! clock is the CPU's time-stamp counter (through `quanta`); without it, `std::time::Instant`.

use std::cell::Cell;
use std::time::{Duration, SystemTime};

#[cfg(feature = "reference")]
pub(crate) type Tick = quanta::Instant;
#[cfg(not(feature = "reference"))]
pub(crate) type Tick = std::time::Instant;

#[cfg(feature = "reference")]
fn tick() -> Tick {
    static CLOCK: std::sync::OnceLock<quanta::Clock> = std::sync::OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new).now()
}

#[cfg(not(feature = "reference"))]
fn tick() -> Tick {
    std::time::Instant::now()
}

/// How long an anchor is trusted before the wall clock is read again.
const ANCHOR_LIFETIME: Duration = Duration::from_secs(1);

thread_local! {
    static ANCHOR: Cell<Option<(SystemTime, Tick)>> = const { Cell::new(None) };
}

/// Now, as a wall-clock time and the monotonic tick it corresponds to.
pub(crate) fn now() -> (SystemTime, Tick) {
    let tick = tick();
    let anchored = ANCHOR
        .try_with(|anchor| match anchor.get() {
            Some((wall, at)) if tick.saturating_duration_since(at) < ANCHOR_LIFETIME => {
                wall + tick.saturating_duration_since(at)
            }
            _ => {
                let wall = SystemTime::now();
                anchor.set(Some((wall, tick)));
                wall
            }
        })
        .unwrap_or_else(|_| SystemTime::now());
    (anchored, tick)
}

/// The wall-clock time now, for a span that started at `start` (monotonic `tick`): the start
/// plus the monotonic time elapsed.
pub(crate) fn since(start: SystemTime, tick: Tick) -> SystemTime {
    start + self::tick().saturating_duration_since(tick)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_follow_the_wall_clock_and_never_go_back() {
        let before = SystemTime::now();
        let (start, tick) = now();
        let end = since(start, tick);
        let after = SystemTime::now();
        let slack = Duration::from_millis(50);
        assert!(start + slack >= before && start <= after + slack);
        assert!(end >= start);
    }
}
