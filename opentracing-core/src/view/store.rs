//! A bounded store of recent traces, for the trace viewer: spans joined by trace id, each
//! trace filed under its root operation in a bucket by duration or error, the routine ones
//! given up first when the store is full.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
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
    state: Mutex<State>,
}

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
    /// Spans not kept: past a trace's span limit, or larger than the byte limit.
    pub refused_spans: u64,
}

impl TraceStore {
    /// An empty store with these limits.
    pub fn new(limits: StoreLimits) -> Self {
        Self {
            limits,
            state: Mutex::default(),
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
        let mut counts: BTreeMap<&str, [usize; 6]> = BTreeMap::new();
        for ((operation, bucket), traces) in &state.by_bucket {
            counts.entry(operation).or_default()[*bucket as usize] += traces.len();
        }
        counts
            .into_iter()
            .map(|(operation, counts)| OperationBuckets {
                operation: operation.to_owned(),
                counts,
            })
            .collect()
    }

    /// What it holds now.
    pub fn usage(&self) -> StoreUsage {
        let state = self.state();
        StoreUsage {
            traces: state.traces.len(),
            spans: state.traces.values().map(|trace| trace.spans.len()).sum(),
            bytes: state.bytes,
            evicted_traces: state.evicted_traces,
            refused_spans: state.refused_spans,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
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
        self.state().add(span, size, &self.limits);
    }

    fn supports_shared_spans(&self) -> bool {
        true
    }
}

/// The traces, and two indexes over them for giving traces up.
#[derive(Default)]
struct State {
    traces: HashMap<TraceId, StoredTrace>,
    /// Every filed trace by (bucket, age): the first is the one to give up.
    by_rank: BTreeMap<(Bucket, u64), TraceId>,
    /// Every filed trace by (root operation, bucket), then age.
    by_bucket: HashMap<(Arc<str>, Bucket), BTreeMap<u64, TraceId>>,
    bytes: usize,
    next_age: u64,
    evicted_traces: u64,
    refused_spans: u64,
}

impl State {
    fn add(&mut self, span: FinishedSpan, size: usize, limits: &StoreLimits) {
        let trace_id = span.context().trace_id();
        let full = self
            .traces
            .get(&trace_id)
            .is_some_and(|trace| trace.spans.len() >= limits.max_spans_per_trace);
        if full || size > limits.max_bytes {
            self.refused_spans += 1;
            return;
        }
        while self.bytes + size > limits.max_bytes && self.evict_lowest(trace_id) {}
        if self.bytes + size > limits.max_bytes {
            // Only this trace is left, and it is as large as the store may be.
            self.refused_spans += 1;
            return;
        }
        let age = self.next_age;
        let trace = self
            .traces
            .entry(trace_id)
            .or_insert_with(|| StoredTrace::new(age, &span));
        if trace.age == age {
            self.next_age += 1;
        }
        let filed_before = (!trace.spans.is_empty()).then(|| trace.filed());
        trace.push(span, size);
        let filed = trace.filed();
        let age = trace.age;
        self.bytes += size;
        if filed_before.as_ref() != Some(&filed) {
            if let Some(before) = filed_before {
                self.unfile(&before, age);
            }
            self.by_rank.insert((filed.1, age), trace_id);
            let bucket = self.by_bucket.entry(filed.clone()).or_default();
            bucket.insert(age, trace_id);
            if bucket.len() > limits.traces_per_bucket {
                let oldest = bucket.values().copied().find(|id| *id != trace_id);
                if let Some(oldest) = oldest {
                    self.evict(oldest);
                }
            }
        }
        while self.traces.len() > limits.max_traces && self.evict_lowest(trace_id) {}
    }

    /// Gives up the lowest-ranked, oldest trace other than `keep`; `false` if there is none.
    fn evict_lowest(&mut self, keep: TraceId) -> bool {
        let lowest = self.by_rank.values().copied().find(|id| *id != keep);
        lowest.map(|id| self.evict(id)).is_some()
    }

    fn evict(&mut self, trace_id: TraceId) {
        if let Some(trace) = self.traces.remove(&trace_id) {
            self.bytes -= trace.bytes;
            self.unfile(&trace.filed(), trace.age);
            self.evicted_traces += 1;
        }
    }

    fn unfile(&mut self, (operation, bucket): &(Arc<str>, Bucket), age: u64) {
        self.by_rank.remove(&(*bucket, age));
        let key = (operation.clone(), *bucket);
        if let Some(traces) = self.by_bucket.get_mut(&key) {
            traces.remove(&age);
            if traces.is_empty() {
                self.by_bucket.remove(&key);
            }
        }
    }
}

/// One kept trace.
struct StoredTrace {
    spans: Vec<FinishedSpan>,
    bytes: usize,
    /// When its first span arrived, as a count of traces seen before it.
    age: u64,
    /// Its root operation: of its first span without a parent, else of its earliest span.
    operation: Arc<str>,
    has_root: bool,
    start: SystemTime,
    end: SystemTime,
    errors: usize,
}

impl StoredTrace {
    fn new(age: u64, first: &FinishedSpan) -> Self {
        Self {
            spans: Vec::new(),
            bytes: 0,
            age,
            operation: first.operation_name().into(),
            has_root: false,
            start: first.start_time(),
            end: first.finish_time(),
            errors: 0,
        }
    }

    fn push(&mut self, span: FinishedSpan, size: usize) {
        let is_root = span.parent_id().is_none();
        if is_root && !self.has_root {
            self.has_root = true;
            self.operation = span.operation_name().into();
        } else if !self.has_root && span.start_time() < self.start {
            self.operation = span.operation_name().into();
        }
        self.start = self.start.min(span.start_time());
        self.end = self.end.max(span.finish_time());
        self.errors += usize::from(span.is_error());
        self.bytes += size;
        self.spans.push(span);
    }

    fn duration(&self) -> Duration {
        self.end.duration_since(self.start).unwrap_or_default()
    }

    /// Where it is filed: its root operation and bucket.
    fn filed(&self) -> (Arc<str>, Bucket) {
        (
            self.operation.clone(),
            Bucket::of(self.duration(), self.errors > 0),
        )
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
            bucket: Bucket::of(self.duration(), self.errors > 0),
        }
    }
}
