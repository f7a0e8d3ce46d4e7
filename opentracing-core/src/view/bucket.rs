//! Where the trace store files a trace: a bucket by duration, or with the failed ones.

use std::time::Duration;

/// Where a trace is filed: by its duration, or with the failed ones.
///
/// Buckets are ranked in this order; when the store is full it gives up a trace of the
/// lowest rank first (the oldest of them), so slow and failed traces stay longest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    /// Under 10 ms, no error.
    Under10Ms,
    /// 10 ms to 100 ms, no error.
    Under100Ms,
    /// 100 ms to 1 s, no error.
    Under1S,
    /// 1 s to 10 s, no error.
    Under10S,
    /// 10 s or more, no error.
    Over10S,
    /// A span of the trace failed (tag `error` = `true`).
    Errors,
}

impl Bucket {
    /// Every bucket, by rank.
    pub const ALL: [Bucket; 6] = [
        Bucket::Under10Ms,
        Bucket::Under100Ms,
        Bucket::Under1S,
        Bucket::Under10S,
        Bucket::Over10S,
        Bucket::Errors,
    ];

    /// The bucket of a trace that lasted `duration`, failed or not.
    pub fn of(duration: Duration, failed: bool) -> Self {
        const MS: u128 = 1_000_000;
        match (failed, duration.as_nanos()) {
            (true, _) => Bucket::Errors,
            (false, n) if n < 10 * MS => Bucket::Under10Ms,
            (false, n) if n < 100 * MS => Bucket::Under100Ms,
            (false, n) if n < 1_000 * MS => Bucket::Under1S,
            (false, n) if n < 10_000 * MS => Bucket::Under10S,
            (false, _) => Bucket::Over10S,
        }
    }

    /// A short label: `<10ms`, `≥10s`, `errors`.
    pub fn label(self) -> &'static str {
        match self {
            Bucket::Under10Ms => "<10ms",
            Bucket::Under100Ms => "<100ms",
            Bucket::Under1S => "<1s",
            Bucket::Under10S => "<10s",
            Bucket::Over10S => "≥10s",
            Bucket::Errors => "errors",
        }
    }

    /// The least duration of a trace in this bucket (zero for errors).
    pub fn min_duration(self) -> Duration {
        match self {
            Bucket::Under10Ms | Bucket::Errors => Duration::ZERO,
            Bucket::Under100Ms => Duration::from_millis(10),
            Bucket::Under1S => Duration::from_millis(100),
            Bucket::Under10S => Duration::from_secs(1),
            Bucket::Over10S => Duration::from_secs(10),
        }
    }
}
