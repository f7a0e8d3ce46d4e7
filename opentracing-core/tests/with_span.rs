//! The active span across `.await`, threads and spawned tasks.
#![cfg(all(feature = "mock", feature = "tokio"))]

use std::time::Duration;

use opentracing_core::{MockTracer, ReferenceType, Tracer, Value, WithSpan, in_span, tags, task};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instrumented_future_sees_its_span_on_every_poll() {
    let tracer = MockTracer::new();
    let span = tracer.start_span("request");
    let seen = {
        let tracer = tracer.clone();
        let expected = span.clone();
        async move {
            let mut seen = Vec::new();
            for _ in 0..10 {
                seen.push(tracer.active_span() == Some(expected.clone()));
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            seen
        }
        .with_span(span.clone())
    };
    let seen = tokio::spawn(seen).await.unwrap();
    assert!(seen.iter().all(|&active| active));
    assert_eq!(
        tracer.active_span(),
        None,
        "nothing leaks onto the polling thread"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_helpers_carry_the_active_span_on_purpose() {
    let tracer = MockTracer::new();
    let parent = tracer.start_span("parent");
    let (spawned, blocking, plain) = async {
        let spawned = task::spawn({
            let tracer = tracer.clone();
            async move { tracer.start_span("spawned").finish() }
        });
        let blocking = task::spawn_blocking({
            let tracer = tracer.clone();
            move || tracer.start_span("blocking").finish()
        });
        let plain = tokio::spawn({
            let tracer = tracer.clone();
            async move { tracer.start_span("plain").finish() }
        });
        (spawned, blocking, plain)
    }
    .with_span(parent.clone())
    .await;
    spawned.await.unwrap();
    blocking.await.unwrap();
    plain.await.unwrap();
    let parent_id = parent.context().map(|c| c.span_id());
    for span in tracer.finished_spans() {
        let expected = if span.operation_name() == "plain" {
            None
        } else {
            parent_id
        };
        assert_eq!(span.parent_id(), expected, "{}", span.operation_name());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_follows_from_finishes_with_the_task() {
    let tracer = MockTracer::new();
    let parent = tracer.start_span("parent");
    let handle = in_span(&parent, || {
        task::spawn_follows_from(&tracer, "background", {
            let tracer = tracer.clone();
            async move {
                let active = tracer.active_span().expect("the background span is active");
                active.set_tag(tags::COMPONENT, "worker");
            }
        })
    });
    handle.await.unwrap();
    let background = &tracer.finished_spans()[0];
    assert_eq!(background.operation_name(), "background");
    assert_eq!(
        background.references()[0].kind(),
        ReferenceType::FollowsFrom
    );
    assert_eq!(
        background.parent_id(),
        parent.context().map(|c| c.span_id())
    );
    assert_eq!(
        background.tag(tags::COMPONENT),
        Some(&Value::from("worker"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_instrumented_task_marks_its_span() {
    let tracer = MockTracer::new();
    let span = tracer.start_span("doomed");
    let result = tokio::spawn(async { panic!("handler bug") }.with_span(span.clone())).await;
    assert!(result.unwrap_err().is_panic());
    span.finish();
    assert_eq!(
        tracer.finished_spans()[0].tag(tags::ERROR),
        Some(&Value::Bool(true))
    );
}

/// `tracing::Instrument` and ours extend every future: a module that imports both (common
/// in axum code) compiles, and each wrapper does its part.
#[tokio::test]
async fn both_extensions_can_be_imported_together() {
    use tracing::Instrument;

    let tracer = MockTracer::new();
    let span = tracer.start_span("request");
    let expected = span.clone();
    let seen = async move { tracer.active_span() == Some(expected) }
        .with_span(span.clone())
        .instrument(tracing::info_span!("request"))
        .in_current_span()
        .await;
    assert!(seen);
}
