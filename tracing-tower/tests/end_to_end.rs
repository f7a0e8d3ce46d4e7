//! Both layers over real connections: a hyper server on `127.0.0.1:0` behind the server
//! layer, called by hyper-util's client behind the client layer.

mod support;

use std::sync::Arc;

use http::Request;
use opentracing_core::propagation::{B3, Codec, Jaeger, OtHeaders, W3cTraceContext};
use opentracing_core::reference::{Propagator, ReferenceTracer};
use opentracing_core::{InMemoryRecorder, tags};
use support::{hyper_client, only, serve, str_tag, text};
use tower::{Layer, ServiceExt, service_fn};
use tracing_tower::{ClientTracingLayer, ServerTracingLayer};

fn tracer_speaking(
    codec: impl Codec + 'static,
    recorder: &Arc<InMemoryRecorder>,
) -> ReferenceTracer {
    ReferenceTracer::builder("e2e", recorder.clone())
        .propagator(Propagator::empty().codec(codec).w3c_baggage(false))
        .build()
}

async fn server_is_child_of_client(tracer: ReferenceTracer, recorder: &InMemoryRecorder) {
    let server = ServerTracingLayer::new(tracer.clone())
        .operation_name_with(|_: &Request<hyper::body::Incoming>| "serve".to_owned())
        .layer(service_fn(|_| support::answer("pong")));
    let addr = serve(server).await;
    let client = ClientTracingLayer::new(tracer)
        .operation_name_with(|_: &Request<String>| "call".to_owned())
        .layer(hyper_client());

    let request = Request::get(format!("http://{addr}/ping?x=1"))
        .body(String::new())
        .unwrap();
    let response = client.oneshot(request).await.unwrap();
    assert_eq!(text(response.into_body()).await, "pong");
    // The server finishes its span once the body is sent; give it a moment to get there.
    for _ in 0..200 {
        if recorder.spans().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    let spans = recorder.spans();
    let call = only(&spans, "call");
    let serve = only(&spans, "serve");
    assert_eq!(serve.context().trace_id(), call.context().trace_id());
    assert_eq!(serve.parent_id(), Some(call.context().span_id()));
    assert_eq!(str_tag(&serve, tags::PEER_HOST_IPV4), Some("127.0.0.1"));
    assert_eq!(str_tag(&call, tags::PEER_HOST_IPV4), Some("127.0.0.1"));
    assert_eq!(
        call.tag(tags::PEER_PORT).and_then(|v| v.as_i64()),
        Some(i64::from(addr.port()))
    );
    assert_eq!(str_tag(&serve, tags::HTTP_URL), Some("/ping?x=REDACTED"));
    for span in [&call, &serve] {
        assert_eq!(
            span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
            Some(200)
        );
        assert_eq!(
            str_tag(span, tracing_tower::FINISH_REASON),
            Some("complete")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w3c_trace_context() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(W3cTraceContext, &recorder), &recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b3_multi_header() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(B3::multi(), &recorder), &recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b3_single_header() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(B3::single(), &recorder), &recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jaeger() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(Jaeger, &recorder), &recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opentracing_headers() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(OtHeaders, &recorder), &recorder).await;
}
