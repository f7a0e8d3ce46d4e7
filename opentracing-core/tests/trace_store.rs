//! The trace viewer's store: traces joined across services, filed by operation and bucket,
//! filtered, and kept within its limits, the slow and failed ones longest.
#![cfg(all(feature = "view", feature = "reference"))]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use opentracing_core::reference::ReferenceTracer;
use opentracing_core::view::{Bucket, StoreLimits, TraceFilter, TraceStore};
use opentracing_core::{Span, TraceId, Tracer, tags};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn at(millis: u64) -> SystemTime {
    t0() + Duration::from_millis(millis)
}

/// A one-span trace named `name`, starting at `start` ms and lasting `millis`, failed or not.
fn trace(tracer: &ReferenceTracer, name: &str, start: u64, millis: u64, failed: bool) -> TraceId {
    let span = tracer
        .span_builder(name.to_owned())
        .start_time(at(start))
        .start();
    if failed {
        span.set_tag(tags::ERROR, true);
    }
    let id = span.context().unwrap().trace_id();
    span.finish_at(at(start + millis));
    id
}

fn store(limits: StoreLimits) -> (Arc<TraceStore>, ReferenceTracer) {
    let store = Arc::new(TraceStore::new(limits));
    let tracer = ReferenceTracer::new("shop", store.clone());
    (store, tracer)
}

#[test]
fn spans_of_one_trace_from_two_services_are_joined_under_the_root_operation() {
    let store = Arc::new(TraceStore::default());
    let frontend = ReferenceTracer::new("frontend", store.clone());
    let backend = ReferenceTracer::new("backend", store.clone());
    let root = frontend
        .span_builder("GET /checkout")
        .start_time(at(0))
        .start();
    let call: Span = frontend
        .span_builder("GET")
        .child_of(&root)
        .start_time(at(1))
        .start();
    let served = backend
        .span_builder("GET /stock")
        .child_of(&call)
        .start_time(at(2))
        .start();
    served.set_tag(tags::ERROR, true);
    // Children finish first: until the root arrives the trace is filed under its earliest.
    served.finish_at(at(40));
    call.finish_at(at(41));
    assert_eq!(store.traces(&TraceFilter::default())[0].operation, "GET");
    root.finish_at(at(42));

    let traces = store.traces(&TraceFilter::default());
    assert_eq!(traces.len(), 1);
    let trace = &traces[0];
    assert_eq!(trace.trace_id, root.context().unwrap().trace_id());
    assert_eq!(trace.operation, "GET /checkout");
    assert_eq!(trace.services, ["backend", "frontend"]);
    assert_eq!((trace.spans, trace.errors), (3, 1));
    assert_eq!(trace.start, at(0));
    assert_eq!(trace.duration, Duration::from_millis(42));
    assert_eq!(trace.bucket, Bucket::Errors);
    assert_eq!(store.trace(trace.trace_id).unwrap().len(), 3);
    let operations = store.operations();
    assert_eq!(operations.len(), 1, "{operations:?}");
    assert_eq!(operations[0].operation, "GET /checkout");
    assert_eq!(operations[0].counts, [0, 0, 0, 0, 0, 1]);
}

#[test]
fn traces_are_filed_by_duration_and_error_and_filtered() {
    let (store, tracer) = store(StoreLimits::default());
    let fast = trace(&tracer, "GET /a", 0, 5, false);
    let slow = trace(&tracer, "GET /a", 10, 150, false);
    let failed = trace(&tracer, "GET /a", 20, 1, true);
    let other = trace(&tracer, "GET /b", 30, 12_000, false);
    let buckets: Vec<(String, [usize; 6])> = store
        .operations()
        .into_iter()
        .map(|operation| (operation.operation, operation.counts))
        .collect();
    assert_eq!(
        buckets,
        [
            ("GET /a".to_owned(), [1, 0, 1, 0, 0, 1]),
            ("GET /b".to_owned(), [0, 0, 0, 0, 1, 0]),
        ]
    );
    let ids = |filter: TraceFilter| -> Vec<TraceId> {
        store.traces(&filter).iter().map(|t| t.trace_id).collect()
    };
    // Latest start first.
    assert_eq!(ids(TraceFilter::default()), [other, failed, slow, fast]);
    let by_operation = TraceFilter {
        operation: Some("GET /a".into()),
        ..TraceFilter::default()
    };
    assert_eq!(ids(by_operation), [failed, slow, fast]);
    let errors = TraceFilter {
        errors_only: true,
        ..TraceFilter::default()
    };
    assert_eq!(ids(errors), [failed]);
    let slower = TraceFilter {
        min_duration: Some(Duration::from_millis(100)),
        ..TraceFilter::default()
    };
    assert_eq!(ids(slower), [other, slow]);
    let one = TraceFilter {
        trace_id: Some(slow),
        ..TraceFilter::default()
    };
    assert_eq!(ids(one), [slow]);
    let service = TraceFilter {
        service: Some("nobody".into()),
        ..TraceFilter::default()
    };
    assert_eq!(ids(service), []);
}

#[test]
fn a_full_store_gives_up_routine_traces_before_slow_and_failed_ones() {
    let (store, tracer) = store(StoreLimits::default().max_traces(10));
    let slow = trace(&tracer, "GET /a", 0, 500, false);
    let failed = trace(&tracer, "GET /a", 1, 2, true);
    let mut routine = Vec::new();
    for i in 0..20 {
        routine.push(trace(&tracer, "GET /a", 10 + i, 1, false));
    }
    let kept: Vec<TraceId> = store
        .traces(&TraceFilter::default())
        .iter()
        .map(|t| t.trace_id)
        .collect();
    assert_eq!(kept.len(), 10);
    assert!(kept.contains(&slow) && kept.contains(&failed), "{kept:?}");
    // The latest eight routine ones remain.
    for id in &routine[12..] {
        assert!(kept.contains(id));
    }
    assert_eq!(store.usage().evicted_traces, 12);
}

#[test]
fn each_operation_keeps_at_most_its_share_of_a_bucket() {
    let (store, tracer) = store(StoreLimits::default().traces_per_bucket(3));
    let failed: Vec<TraceId> = (0..5)
        .map(|i| trace(&tracer, "GET /a", i, 1, true))
        .collect();
    let other = trace(&tracer, "GET /b", 10, 1, true);
    let errors = TraceFilter {
        errors_only: true,
        ..TraceFilter::default()
    };
    let kept: Vec<TraceId> = store.traces(&errors).iter().map(|t| t.trace_id).collect();
    assert_eq!(kept, [other, failed[4], failed[3], failed[2]]);
}

#[test]
fn memory_stays_within_the_byte_limit_and_oversized_spans_are_refused() {
    let limit = 64 * 1024;
    let (store, tracer) = store(
        StoreLimits::default()
            .max_bytes(limit)
            .max_traces(100_000)
            .max_spans_per_trace(50),
    );
    let big = "x".repeat(2_000);
    for i in 0..2_000u64 {
        let root = tracer.span_builder(format!("op {}", i % 37)).start();
        for _ in 0..(i % 7) {
            let child = tracer.span_builder("child").child_of(&root).start();
            child.set_tag("payload", big.clone());
            child.finish();
        }
        root.finish();
        let usage = store.usage();
        assert!(usage.bytes <= limit, "{usage:?}");
    }
    let usage = store.usage();
    assert!(usage.evicted_traces > 0, "{usage:?}");
    assert!(usage.traces > 1, "{usage:?}");

    // One span larger than the whole store is counted, not kept.
    let refused = store.usage().refused_spans;
    let span = tracer.start_span("huge");
    span.set_tag("payload", "y".repeat(limit));
    span.finish();
    assert_eq!(store.usage().refused_spans, refused + 1);
    let huge = TraceFilter {
        operation: Some("huge".into()),
        ..TraceFilter::default()
    };
    assert!(store.traces(&huge).is_empty());
}

#[test]
fn spans_past_a_traces_limit_are_counted_not_kept() {
    let (store, tracer) = store(StoreLimits::default().max_spans_per_trace(5));
    let root = tracer.start_span("root");
    for _ in 0..9 {
        tracer
            .span_builder("child")
            .child_of(&root)
            .start()
            .finish();
    }
    root.finish();
    let usage = store.usage();
    assert_eq!((usage.spans, usage.refused_spans), (5, 5));
}
