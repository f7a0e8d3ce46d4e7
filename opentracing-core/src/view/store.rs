//! A bounded store of recent traces, for the trace viewer: spans joined by trace id, each
//! trace filed under its root operation in a bucket by duration or error, the routine ones
//! given up first when the store is full.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use super::bucket::Bucket;
use super::filing::State;
use crate::finished::FinishedSpan;
use crate::ids::TraceId;
use crate::recorder::Recorder;

/// How much a [`TraceStore`] keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreLimits {
    pub(super) max_traces: usize,
    pub(super) max_bytes: usize,
    pub(super) max_spans_per_trace: usize,
    pub(super) traces_per_bucket: usize,
}

impl Default for StoreLimits {
    /// 1 000 traces, 32 MiB, 1 000 spans a trace, 100 traces per operation and bucket.
    fn default() -> Self {
        Self {
            max_traces: 1_000,
            max_bytes: 32 << 20,
            max_spans_per_trace: 1_000,
            traces_per_bucket: 100,
        }
    }
}

impl StoreLimits {
    /// The most traces kept (at least 1).
    pub fn max_traces(mut self, traces: usize) -> Self {
        self.max_traces = traces.max(1);
        self
    }

    /// The most bytes of spans kept, as estimated from their strings (at least 1 KiB).
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes.max(1024);
        self
    }

    /// The most spans kept of one trace (at least 1); later ones are counted, not kept.
    pub fn max_spans_per_trace(mut self, spans: usize) -> Self {
        self.max_spans_per_trace = spans.max(1);
        self
    }

    /// The most traces kept per root operation in each [`Bucket`] (at least 1); past it
    /// the oldest of them goes.
    pub fn traces_per_bucket(mut self, traces: usize) -> Self {
        self.traces_per_bucket = traces.max(1);
        self
    }
}

/// A [`Recorder`] that keeps the latest traces, within [`StoreLimits`], for people to
/// look at: the trace viewer reads it.
///
/// Spans are joined by trace id as they finish, from any tracer that records here (several
/// services in one process make one trace). A trace is filed under its root operation
/// (its span without a parent, else its earliest) in a [`Bucket`] by its duration or
/// error. Each operation keeps at most `traces_per_bucket` traces per bucket; past the
/// store's trace or byte bound, traces of the lowest bucket go first, oldest first.
///
/// Recording hands the span to the store's own thread, which files it: a reader sees every
/// span recorded before it asked (waiting up to 200 ms for the thread). Spans arriving
/// while 8 192 already wait are refused and counted.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::Tracer;
/// use opentracing_core::reference::ReferenceTracer;
/// use opentracing_core::view::{StoreLimits, TraceFilter, TraceStore};
///
/// let store = Arc::new(TraceStore::new(StoreLimits::default().max_traces(500)));
/// let tracer = ReferenceTracer::new("shop", store.clone());
/// tracer.start_span("GET /cart").finish();
/// let recent = store.traces(&TraceFilter::default());
/// assert_eq!(recent[0].operation, "GET /cart");
/// ```
pub struct TraceStore {
    limits: StoreLimits,
    filer: Arc<Filer>,
    /// Spans on their way to the filing thread.
    incoming: SyncSender<(FinishedSpan, usize)>,
    sent: AtomicU64,
    /// Spans refused because the queue was full.
    refused: AtomicU64,
}

/// What the store's thread shares with readers: the traces, and how many spans it has
/// filed (readers wait until it has filed what was sent before they read).
struct Filer {
    state: Mutex<State>,
    filed: Condvar,
}

/// Spans waiting for the filing thread; past it, spans are refused and counted.
const INCOMING: usize = 8192;

/// The most spans filed under one hold of the lock: readers get their turn.
const BATCH: usize = 256;

/// How long a reader waits for spans recorded before it to be filed.
const READ_WAIT: Duration = Duration::from_millis(200);

/// One trace as listed: what the list page shows.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TraceSummary {
    /// The trace's id.
    pub trace_id: TraceId,
    /// Its root operation.
    pub operation: String,
    /// The services of its spans, sorted.
    pub services: Vec<String>,
    /// When its earliest span started.
    pub start: SystemTime,
    /// From its earliest start to its latest finish.
    pub duration: Duration,
    /// How many spans are kept.
    pub spans: usize,
    /// How many of them failed.
    pub errors: usize,
    /// Where it is filed.
    pub bucket: Bucket,
}

/// Which traces [`TraceStore::traces`] lists; the default lists all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceFilter {
    /// Only traces with this root operation.
    pub operation: Option<String>,
    /// Only traces with a span of this service.
    pub service: Option<String>,
    /// Only traces with a failed span.
    pub errors_only: bool,
    /// Only traces lasting at least this long.
    pub min_duration: Option<Duration>,
    /// Only this trace.
    pub trace_id: Option<TraceId>,
}

/// The traces an operation has in each bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationBuckets {
    /// The root operation.
    pub operation: String,
    /// Traces per bucket, in the order of [`Bucket::ALL`].
    pub counts: [usize; 6],
}

/// What a [`TraceStore`] holds and has given up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreUsage {
    /// Traces kept.
    pub traces: usize,
    /// Spans kept.
    pub spans: usize,
    /// Estimated bytes kept.
    pub bytes: usize,
    /// Traces given up to stay within the limits.
    pub evicted_traces: u64,
    /// Spans not kept: past a trace's span limit, larger than the byte limit, or arriving
    /// while the store's queue was full.
    pub refused_spans: u64,
}

impl TraceStore {
    /// An empty store with these limits, and its thread, which files the spans recorded
    /// (`trace-store`, ending with the store).
    pub fn new(limits: StoreLimits) -> Self {
        let filer = Arc::new(Filer {
            state: Mutex::default(),
            filed: Condvar::new(),
        });
        let (incoming, spans) = std::sync::mpsc::sync_channel(INCOMING);
        let thread_filer = filer.clone();
        let thread_limits = limits.clone();
        // Without its thread (the system refused one) the queue is closed: every span is
        // counted as refused.
        let _ = std::thread::Builder::new()
            .name("trace-store".into())
            .spawn(move || thread_filer.run(&spans, &thread_limits));
        Self {
            limits,
            filer,
            incoming,
            sent: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        }
    }

    /// The limits it keeps to.
    pub fn limits(&self) -> &StoreLimits {
        &self.limits
    }

    /// The traces `filter` lets through, latest start first.
    pub fn traces(&self, filter: &TraceFilter) -> Vec<TraceSummary> {
        let state = self.state();
        let mut found: Vec<TraceSummary> = state
            .traces
            .iter()
            .filter(|(id, trace)| trace.matches(**id, filter))
            .map(|(id, trace)| trace.summary(*id))
            .collect();
        found.sort_by_key(|trace| std::cmp::Reverse((trace.start, trace.trace_id)));
        found
    }

    /// The kept spans of one trace, in the order they finished; `None` when it is not kept.
    pub fn trace(&self, trace_id: TraceId) -> Option<Vec<FinishedSpan>> {
        let state = self.state();
        Some(state.traces.get(&trace_id)?.spans.clone())
    }

    /// Each root operation with its traces per bucket, by name.
    pub fn operations(&self) -> Vec<OperationBuckets> {
        let state = self.state();
        let mut operations: Vec<OperationBuckets> = state
            .operations
            .iter()
            .map(|(operation, shelves)| OperationBuckets {
                operation: operation.to_string(),
                counts: shelves.each_ref().map(|shelf| shelf.live),
            })
            .collect();
        operations.sort_by(|a, b| a.operation.cmp(&b.operation));
        operations
    }

    /// What it holds now.
    pub fn usage(&self) -> StoreUsage {
        let state = self.state();
        StoreUsage {
            traces: state.traces.len(),
            spans: state.traces.values().map(|trace| trace.spans.len()).sum(),
            bytes: state.bytes,
            evicted_traces: state.evicted_traces,
            refused_spans: state.refused_spans + self.refused.load(Ordering::Relaxed),
        }
    }

    /// The state, once the spans recorded before this call are filed (or `READ_WAIT` has
    /// passed).
    fn state(&self) -> MutexGuard<'_, State> {
        let sent = self.sent.load(Ordering::Acquire);
        let state = lock(&self.filer.state);
        let (state, _) = self
            .filer
            .filed
            .wait_timeout_while(state, READ_WAIT, |state| state.received < sent)
            .unwrap_or_else(PoisonError::into_inner);
        state
    }
}

impl Default for TraceStore {
    /// An empty store with the default limits.
    fn default() -> Self {
        Self::new(StoreLimits::default())
    }
}

impl fmt::Debug for TraceStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceStore")
            .field("limits", &self.limits)
            .field("usage", &self.usage())
            .finish()
    }
}

impl Recorder for TraceStore {
    fn record(&self, span: FinishedSpan) {
        let size = span.estimated_size();
        match self.incoming.try_send((span, size)) {
            Ok(()) => {
                self.sent.fetch_add(1, Ordering::Release);
            }
            Err(_) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn supports_shared_spans(&self) -> bool {
        true
    }
}

impl Filer {
    /// Files spans as they come, up to a batch at a time, until the store is gone.
    fn run(&self, spans: &Receiver<(FinishedSpan, usize)>, limits: &StoreLimits) {
        while let Ok(first) = spans.recv() {
            let mut state = lock(&self.state);
            let mut next = Some(first);
            let mut batch = 0;
            while let Some((span, size)) = next {
                state.add(span, size, limits);
                state.received += 1;
                batch += 1;
                next = (batch < BATCH).then(|| spans.try_recv().ok()).flatten();
            }
            drop(state);
            self.filed.notify_all();
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
