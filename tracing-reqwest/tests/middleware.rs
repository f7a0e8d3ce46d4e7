//! The middleware against real axum servers on `127.0.0.1:0`, traced by tracing-tower.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use opentracing_core::propagation::{B3, Codec, Jaeger, OtHeaders, W3cTraceContext};
use opentracing_core::reference::{Propagator, ReferenceTracer};
use opentracing_core::{
    FinishedSpan, InMemoryRecorder, SpanContext, SpanId, TraceId, Tracer, WithSpan, logs, tags,
};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use tracing_reqwest::{ClientSpanOptions, FinishAt, TracingMiddleware};
use tracing_tower::{FINISH_REASON, ServerTracingLayer};

fn str_tag<'a>(span: &'a FinishedSpan, key: &str) -> Option<&'a str> {
    span.tag(key)?.as_str()
}

fn named(spans: &[FinishedSpan], name: &str) -> Vec<FinishedSpan> {
    spans
        .iter()
        .filter(|s| s.operation_name() == name)
        .cloned()
        .collect()
}

fn tracer(recorder: &Arc<InMemoryRecorder>, codec: impl Codec + 'static) -> ReferenceTracer {
    ReferenceTracer::builder("test", recorder.clone())
        .propagator(Propagator::empty().codec(codec))
        .build()
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A server traced by `tracer` whose spans are named `serve`.
async fn traced_server(tracer: ReferenceTracer, app: Router) -> SocketAddr {
    let layer = ServerTracingLayer::new(tracer)
        .operation_name_with(|_: &axum::http::Request<axum::body::Body>| "serve".to_owned());
    serve(app.layer(layer)).await
}

fn client(tracer: ReferenceTracer) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(tracer))
        .build()
}

/// Waits until `recorder` holds `count` spans: servers finish theirs just after the last
/// byte is sent, which the client may see first.
async fn spans(recorder: &InMemoryRecorder, count: usize) -> Vec<FinishedSpan> {
    for _ in 0..500 {
        if recorder.spans().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let spans = recorder.spans();
    assert_eq!(spans.len(), count, "{spans:#?}");
    spans
}

async fn server_is_child_of_client(codec: impl Codec + Clone + 'static) {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = tracer(&recorder, codec);
    let addr = traced_server(
        tracer.clone(),
        Router::new().route("/", get(|| async { "ok" })),
    )
    .await;
    let response = client(tracer)
        .get(format!("http://{addr}/?q=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "ok");

    let spans = spans(&recorder, 2).await;
    let call = &named(&spans, "GET")[0];
    let serve = &named(&spans, "serve")[0];
    assert_eq!(serve.context().trace_id(), call.context().trace_id());
    assert_eq!(serve.parent_id(), Some(call.context().span_id()));
    assert_eq!(str_tag(call, tags::SPAN_KIND), Some("client"));
    assert_eq!(str_tag(call, tags::COMPONENT), Some("tracing-reqwest"));
    assert_eq!(str_tag(call, tags::HTTP_METHOD), Some("GET"));
    assert_eq!(
        str_tag(call, tags::HTTP_URL),
        Some(format!("http://{addr}/?q=REDACTED").as_str())
    );
    assert_eq!(str_tag(call, tags::PEER_HOST_IPV4), Some("127.0.0.1"));
    assert_eq!(
        call.tag(tags::PEER_PORT).and_then(|v| v.as_i64()),
        Some(i64::from(addr.port()))
    );
    assert_eq!(
        call.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
        Some(200)
    );
    assert_eq!(str_tag(call, FINISH_REASON), Some("complete"));
}

#[tokio::test]
async fn w3c() {
    server_is_child_of_client(W3cTraceContext).await;
}

#[tokio::test]
async fn b3_multi() {
    server_is_child_of_client(B3::multi()).await;
}

#[tokio::test]
async fn b3_single() {
    server_is_child_of_client(B3::single()).await;
}

#[tokio::test]
async fn jaeger() {
    server_is_child_of_client(Jaeger).await;
}

#[tokio::test]
async fn opentracing_headers() {
    server_is_child_of_client(OtHeaders).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_from_a_traced_handler_is_a_child_of_its_server_span() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = tracer(&recorder, W3cTraceContext);
    let backend = traced_server(
        tracer.clone(),
        Router::new().route("/", get(|| async { "b" })),
    )
    .await;
    let outbound = client(tracer.clone());
    let frontend_app = Router::new().route(
        "/",
        get(move || async move {
            let body = outbound.get(format!("http://{backend}/")).send().await;
            body.unwrap().text().await.unwrap()
        }),
    );
    let frontend = ServerTracingLayer::new(tracer.clone())
        .operation_name_with(|_: &axum::http::Request<axum::body::Body>| "frontend".to_owned());
    let frontend = serve(frontend_app.layer(frontend)).await;

    let answer = reqwest::get(format!("http://{frontend}/"))
        .await
        .unwrap()
        .text()
        .await;
    assert_eq!(answer.unwrap(), "b");
    let spans = spans(&recorder, 3).await;
    let (frontend, call, backend) = (
        &named(&spans, "frontend")[0],
        &named(&spans, "GET")[0],
        &named(&spans, "serve")[0],
    );
    assert_eq!(call.parent_id(), Some(frontend.context().span_id()));
    assert_eq!(backend.parent_id(), Some(call.context().span_id()));
    assert_eq!(backend.context().trace_id(), frontend.context().trace_id());
}

fn only_error_log(span: &FinishedSpan) -> (&str, &str) {
    let log = &span.logs()[0];
    let field = |key| log.field(key).and_then(|v| v.as_str()).unwrap_or_default();
    assert_eq!(field(logs::EVENT), "error");
    (field(logs::ERROR_KIND), field(logs::MESSAGE))
}

#[tokio::test]
async fn connection_refused_is_an_error_returned_unchanged() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let error = client(tracer(&recorder, W3cTraceContext))
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap_err();
    let reqwest_middleware::Error::Reqwest(error) = error else {
        panic!("not reqwest's error")
    };
    assert!(error.is_connect());

    let span = &recorder.spans()[0];
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    assert_eq!(str_tag(span, FINISH_REASON), Some("error"));
    let (kind, message) = only_error_log(span);
    assert_eq!(kind, "connect");
    assert!(message.to_lowercase().contains("refused"), "{message}");
}

#[tokio::test]
async fn a_timeout_is_an_error() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let slow = Router::new().route(
        "/",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            "late"
        }),
    );
    let addr = serve(slow).await;
    let error = client(tracer(&recorder, W3cTraceContext))
        .get(format!("http://{addr}/"))
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&error, reqwest_middleware::Error::Reqwest(e) if e.is_timeout()));
    let span = &recorder.spans()[0];
    assert_eq!(only_error_log(span).0, "timeout");
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
}

#[tokio::test]
async fn a_500_is_an_error_and_the_response_is_returned() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let failing = Router::new().route(
        "/",
        get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
    );
    let addr = serve(failing).await;
    let response = client(tracer(&recorder, W3cTraceContext))
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.text().await.unwrap(), "boom");
    let span = &recorder.spans()[0];
    assert_eq!(
        span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
        Some(500)
    );
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    let (kind, message) = only_error_log(span);
    assert_eq!(kind, "http");
    assert!(message.contains("500"), "{message}");
}

/// An app answering 500 to its first two requests and then the `traceparent` it got.
fn flaky() -> Router {
    let calls = Arc::new(AtomicUsize::new(0));
    Router::new().route(
        "/",
        get(move |headers: HeaderMap| async move {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                return Err(StatusCode::INTERNAL_SERVER_ERROR);
            }
            Ok(headers["traceparent"].to_str().unwrap().to_owned())
        }),
    )
}

fn retry() -> RetryTransientMiddleware<ExponentialBackoff> {
    let policy = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(5))
        .build_with_max_retries(3);
    RetryTransientMiddleware::new_with_policy(policy)
}

#[tokio::test]
async fn after_retry_each_attempt_is_a_span() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let addr = serve(flaky()).await;
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(retry())
        .with(TracingMiddleware::new(tracer(&recorder, W3cTraceContext)))
        .build();
    let sent = client
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let attempts = recorder.spans();
    assert_eq!(attempts.len(), 3);
    let codes: Vec<_> = attempts
        .iter()
        .map(|s| s.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()))
        .collect();
    assert_eq!(codes, [Some(500), Some(500), Some(200)]);
    let ids: std::collections::HashSet<_> =
        attempts.iter().map(|s| s.context().span_id()).collect();
    assert_eq!(ids.len(), 3);
    assert!(sent.contains(&attempts[2].context().span_id().to_string()));
}

#[tokio::test]
async fn before_retry_one_span_covers_every_attempt() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let addr = serve(flaky()).await;
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(tracer(&recorder, W3cTraceContext)))
        .with(retry())
        .build();
    let sent = client
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let spans = recorder.spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(
        spans[0]
            .tag(tags::HTTP_STATUS_CODE)
            .and_then(|v| v.as_i64()),
        Some(200)
    );
    assert!(sent.contains(&spans[0].context().span_id().to_string()));
}

#[tokio::test]
async fn per_request_options_and_explicit_parents() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let echo = Router::new().route(
        "/",
        get(|headers: HeaderMap| async move {
            headers
                .get("traceparent")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        }),
    );
    let addr = serve(echo).await;
    let client = client(tracer(&recorder, W3cTraceContext));
    let url = format!("http://{addr}/");

    let options = ClientSpanOptions::new()
        .operation_name("fetch thing")
        .tag("thing.id", 7);
    client
        .get(&url)
        .with_extension(options)
        .send()
        .await
        .unwrap();
    let span = &recorder.take()[0];
    assert_eq!(span.operation_name(), "fetch thing");
    assert_eq!(span.tag("thing.id").and_then(|v| v.as_i64()), Some(7));

    let sent = client
        .get(&url)
        .with_extension(ClientSpanOptions::new().disable_tracing())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sent, "");
    assert!(recorder.take().is_empty());

    let parent = SpanContext::new(TraceId::new(0xabc).unwrap(), SpanId::new(0xdef).unwrap())
        .with_sampled(true);
    client
        .get(&url)
        .with_extension(parent.clone())
        .send()
        .await
        .unwrap();
    let span = &recorder.take()[0];
    assert_eq!(span.parent_id(), Some(parent.span_id()));
    assert_eq!(span.context().trace_id(), parent.trace_id());
}

#[tokio::test]
async fn trace_headers_the_caller_set_are_kept() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let echo = Router::new().route(
        "/",
        get(
            |headers: HeaderMap| async move { headers["traceparent"].to_str().unwrap().to_owned() },
        ),
    );
    let addr = serve(echo).await;
    let mine = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let sent = client(tracer(&recorder, W3cTraceContext))
        .get(format!("http://{addr}/"))
        .header("traceparent", mine)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sent, mine);
}

#[tokio::test]
async fn finishing_at_the_body_end() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let addr = serve(Router::new().route("/", get(|| async { "a body" }))).await;
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(
            TracingMiddleware::new(tracer(&recorder, W3cTraceContext)).finish_at(FinishAt::BodyEnd),
        )
        .build();

    let response = client.get(format!("http://{addr}/")).send().await.unwrap();
    assert!(
        recorder.spans().is_empty(),
        "finished before the body was read"
    );
    assert_eq!(response.url().as_str(), format!("http://{addr}/"));
    assert!(response.remote_addr().is_some());
    assert_eq!(response.text().await.unwrap(), "a body");
    assert_eq!(
        str_tag(&recorder.take()[0], FINISH_REASON),
        Some("complete")
    );

    let response = client.get(format!("http://{addr}/")).send().await.unwrap();
    drop(response);
    assert_eq!(
        str_tag(&recorder.take()[0], FINISH_REASON),
        Some("client_gone")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_each_under_its_own_span() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = tracer(&recorder, W3cTraceContext);
    let addr = serve(Router::new().route("/", get(|| async { "ok" }))).await;
    let client = client(tracer.clone());

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let client = client.clone();
        let url = format!("http://{addr}/");
        let parent = tracer.start_span("task");
        let parent_id = parent.context().unwrap().span_id();
        tasks.spawn(
            async move {
                tokio::task::yield_now().await;
                client.get(url).send().await.unwrap().text().await.unwrap();
                parent_id
            }
            .with_span(parent),
        );
    }
    let mut parents = std::collections::HashSet::new();
    while let Some(parent) = tasks.join_next().await {
        parents.insert(parent.unwrap());
    }
    let calls = named(&recorder.spans(), "GET");
    assert_eq!(calls.len(), 1000);
    let call_parents: std::collections::HashSet<_> =
        calls.iter().map(|c| c.parent_id().unwrap()).collect();
    assert_eq!(
        call_parents, parents,
        "a call landed under another task's span"
    );
}

#[tokio::test]
async fn trace_headers_and_baggage_go_only_to_listed_hosts() {
    // Answers with the trace headers it got.
    let app = Router::new().route(
        "/",
        get(|headers: HeaderMap| async move {
            ["traceparent", "baggage"]
                .iter()
                .filter(|name| headers.contains_key(**name))
                .copied()
                .collect::<Vec<_>>()
                .join(",")
        }),
    );
    let addr = serve(app).await;
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("client", recorder.clone());
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(
            TracingMiddleware::new(tracer.clone())
                .propagate_to(tracing_tower::PropagationTargets::none().host("127.0.0.1")),
        )
        .build();
    let parent = tracer.start_span("work");
    parent.set_baggage_item("user", "alice");
    let port = addr.port();
    for (url, sent) in [
        (format!("http://127.0.0.1:{port}/"), "traceparent,baggage"),
        (format!("http://localhost:{port}/"), ""),
    ] {
        let body = client
            .get(&url)
            .send()
            .with_span(parent.clone())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, sent, "{url}");
    }
    assert_eq!(recorder.spans().len(), 2, "both calls have their span");
}

/// A gRPC answer over HTTP/1.1 is enough for the middleware's part: the call is named and
/// tagged as tracing-tower's layers do, and a status in the headers is classified.
#[tokio::test]
async fn a_grpc_call_is_named_tagged_and_classified() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = tracer(&recorder, W3cTraceContext);
    let app = Router::new().route(
        "/test.Shop/Get",
        axum::routing::post(|| async {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", "application/grpc".parse().unwrap());
            headers.insert("grpc-status", "5".parse().unwrap());
            headers.insert("grpc-message", "no%20pear".parse().unwrap());
            (headers, "")
        }),
    );
    let addr = traced_server(tracer.clone(), app).await;
    let response = client(tracer)
        .post(format!("http://{addr}/test.Shop/Get"))
        .header("content-type", "application/grpc")
        .header("grpc-timeout", "250m")
        .send()
        .await
        .unwrap();
    response.bytes().await.unwrap();
    let spans = spans(&recorder, 2).await;
    let call = &named(&spans, "test.Shop/Get")[0];
    let serve = &named(&spans, "serve")[0];
    for span in [call, serve] {
        assert_eq!(str_tag(span, "rpc.system"), Some("grpc"));
        assert_eq!(str_tag(span, "rpc.service"), Some("test.Shop"));
        assert_eq!(str_tag(span, "rpc.method"), Some("Get"));
        assert_eq!(
            span.tag("rpc.grpc.deadline_ms").and_then(|v| v.as_i64()),
            Some(250)
        );
        assert_eq!(
            span.tag("rpc.grpc.status_code").and_then(|v| v.as_i64()),
            Some(5)
        );
    }
    assert_eq!(call.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    assert_eq!(serve.tag(tags::ERROR), None, "NOT_FOUND is the caller's");
    let message = call.logs()[0].field(logs::MESSAGE).and_then(|v| v.as_str());
    assert_eq!(message, Some("NOT_FOUND: no pear"));
}

/// An `#[instrument]` function called from a traced handler: a child of the server span;
/// the call it makes is its child and carries its context to the next service.
#[tracing::instrument(skip(client))]
async fn look_up(client: ClientWithMiddleware, addr: SocketAddr, user: u64) -> String {
    let url = format!("http://{addr}/inventory");
    client.get(url).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn instrumented_functions_join_the_trace_between_server_and_client() {
    use tracing_subscriber::layer::SubscriberExt;

    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = tracer(&recorder, W3cTraceContext);
    let bridge = opentracing_core::tracing_bridge::OpenTracingLayer::new(tracer.clone());
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(bridge));
    let inventory = traced_server(
        tracer.clone(),
        Router::new().route("/inventory", get(|| async { "3 left" })),
    )
    .await;
    let calling = client(tracer.clone());
    let front = traced_server(
        tracer.clone(),
        Router::new().route("/", get(move || look_up(calling.clone(), inventory, 42))),
    )
    .await;
    let answer = reqwest::get(format!("http://{front}/")).await.unwrap();
    assert_eq!(answer.text().await.unwrap(), "3 left");
    let spans = spans(&recorder, 4).await;
    let servers = named(&spans, "serve");
    let look_up = &named(&spans, "look_up")[0];
    let call = &named(&spans, "GET")[0];
    let front = servers.iter().find(|s| s.parent_id().is_none()).unwrap();
    let back = servers.iter().find(|s| s.parent_id().is_some()).unwrap();
    assert_eq!(look_up.parent_id(), Some(front.context().span_id()));
    assert_eq!(look_up.tag("user").and_then(|v| v.as_i64()), Some(42));
    assert_eq!(call.parent_id(), Some(look_up.context().span_id()));
    assert_eq!(back.parent_id(), Some(call.context().span_id()));
    assert_eq!(back.context().trace_id(), front.context().trace_id());
}
