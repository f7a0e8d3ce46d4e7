//! Which failed messages are tried again, and after how long: exponential backoff with
//! jitter, at least the wait the collector asked for, within a time budget per message.

use std::time::Duration;

use tokio::time::Instant;

use super::error::{ExportError, ExportErrorKind};
use super::metrics::DropReason;

/// How failed messages are retried.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RetryPolicy {
    /// The first wait.
    pub(crate) initial: Duration,
    /// The longest wait between two attempts.
    pub(crate) max: Duration,
    /// The most time a message may spend being retried; zero: no retry.
    pub(crate) timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What to do with a message whose attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Try again later; `rate_limited` when the collector asked us to slow down.
    Retry { rate_limited: bool },
    /// Too large for the collector: send each half on its own.
    Split,
    /// Give up on the message's spans.
    Drop(DropReason),
}

/// The verdict on a failed attempt, by the OTLP specification's rules: connection failures,
/// timeouts, HTTP 429, 502, 503 and 504, and gRPC's transient codes are retried
/// (`RESOURCE_EXHAUSTED` only when the collector says when); 413 splits the message; any
/// other answer drops it.
pub(crate) fn verdict(error: &ExportError) -> Verdict {
    match error.kind() {
        // A certificate the client does not trust, or a client certificate the collector
        // wants: trying again cannot help.
        ExportErrorKind::Unreachable if tls_refused(error) => {
            Verdict::Drop(DropReason::SendFailure)
        }
        ExportErrorKind::Timeout | ExportErrorKind::Unreachable => Verdict::Retry {
            rate_limited: false,
        },
        ExportErrorKind::Status(status) => match status.as_u16() {
            429 => Verdict::Retry { rate_limited: true },
            502..=504 => Verdict::Retry {
                rate_limited: false,
            },
            413 => Verdict::Split,
            400..=499 => Verdict::Drop(DropReason::Rejected),
            _ => Verdict::Drop(DropReason::SendFailure),
        },
        // CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS
        ExportErrorKind::GrpcStatus(1 | 4 | 10 | 11 | 14 | 15) => Verdict::Retry {
            rate_limited: false,
        },
        ExportErrorKind::GrpcStatus(8) if error.retry_after().is_some() => {
            Verdict::Retry { rate_limited: true }
        }
        ExportErrorKind::GrpcStatus(8) => Verdict::Drop(DropReason::RateLimited),
        ExportErrorKind::GrpcStatus(_) | ExportErrorKind::Rejected { .. } => {
            Verdict::Drop(DropReason::Rejected)
        }
        ExportErrorKind::Compression => Verdict::Drop(DropReason::Encoding),
    }
}

/// Whether TLS refused the connection: a rustls error anywhere in the error's causes.
#[cfg(feature = "tls")]
fn tls_refused(error: &ExportError) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        if error.is::<rustls::Error>() {
            return true;
        }
        // An I/O error's own source skips the error it wraps.
        cause = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    false
}

/// Without TLS, no connection is refused by it.
#[cfg(not(feature = "tls"))]
fn tls_refused(_: &ExportError) -> bool {
    false
}

/// The waits between one message's attempts.
#[derive(Debug)]
pub(crate) struct Backoff {
    policy: RetryPolicy,
    next: Duration,
    give_up_at: Instant,
}

impl Backoff {
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            next: policy.initial,
            give_up_at: super::reporter::after(policy.timeout),
        }
    }

    /// When to make the next attempt: after the backoff, taken at random from its upper
    /// half, or the collector's wait if longer; `None` once the budget would be spent.
    pub(crate) fn next_attempt(&mut self, asked: Option<Duration>) -> Option<Instant> {
        let half = self.next / 2;
        let jitter = half.mul_f64(fastrand::f64());
        let wait = (half + jitter).max(asked.unwrap_or_default());
        self.next = self.next.saturating_mul(2).min(self.policy.max);
        // A wait past the end of time (a huge `Retry-After`) is past the budget too.
        Instant::now()
            .checked_add(wait)
            .filter(|at| *at <= self.give_up_at)
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;

    fn status(code: u16) -> Verdict {
        verdict(&ExportError::new(ExportErrorKind::Status(
            StatusCode::from_u16(code).unwrap(),
        )))
    }

    #[test]
    fn the_specifications_retryable_answers_are_retried() {
        let retry = Verdict::Retry {
            rate_limited: false,
        };
        assert_eq!(status(429), Verdict::Retry { rate_limited: true });
        for code in [502, 503, 504] {
            assert_eq!(status(code), retry, "{code}");
        }
        assert_eq!(status(413), Verdict::Split);
        for code in [400, 401, 403, 404] {
            assert_eq!(status(code), Verdict::Drop(DropReason::Rejected), "{code}");
        }
        assert_eq!(status(500), Verdict::Drop(DropReason::SendFailure));
        assert_eq!(verdict(&ExportError::new(ExportErrorKind::Timeout)), retry);
        let grpc = |code| verdict(&ExportError::new(ExportErrorKind::GrpcStatus(code)));
        assert_eq!(grpc(14), retry);
        assert_eq!(grpc(8), Verdict::Drop(DropReason::RateLimited));
        let told = ExportError::new(ExportErrorKind::GrpcStatus(8))
            .with_retry_after(Some(Duration::from_secs(1)));
        assert_eq!(verdict(&told), Verdict::Retry { rate_limited: true });
        assert_eq!(grpc(3), Verdict::Drop(DropReason::Rejected));
    }

    #[tokio::test(start_paused = true)]
    async fn waits_double_with_jitter_up_to_the_most_and_end_with_the_budget() {
        let policy = RetryPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(400),
            timeout: Duration::from_secs(5),
        };
        let mut backoff = Backoff::new(policy);
        // Time stands still while paused: each wait is exactly the one taken.
        let mut wait = |asked| {
            let now = Instant::now();
            backoff.next_attempt(asked).map(|at| at - now)
        };
        for upper in [100, 200, 400, 400] {
            let wait = wait(None).unwrap();
            let upper = Duration::from_millis(upper);
            assert!(wait >= upper / 2 && wait <= upper, "{wait:?} {upper:?}");
        }
        assert_eq!(
            wait(Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2)),
            "the collector's longer wait"
        );
        assert_eq!(wait(Some(Duration::from_secs(6))), None);
        assert_eq!(wait(Some(Duration::MAX)), None, "no overflow");
        let no_retry = RetryPolicy {
            timeout: Duration::ZERO,
            ..policy
        };
        assert_eq!(Backoff::new(no_retry).next_attempt(None), None);
    }
}
