//! The span clock: a span starts at the wall-clock time and lasts as long as the monotonic
//! clock says, so a duration never goes negative when the wall clock is stepped.

use std::time::{Instant, SystemTime};

/// Now, as a wall-clock time and the monotonic reading taken with it.
pub(crate) fn now() -> (SystemTime, Instant) {
    (SystemTime::now(), Instant::now())
}

/// The wall-clock time now, for a span that started at `start` (monotonic `tick`): the start
/// plus the monotonic time elapsed.
pub(crate) fn since(start: SystemTime, tick: Instant) -> SystemTime {
    start + tick.elapsed()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
