//! The global tracer. Its own test binary: it changes process-wide state.
#![cfg(feature = "mock")]

use std::sync::Barrier;

use opentracing_core::{
    MockTracer, NoopTracer, Tracer, global_tracer, is_global_tracer_registered,
    reset_global_tracer, set_global_tracer,
};

/// One test, so no other test sees the global tracer change under it.
#[test]
fn global_tracer_lifecycle() {
    // A no-op until set; the handle works before anything is registered.
    let handle = global_tracer();
    assert!(!is_global_tracer_registered());
    let span = handle.start_span("before");
    assert!(span.is_noop());
    assert!(handle.is_noop());

    // Set: the same handle now forwards to the mock.
    let first = MockTracer::new();
    set_global_tracer(first.clone());
    assert!(is_global_tracer_registered());
    assert!(!handle.is_noop());
    handle.start_span("first").finish();
    assert_eq!(first.finished_spans().len(), 1);

    // Set again: the last one wins, the flag stays set.
    let second = MockTracer::new();
    set_global_tracer(second.clone());
    global_tracer().start_span("second").finish();
    assert_eq!(first.finished_spans().len(), 1);
    assert_eq!(second.finished_spans()[0].operation_name(), "second");
    assert!(is_global_tracer_registered());

    // Setting from many threads at once is safe; one of them wins.
    let tracers: Vec<_> = (0..8).map(|_| MockTracer::new()).collect();
    let barrier = Barrier::new(tracers.len());
    std::thread::scope(|threads| {
        for tracer in &tracers {
            let barrier = &barrier;
            threads.spawn(move || {
                barrier.wait();
                set_global_tracer(tracer.clone());
                global_tracer().start_span("racing").finish();
            });
        }
    });
    global_tracer().start_span("after the race").finish();
    let winners = tracers
        .iter()
        .filter(|t| {
            t.finished_spans()
                .iter()
                .any(|s| s.operation_name() == "after the race")
        })
        .count();
    assert_eq!(winners, 1);

    // A dyn tracer can be installed too, and reset restores the no-op.
    set_global_tracer(std::sync::Arc::new(NoopTracer::new()) as std::sync::Arc<dyn Tracer>);
    assert!(global_tracer().start_span("noop").is_noop());
    assert!(global_tracer().is_noop());
    reset_global_tracer();
    assert!(!is_global_tracer_registered());
    assert!(global_tracer().start_span("reset").is_noop());
}
