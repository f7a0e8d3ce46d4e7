//! What the reporter did: counters the application can read.

use std::sync::atomic::{AtomicU64, Ordering};

/// Why spans were not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// The queue was full (by count or bytes): the collector is slower than the service.
    QueueFull,
    /// A span alone was larger than a message may be.
    Encoding,
    /// The collector refused the message (or, accepting it, rejected the span), answered an
    /// error, timed out or was unreachable.
    SendFailure,
    /// The reporter was shut down before the span could be sent.
    Shutdown,
}

/// A snapshot of the reporter's counters, from [`Reporter::metrics`](super::Reporter::metrics).
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
    /// Spans dropped because their message failed.
    pub dropped_send_failure: u64,
    /// Spans dropped at shutdown.
    pub dropped_shutdown: u64,
    /// Messages (HTTP requests) attempted.
    pub messages: u64,
    /// Messages that failed.
    pub messages_dropped: u64,
    /// Bytes of the messages the collector accepted.
    pub message_bytes: u64,
    /// Spans waiting in the queue now.
    pub queued_spans: u64,
}

impl ReporterMetrics {
    /// Spans dropped for any reason.
    pub fn dropped(&self) -> u64 {
        self.dropped_queue_full
            + self.dropped_encoding
            + self.dropped_send_failure
            + self.dropped_shutdown
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
    dropped: [AtomicU64; 4],
    messages: AtomicU64,
    messages_dropped: AtomicU64,
    message_bytes: AtomicU64,
    queued_spans: AtomicU64,
}

impl Counters {
    pub(crate) fn reported(&self) {
        self.spans.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dropped(&self, reason: DropReason, spans: u64) {
        let index = match reason {
            DropReason::QueueFull => 0,
            DropReason::Encoding => 1,
            DropReason::SendFailure => 2,
            DropReason::Shutdown => 3,
        };
        self.dropped[index].fetch_add(spans, Ordering::Relaxed);
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

    pub(crate) fn sent(&self, spans: u64, bytes: u64) {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.spans_sent.fetch_add(spans, Ordering::Relaxed);
        self.message_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn failed(&self, spans: u64) {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.messages_dropped.fetch_add(1, Ordering::Relaxed);
        self.dropped(DropReason::SendFailure, spans);
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
            messages: read(&self.messages),
            messages_dropped: read(&self.messages_dropped),
            message_bytes: read(&self.message_bytes),
            queued_spans: read(&self.queued_spans),
        }
    }
}
