//! What the reporter did: counters the application can read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Why spans were not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// The queue was full (by count or bytes): the collector is slower than the service.
    QueueFull,
    /// A span alone was larger than a message may be.
    Encoding,
    /// The message failed for good: the collector answered an error that is not worth
    /// retrying (500), or kept timing out or being unreachable until the message's retry
    /// time was spent.
    SendFailure,
    /// The reporter was shut down before the span could be sent.
    Shutdown,
    /// The collector refused the message (a 4xx answer, a gRPC error other than a
    /// transient one) or, accepting it, rejected the span (OTLP's partial success).
    Rejected,
    /// The collector kept asking us to slow down (429, gRPC `RESOURCE_EXHAUSTED`) until the
    /// message's retry time was spent.
    RateLimited,
}

impl DropReason {
    const fn index(self) -> usize {
        match self {
            Self::QueueFull => 0,
            Self::Encoding => 1,
            Self::SendFailure => 2,
            Self::Shutdown => 3,
            Self::Rejected => 4,
            Self::RateLimited => 5,
        }
    }
}

/// A snapshot of the reporter's counters, from [`Reporter::metrics`](super::Reporter::metrics):
/// cheap to take, for a health endpoint or a metrics exporter to poll while the service
/// runs.
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, SystemTime};
/// use opentracing_core::Tracer;
/// use opentracing_core::reference::ReferenceTracer;
/// use opentracing_core::report::{Executor, Reporter, ReporterMetrics, ZipkinJson};
///
/// /// What a `/health` endpoint could say of span export: failing while messages wait for
/// /// a retry, or when nothing reached the collector in the last five minutes.
/// fn export_health(metrics: &ReporterMetrics) -> Result<(), String> {
///     let lost = metrics.dropped();
///     let recent = metrics
///         .last_success
///         .and_then(|at| at.elapsed().ok())
///         .is_some_and(|ago| ago < Duration::from_secs(300));
///     match metrics.retry_backoff {
///         Some(wait) => Err(format!("retrying in {wait:?}; {lost} spans lost so far")),
///         None if metrics.messages > 0 && !recent => Err(format!("nothing sent; {lost} lost")),
///         None => Ok(()),
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A collector that is not there, and no retry: the span is lost at once.
/// let endpoint = "http://127.0.0.1:9/api/v2/spans".parse()?;
/// let reporter = Reporter::builder(endpoint, ZipkinJson::new("shop"))
///     .retry_timeout(Duration::ZERO)
///     .start(Executor::OwnThread)?;
/// let tracer = ReferenceTracer::new("shop", Arc::new(reporter.clone()));
/// tracer.start_span("checkout").finish();
/// reporter.flush_blocking(Duration::from_secs(5));
/// let metrics = reporter.metrics();
/// assert_eq!((metrics.dropped_send_failure, metrics.last_success), (1, None));
/// assert!(export_health(&metrics).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReporterMetrics {
    /// Spans given to the reporter.
    pub spans: u64,
    /// Spans the collector accepted.
    pub spans_sent: u64,
    /// Spans dropped because the queue was full.
    pub dropped_queue_full: u64,
    /// Spans dropped because they were too large to send.
    pub dropped_encoding: u64,
    /// Spans dropped because their message failed for good.
    pub dropped_send_failure: u64,
    /// Spans dropped at shutdown.
    pub dropped_shutdown: u64,
    /// Spans the collector refused or rejected.
    pub dropped_rejected: u64,
    /// Spans dropped because the collector kept asking us to slow down.
    pub dropped_rate_limited: u64,
    /// Messages (HTTP requests or gRPC calls) attempted, retries included.
    pub messages: u64,
    /// Messages given up on.
    pub messages_dropped: u64,
    /// Bytes of the messages the collector accepted.
    pub message_bytes: u64,
    /// Attempts that were retries of a failed message.
    pub retries: u64,
    /// The wait before a failed message is tried again, while one is waiting.
    pub retry_backoff: Option<Duration>,
    /// When the collector last accepted a message.
    pub last_success: Option<SystemTime>,
    /// Spans held now: queued, batched, being sent or waiting for a retry.
    pub queued_spans: u64,
}

impl ReporterMetrics {
    /// Spans dropped for any reason.
    pub fn dropped(&self) -> u64 {
        self.dropped_queue_full
            + self.dropped_encoding
            + self.dropped_send_failure
            + self.dropped_shutdown
            + self.dropped_rejected
            + self.dropped_rate_limited
    }
}

/// What a [flush](super::Reporter::flush) did with the spans queued before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlushOutcome {
    /// Spans the collector accepted.
    pub sent: u64,
    /// Spans dropped: their message failed, they were too large, or a shutdown came.
    pub dropped: u64,
    /// Spans not settled by the deadline: still queued or in flight, to be sent later.
    pub pending: u64,
}

impl FlushOutcome {
    /// Whether every span was sent.
    pub fn is_complete(&self) -> bool {
        self.dropped == 0 && self.pending == 0
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    spans: AtomicU64,
    spans_sent: AtomicU64,
    dropped: [AtomicU64; 6],
    messages: AtomicU64,
    messages_dropped: AtomicU64,
    message_bytes: AtomicU64,
    retries: AtomicU64,
    /// Nanoseconds: the latest wait before a retry.
    retry_backoff: AtomicU64,
    /// Messages waiting to be tried again.
    retry_waiting: AtomicU64,
    /// Nanoseconds since the Unix epoch; 0 before the first success.
    last_success: AtomicU64,
    queued_spans: AtomicU64,
}

impl Counters {
    pub(crate) fn reported(&self) {
        self.spans.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dropped(&self, reason: DropReason, spans: u64) {
        self.dropped[reason.index()].fetch_add(spans, Ordering::Relaxed);
    }

    /// Spans dropped for any reason so far.
    pub(crate) fn dropped_total(&self) -> u64 {
        self.dropped
            .iter()
            .map(|counter| counter.load(Ordering::Relaxed))
            .sum()
    }

    /// A failed message waits `wait` to be tried again, until the returned guard drops.
    pub(crate) fn retry_wait(&self, wait: Duration) -> RetryWait<'_> {
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.retry_backoff.store(nanos, Ordering::Relaxed);
        self.retries.fetch_add(1, Ordering::Relaxed);
        self.retry_waiting.fetch_add(1, Ordering::Relaxed);
        RetryWait(self)
    }

    /// Counts spans into (`delta > 0`) or out of the queue; the queued count after.
    pub(crate) fn queued(&self, delta: i64) -> u64 {
        let change = delta.unsigned_abs();
        if delta >= 0 {
            self.queued_spans
                .fetch_add(change, Ordering::Relaxed)
                .wrapping_add(change)
        } else {
            self.queued_spans
                .fetch_sub(change, Ordering::Relaxed)
                .wrapping_sub(change)
        }
    }

    /// An attempt at a message.
    pub(crate) fn attempted(&self) {
        self.messages.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn sent(&self, spans: u64, bytes: u64) {
        self.spans_sent.fetch_add(spans, Ordering::Relaxed);
        self.message_bytes.fetch_add(bytes, Ordering::Relaxed);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let nanos = u64::try_from(now.as_nanos()).unwrap_or(u64::MAX).max(1);
        self.last_success.store(nanos, Ordering::Relaxed);
    }

    /// A message given up on.
    pub(crate) fn given_up(&self) {
        self.messages_dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ReporterMetrics {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ReporterMetrics {
            spans: read(&self.spans),
            spans_sent: read(&self.spans_sent),
            dropped_queue_full: read(&self.dropped[0]),
            dropped_encoding: read(&self.dropped[1]),
            dropped_send_failure: read(&self.dropped[2]),
            dropped_shutdown: read(&self.dropped[3]),
            dropped_rejected: read(&self.dropped[4]),
            dropped_rate_limited: read(&self.dropped[5]),
            messages: read(&self.messages),
            messages_dropped: read(&self.messages_dropped),
            message_bytes: read(&self.message_bytes),
            retries: read(&self.retries),
            retry_backoff: (read(&self.retry_waiting) > 0)
                .then(|| Duration::from_nanos(read(&self.retry_backoff))),
            last_success: match read(&self.last_success) {
                0 => None,
                nanos => Some(UNIX_EPOCH + Duration::from_nanos(nanos)),
            },
            queued_spans: read(&self.queued_spans),
        }
    }
}

/// A message waiting for its retry; the wait shows in the metrics while this lives.
pub(crate) struct RetryWait<'a>(&'a Counters);

impl Drop for RetryWait<'_> {
    fn drop(&mut self) {
        self.0.retry_waiting.fetch_sub(1, Ordering::Relaxed);
    }
}
