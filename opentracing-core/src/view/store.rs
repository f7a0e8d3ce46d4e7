//! A bounded store of recent traces, for the trace viewer: spans joined by trace id, each
//! trace filed under its root operation in a bucket by duration or error, the routine ones
//! given up first when the store is full.

use std::collections::hash_map::Entry;
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use crate::finished::FinishedSpan;
use crate::ids::TraceId;
use crate::recorder::Recorder;

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

/// How much a [`TraceStore`] keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreLimits {
    max_traces: usize,
    max_bytes: usize,
    max_spans_per_trace: usize,
    traces_per_bucket: usize,
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

/// The traces, and the queues that say which to give up.
#[derive(Default)]
struct State {
    /// Spans taken from the incoming queue, kept or not.
    received: u64,
    traces: foldhash::HashMap<TraceId, StoredTrace>,
    /// Every trace's filing, per bucket, oldest first: the front of the lowest goes first.
    by_bucket: [Filings; 6],
    /// The same per root operation, for its share of each bucket.
    operations: foldhash::HashMap<Arc<str>, [Filings; 6]>,
    bytes: usize,
    next_filing: u64,
    evicted_traces: u64,
    refused_spans: u64,
}

impl State {
    fn add(&mut self, span: FinishedSpan, size: usize, limits: &StoreLimits) {
        let trace_id = span.context().trace_id();
        let known = self.traces.get(&trace_id);
        let full = known.is_some_and(|trace| trace.spans.len() >= limits.max_spans_per_trace);
        if full || size > limits.max_bytes {
            self.refused_spans += 1;
            return;
        }
        let names_operation = known.is_none_or(|trace| trace.named_by(&span));
        while self.bytes + size > limits.max_bytes && self.evict_lowest(trace_id) {}
        if self.bytes + size > limits.max_bytes {
            // Only this trace is left, and it is as large as the store may be.
            self.refused_spans += 1;
            return;
        }
        let operation = names_operation.then(|| self.intern(span.operation_name()));
        self.bytes += size;
        let trace = match self.traces.entry(trace_id) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let operation = operation
                    .clone()
                    .unwrap_or_else(|| span.operation_name().into());
                entry.insert(StoredTrace::new(operation, &span))
            }
        };
        if let Some(operation) = operation {
            trace.operation = operation;
        }
        trace.push(span, size);
        let bucket = trace.bucket();
        let moved = trace.filed.as_ref().is_none_or(|(operation, filed)| {
            !Arc::ptr_eq(operation, &trace.operation) || *filed != bucket
        });
        if moved {
            let filing = self.next_filing;
            self.next_filing += 1;
            trace.filing = filing;
            let operation = trace.operation.clone();
            if let Some((before, bucket)) = trace.filed.replace((operation.clone(), bucket)) {
                self.unfile(&before, bucket);
            }
            self.file(trace_id, filing, operation, bucket, limits);
        }
        while self.traces.len() > limits.max_traces && self.evict_lowest(trace_id) {}
    }

    /// The operation name shared with the traces already filed under it.
    fn intern(&self, name: &str) -> Arc<str> {
        match self.operations.get_key_value(name) {
            Some((operation, _)) => operation.clone(),
            None => name.into(),
        }
    }

    /// Files a trace under its operation and bucket; past the operation's share of the
    /// bucket, its oldest there goes.
    fn file(
        &mut self,
        trace_id: TraceId,
        filing: u64,
        operation: Arc<str>,
        bucket: Bucket,
        limits: &StoreLimits,
    ) {
        let index = bucket as usize;
        self.by_bucket[index].push(trace_id, filing, &self.traces);
        let shelf = &mut self.operations.entry(operation).or_default()[index];
        shelf.push(trace_id, filing, &self.traces);
        let mut over = Vec::new();
        while shelf.live > limits.traces_per_bucket {
            match shelf.pop_current(&self.traces, trace_id) {
                Some(oldest) => {
                    // Given up below, which counts it off the shelf.
                    shelf.live -= 1;
                    over.push(oldest);
                }
                None => break,
            }
        }
        for oldest in over {
            self.evict_filed(oldest, false);
        }
    }

    /// Counts a trace off its bucket and its operation's shelf.
    fn unfile(&mut self, operation: &Arc<str>, bucket: Bucket) {
        let index = bucket as usize;
        self.by_bucket[index].live -= 1;
        self.unshelve(operation, index);
    }

    fn unshelve(&mut self, operation: &Arc<str>, index: usize) {
        if let Some(shelves) = self.operations.get_mut(operation) {
            shelves[index].live -= 1;
            if shelves.iter().all(|shelf| shelf.live == 0) {
                self.operations.remove(operation);
            }
        }
    }

    /// Gives up the oldest trace of the lowest bucket other than `keep`; `false` if there
    /// is none.
    fn evict_lowest(&mut self, keep: TraceId) -> bool {
        let found = self
            .by_bucket
            .iter_mut()
            .find_map(|filings| filings.pop_current(&self.traces, keep));
        match found {
            Some(trace_id) => {
                self.evict_filed(trace_id, true);
                true
            }
            None => false,
        }
    }

    /// Gives up a trace whose filing was just taken off its bucket's queue (`from_bucket`)
    /// or its shelf.
    fn evict_filed(&mut self, trace_id: TraceId, from_bucket: bool) {
        let Some(trace) = self.traces.remove(&trace_id) else {
            return;
        };
        self.bytes -= trace.bytes;
        self.evicted_traces += 1;
        if let Some((operation, bucket)) = &trace.filed {
            let index = *bucket as usize;
            self.by_bucket[index].live -= 1;
            if from_bucket {
                self.unshelve(operation, index);
            } else if self
                .operations
                .get(operation)
                .is_some_and(|shelves| shelves.iter().all(|shelf| shelf.live == 0))
            {
                self.operations.remove(operation);
            }
        }
    }
}

/// Filings of traces, oldest first, and how many are still current. A trace filed again or
/// given up leaves a stale entry, skipped when met and swept once they outnumber the rest.
#[derive(Default)]
struct Filings {
    queue: VecDeque<(TraceId, u64)>,
    live: usize,
}

impl Filings {
    fn push(
        &mut self,
        trace_id: TraceId,
        filing: u64,
        traces: &foldhash::HashMap<TraceId, StoredTrace>,
    ) {
        if self.queue.len() > 2 * self.live + 16 {
            self.queue
                .retain(|(id, filing)| is_current(traces, *id, *filing));
        }
        self.queue.push_back((trace_id, filing));
        self.live += 1;
    }

    /// Takes the oldest current filing of a trace other than `keep` off the queue (the
    /// caller counts it off `live`); stale ones before it go too.
    fn pop_current(
        &mut self,
        traces: &foldhash::HashMap<TraceId, StoredTrace>,
        keep: TraceId,
    ) -> Option<TraceId> {
        while let Some(&(trace_id, filing)) = self.queue.front() {
            if !is_current(traces, trace_id, filing) {
                self.queue.pop_front();
            } else if trace_id == keep {
                let later = self
                    .queue
                    .iter()
                    .skip(1)
                    .position(|(id, filing)| *id != keep && is_current(traces, *id, *filing))?;
                return self.queue.remove(later + 1).map(|(id, _)| id);
            } else {
                self.queue.pop_front();
                return Some(trace_id);
            }
        }
        None
    }
}

fn is_current(
    traces: &foldhash::HashMap<TraceId, StoredTrace>,
    trace_id: TraceId,
    filing: u64,
) -> bool {
    traces
        .get(&trace_id)
        .is_some_and(|trace| trace.filing == filing)
}

/// One kept trace.
struct StoredTrace {
    spans: Vec<FinishedSpan>,
    bytes: usize,
    /// Its root operation: of its first span without a parent, else of its earliest span.
    operation: Arc<str>,
    has_root: bool,
    start: SystemTime,
    end: SystemTime,
    errors: usize,
    /// Where it is filed, and the number of that filing.
    filed: Option<(Arc<str>, Bucket)>,
    filing: u64,
}

impl StoredTrace {
    fn new(operation: Arc<str>, first: &FinishedSpan) -> Self {
        Self {
            spans: Vec::new(),
            bytes: 0,
            operation,
            has_root: false,
            start: first.start_time(),
            end: first.finish_time(),
            errors: 0,
            filed: None,
            filing: 0,
        }
    }

    /// Whether `span`, about to be added, names the trace's operation: the first root, or
    /// an earlier span while there is no root.
    fn named_by(&self, span: &FinishedSpan) -> bool {
        !self.has_root && (span.parent_id().is_none() || span.start_time() < self.start)
    }

    fn push(&mut self, span: FinishedSpan, size: usize) {
        self.has_root |= span.parent_id().is_none();
        self.start = self.start.min(span.start_time());
        self.end = self.end.max(span.finish_time());
        self.errors += usize::from(span.is_error());
        self.bytes += size;
        self.spans.push(span);
    }

    fn bucket(&self) -> Bucket {
        Bucket::of(self.duration(), self.errors > 0)
    }

    fn duration(&self) -> Duration {
        self.end.duration_since(self.start).unwrap_or_default()
    }

    fn services(&self) -> Vec<String> {
        let services: HashSet<&str> = self
            .spans
            .iter()
            .filter_map(FinishedSpan::service_name)
            .collect();
        let mut services: Vec<String> = services.into_iter().map(str::to_owned).collect();
        services.sort();
        services
    }

    fn matches(&self, trace_id: TraceId, filter: &TraceFilter) -> bool {
        filter.trace_id.is_none_or(|id| id == trace_id)
            && filter
                .operation
                .as_deref()
                .is_none_or(|operation| *self.operation == *operation)
            && filter.service.as_deref().is_none_or(|service| {
                self.spans
                    .iter()
                    .any(|span| span.service_name() == Some(service))
            })
            && (!filter.errors_only || self.errors > 0)
            && filter.min_duration.is_none_or(|min| self.duration() >= min)
    }

    fn summary(&self, trace_id: TraceId) -> TraceSummary {
        TraceSummary {
            trace_id,
            operation: self.operation.to_string(),
            services: self.services(),
            start: self.start,
            duration: self.duration(),
            spans: self.spans.len(),
            errors: self.errors,
            bucket: self.bucket(),
        }
    }
}
