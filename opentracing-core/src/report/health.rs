//! Export failures told through the `log` facade while the service runs: the first failure
//! after a success, then at most one line a minute while failures go on, and the recovery.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::Uri;

use super::endpoint::shown;
use super::error::ExportError;

/// The least time between two lines about failures that go on.
const EVERY: Duration = Duration::from_secs(60);

/// What the log has said.
#[derive(Debug)]
pub(crate) struct Health {
    /// The endpoint as the lines name it: no credentials, no query.
    endpoint: String,
    state: Mutex<Said>,
}

#[derive(Debug, Default)]
struct Said {
    failing: bool,
    last_line: Option<Instant>,
    /// Dropped spans counted at the last line.
    dropped_at_last_line: u64,
}

impl Health {
    pub(crate) fn new(endpoint: &Uri) -> Self {
        Self {
            endpoint: shown(endpoint),
            state: Mutex::default(),
        }
    }

    /// A message failed; `dropped` is every span dropped so far. Returns the line logged,
    /// if one was.
    pub(crate) fn failed(&self, error: &ExportError, dropped: u64) -> Option<String> {
        let mut said = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let due = !said.failing || said.last_line.is_none_or(|last| last.elapsed() >= EVERY);
        if !due {
            return None;
        }
        let line = format!(
            "span export to {} failing: {error}; {} spans dropped since the last report",
            self.endpoint,
            dropped - said.dropped_at_last_line.min(dropped)
        );
        log::warn!("{line}");
        said.failing = true;
        said.last_line = Some(Instant::now());
        said.dropped_at_last_line = dropped;
        Some(line)
    }

    /// A message was accepted.
    pub(crate) fn succeeded(&self, dropped: u64) {
        let mut said = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if said.failing {
            log::info!("span export to {} works again", self.endpoint);
            said.failing = false;
            said.dropped_at_last_line = dropped;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::error::ExportErrorKind;

    #[test]
    fn one_line_on_the_first_failure_none_for_the_next_ones_and_no_secret() {
        let endpoint = "https://user:SECRET@collector:4318/v1/traces?key=SECRET"
            .parse()
            .unwrap();
        let health = Health::new(&endpoint);
        let error = ExportError::new(ExportErrorKind::Timeout);
        let line = health.failed(&error, 512).unwrap();
        assert_eq!(
            line,
            "span export to https://collector:4318/v1/traces failing: the collector did not \
             answer in time; 512 spans dropped since the last report"
        );
        assert_eq!(health.failed(&error, 1024), None, "within the minute");
        health.succeeded(1024);
        let again = health.failed(&error, 1030).unwrap();
        assert!(
            again.ends_with("; 6 spans dropped since the last report"),
            "{again}"
        );
    }
}
