//! 10 000 requests, 256 in flight, through client layer → server layer → nested client
//! call → server layer, over real connections: every span has the right parent and
//! finishes once.

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use http_body_util::BodyExt;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::{FinishedSpan, InMemoryRecorder, TraceId, Tracer, WithSpan};
use support::{hyper_client, serve};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::{Layer, ServiceExt, service_fn};
use tracing_tower::{ClientTracingLayer, ServerTracingLayer};

const REQUESTS: usize = 10_000;
const IN_FLIGHT: usize = 256;
/// Spans per request: root, client, frontend server, nested client, backend server.
const SPANS_PER_TRACE: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_span_has_the_right_parent_under_load() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("load", recorder.clone());
    let client_layer = |name: &'static str| {
        ClientTracingLayer::new(tracer.clone())
            .operation_name_with(move |_: &Request<String>| name.to_owned())
    };
    let server_layer = |name: &'static str| {
        ServerTracingLayer::new(tracer.clone())
            .operation_name_with(move |_: &Request<hyper::body::Incoming>| name.to_owned())
    };

    let backend = serve(server_layer("backend").layer(service_fn(|_| support::answer("b")))).await;
    let nested = client_layer("call backend").layer(hyper_client());
    let frontend = serve(server_layer("frontend").layer(service_fn(move |_| {
        let nested = nested.clone();
        async move {
            let request = Request::get(format!("http://{backend}/"))
                .body(String::new())
                .unwrap();
            let response = nested.oneshot(request).await?;
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Response::new(
                String::from_utf8_lossy(&body).into_owned(),
            ))
        }
    })))
    .await;

    let client = client_layer("call frontend").layer(hyper_client());
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut tasks = JoinSet::new();
    for _ in 0..REQUESTS {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let client = client.clone();
        let root = tracer.start_span("root");
        tasks.spawn(
            async move {
                let request = Request::get(format!("http://{frontend}/"))
                    .body(String::new())
                    .unwrap();
                let response = client.oneshot(request).await.unwrap();
                let body = response.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(body, "b");
                drop(permit);
            }
            .with_span(root.clone()),
        );
        drop(root);
        while tasks.try_join_next().is_some() {}
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap();
    }
    // Servers finish their spans just after sending the last byte.
    for _ in 0..500 {
        if recorder.spans().len() >= REQUESTS * SPANS_PER_TRACE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let spans = recorder.take();
    assert_eq!(spans.len(), REQUESTS * SPANS_PER_TRACE);
    let ids: HashSet<_> = spans.iter().map(|s| s.context().span_id()).collect();
    assert_eq!(
        ids.len(),
        spans.len(),
        "a span finished twice or ids collided"
    );

    let mut traces: HashMap<TraceId, Vec<&FinishedSpan>> = HashMap::new();
    for span in &spans {
        traces
            .entry(span.context().trace_id())
            .or_default()
            .push(span);
    }
    assert_eq!(traces.len(), REQUESTS);
    let chain = [
        "root",
        "call frontend",
        "frontend",
        "call backend",
        "backend",
    ];
    for trace in traces.values() {
        let by_name = |name: &str| {
            let mut named = trace.iter().filter(|s| s.operation_name() == name);
            let span = named
                .next()
                .unwrap_or_else(|| panic!("no {name} in {trace:#?}"));
            assert!(named.next().is_none(), "two {name} in one trace");
            *span
        };
        assert_eq!(by_name("root").parent_id(), None);
        for pair in chain.windows(2) {
            let (parent, child) = (by_name(pair[0]), by_name(pair[1]));
            assert_eq!(
                child.parent_id(),
                Some(parent.context().span_id()),
                "{pair:?}"
            );
        }
    }
}
