//! How the trace store files traces: joined by trace id, each under its root operation and
//! bucket, and which it gives up first when full.

use std::collections::hash_map::Entry;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::bucket::Bucket;
use super::store::{StoreLimits, TraceFilter, TraceSummary};
use crate::finished::FinishedSpan;
use crate::ids::TraceId;

/// The traces, and the queues that say which to give up.
#[derive(Default)]
pub(super) struct State {
    /// Spans taken from the incoming queue, kept or not.
    pub(super) received: u64,
    pub(super) traces: foldhash::HashMap<TraceId, StoredTrace>,
    /// Every trace's filing, per bucket, oldest first: the front of the lowest goes first.
    by_bucket: [Filings; 6],
    /// The same per root operation, for its share of each bucket.
    pub(super) operations: foldhash::HashMap<Arc<str>, [Filings; 6]>,
    pub(super) bytes: usize,
    next_filing: u64,
    pub(super) evicted_traces: u64,
    pub(super) refused_spans: u64,
}

impl State {
    pub(super) fn add(&mut self, span: FinishedSpan, size: usize, limits: &StoreLimits) {
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
pub(super) struct Filings {
    queue: VecDeque<(TraceId, u64)>,
    pub(super) live: usize,
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
pub(super) struct StoredTrace {
    pub(super) spans: Vec<FinishedSpan>,
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

    pub(super) fn matches(&self, trace_id: TraceId, filter: &TraceFilter) -> bool {
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

    pub(super) fn summary(&self, trace_id: TraceId) -> TraceSummary {
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
