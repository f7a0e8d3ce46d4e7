//! The server layer driven with `oneshot` and the mock tracer: tags, options, finish
//! reasons.

mod support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderName, HeaderValue, USER_AGENT};
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use opentracing_core::propagation::{B3, Jaeger, OtHeaders};
use opentracing_core::reference::{Propagator, ReferenceTracer};
use opentracing_core::{
    InMemoryRecorder, MockTracer, NoopTracer, ReferenceType, Span, Tracer, logs, tags,
};
use support::{BodyFailed, ChannelBody, answer, only, str_tag, text};
use tower::{Layer, ServiceBuilder, ServiceExt, service_fn};
use tower_http::add_extension::AddExtensionLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tracing_tower::{
    FINISH_REASON, FinishAt, InboundContext, REDACTED_HEADER, RemoteAddr, ServerTracingLayer,
};

const OT_CALLER: [(&str, &str); 3] = [
    ("ot-tracer-traceid", "00000000000000000000000000000abc"),
    ("ot-tracer-spanid", "0000000000000def"),
    ("ot-tracer-sampled", "true"),
];

fn get(uri: &str) -> Request<String> {
    Request::get(uri).body(String::new()).unwrap()
}

fn from_caller(uri: &str) -> Request<String> {
    let mut request = get(uri);
    for (name, value) in OT_CALLER {
        request
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    request
}

fn reason(span: &opentracing_core::FinishedSpan) -> Option<&str> {
    str_tag(span, FINISH_REASON)
}

#[tokio::test]
async fn tags_a_plain_request_and_finishes_when_the_body_is_sent() {
    let tracer = MockTracer::new();
    let service = ServiceBuilder::new()
        .layer(AddExtensionLayer::new(RemoteAddr(
            "192.0.2.7:50123".parse().unwrap(),
        )))
        .layer(ServerTracingLayer::new(tracer.clone()))
        .service(service_fn(|_| answer("hello")));

    let response = service
        .oneshot(get("http://user:pw@shop.example/search?q=shoes&page=2"))
        .await
        .unwrap();
    assert!(
        tracer.finished_spans().is_empty(),
        "finished before the body was sent"
    );
    assert_eq!(text(response.into_body()).await, "hello");

    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.parent_id(), None);
    assert_eq!(str_tag(&span, tags::SPAN_KIND), Some("server"));
    assert_eq!(str_tag(&span, tags::COMPONENT), Some("tracing-tower"));
    assert_eq!(str_tag(&span, tags::HTTP_METHOD), Some("GET"));
    assert_eq!(
        str_tag(&span, tags::HTTP_URL),
        Some("http://shop.example/search?q=REDACTED&page=REDACTED")
    );
    assert_eq!(str_tag(&span, tags::PEER_HOST_IPV4), Some("192.0.2.7"));
    assert_eq!(
        span.tag(tags::PEER_PORT).and_then(|v| v.as_i64()),
        Some(50123)
    );
    assert_eq!(
        span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
        Some(200)
    );
    assert_eq!(span.tag(tags::ERROR), None);
    assert_eq!(reason(&span), Some("complete"));
}

#[tokio::test]
async fn continues_the_callers_trace_and_stores_the_span_in_the_request() {
    let tracer = MockTracer::new();
    let seen = Arc::new(std::sync::Mutex::new(None));
    let seen_in_handler = seen.clone();
    let service = ServerTracingLayer::new(tracer.clone()).layer(service_fn(
        move |request: Request<String>| {
            let span = request.extensions().get::<Span>().cloned();
            *seen_in_handler.lock().unwrap() = Some(span);
            answer("")
        },
    ));
    service.oneshot(from_caller("/")).await.unwrap();

    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.context().trace_id().to_string(), OT_CALLER[0].1);
    assert_eq!(span.parent_id().unwrap().to_string(), OT_CALLER[1].1);
    let handle = seen.lock().unwrap().take().unwrap();
    assert_eq!(
        handle.unwrap().context().unwrap().span_id(),
        span.context().span_id()
    );
}

#[tokio::test]
async fn the_span_is_active_in_call_in_the_future_and_while_the_body_streams() {
    let tracer = MockTracer::new();
    let (frames, body) = ChannelBody::new(tracer.clone());
    let body = std::sync::Mutex::new(Some(body));
    let handler_tracer = tracer.clone();
    let service = ServerTracingLayer::new(tracer.clone()).layer(service_fn(move |_| {
        handler_tracer.start_span("in call").finish();
        let body = body.lock().unwrap().take().unwrap();
        let tracer = handler_tracer.clone();
        async move {
            tokio::task::yield_now().await;
            tracer.start_span("in future").finish();
            Ok::<_, Infallible>(Response::new(body))
        }
    }));

    let response = service.oneshot(get("/stream")).await.unwrap();
    let mut body = response.into_body();
    frames.send(Ok("one")).unwrap();
    body.frame().await.unwrap().unwrap();
    frames.send(Ok("two")).unwrap();
    body.frame().await.unwrap().unwrap();
    assert!(
        tracer
            .finished_spans()
            .iter()
            .all(|s| s.operation_name() != "GET")
    );
    drop(frames);
    assert!(body.frame().await.is_none());

    let spans = tracer.finished_spans();
    let server = only(&spans, "GET");
    assert_eq!(reason(&server), Some("complete"));
    let children: Vec<_> = spans
        .iter()
        .filter(|s| s.operation_name() != "GET")
        .collect();
    assert_eq!(children.len(), 4, "{children:#?}");
    for child in children {
        assert_eq!(
            child.parent_id(),
            Some(server.context().span_id()),
            "{child:?}"
        );
    }
    assert_eq!(tracer.active_span(), None);
}

#[tokio::test]
async fn a_5xx_is_an_error() {
    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone()).layer(service_fn(|_| async {
        let mut response = Response::new(String::from("down"));
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        Ok::<_, Infallible>(response)
    }));
    let response = service.oneshot(get("/")).await.unwrap();
    text(response.into_body()).await;
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(
        span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
        Some(503)
    );
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));

    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone()).layer(service_fn(|_| async {
        let mut response = Response::new(String::new());
        *response.status_mut() = StatusCode::NOT_FOUND;
        Ok::<_, Infallible>(response)
    }));
    service.oneshot(get("/")).await.unwrap();
    assert_eq!(only(&tracer.finished_spans(), "GET").tag(tags::ERROR), None);
}

#[tokio::test]
async fn an_inner_error_passes_through_unchanged_and_is_logged() {
    #[derive(Debug, PartialEq)]
    struct Refused(u8);
    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "refused #{}", self.0)
        }
    }
    let tracer = MockTracer::new();
    let service =
        ServerTracingLayer::new(tracer.clone()).layer(service_fn(|_: Request<String>| async {
            Err::<Response<String>, _>(Refused(7))
        }));
    let error = service.oneshot(get("/")).await.unwrap_err();
    assert_eq!(error, Refused(7));

    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    assert_eq!(reason(&span), Some("error"));
    let log = &span.logs()[0];
    assert_eq!(
        log.field(logs::EVENT).and_then(|v| v.as_str()),
        Some("error")
    );
    assert_eq!(
        log.field(logs::MESSAGE).and_then(|v| v.as_str()),
        Some("refused #7")
    );
}

#[tokio::test]
async fn a_panic_in_the_future_is_recorded_and_reaches_catch_panic() {
    let tracer = MockTracer::new();
    let service = ServiceBuilder::new()
        .layer(CatchPanicLayer::new())
        .layer(ServerTracingLayer::new(tracer.clone()))
        .service(service_fn(|_: Request<String>| async {
            tokio::task::yield_now().await;
            panic!("handler bug");
            #[allow(unreachable_code)]
            answer("").await
        }));
    let response = service.oneshot(get("/")).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    assert_eq!(reason(&span), Some("panic"));
}

#[tokio::test]
async fn a_panic_in_call_is_recorded_and_reaches_catch_panic() {
    let tracer = MockTracer::new();
    let service = ServiceBuilder::new()
        .layer(CatchPanicLayer::new())
        .layer(ServerTracingLayer::new(tracer.clone()))
        .service(service_fn(
            |_: Request<String>| -> std::future::Ready<Result<Response<String>, Infallible>> {
                panic!("bug in call")
            },
        ));
    let response = service.oneshot(get("/")).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(reason(&span), Some("panic"));
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    assert_eq!(tracer.active_span(), None);
}

#[tokio::test]
async fn a_body_that_fails_finishes_with_body_error() {
    let tracer = MockTracer::new();
    let (frames, body) = ChannelBody::new(tracer.clone());
    let body = std::sync::Mutex::new(Some(body));
    let service = ServerTracingLayer::new(tracer.clone()).layer(service_fn(move |_| {
        let body = body.lock().unwrap().take().unwrap();
        async move { Ok::<_, Infallible>(Response::new(body)) }
    }));
    let response = service.oneshot(get("/")).await.unwrap();
    frames.send(Ok("part")).unwrap();
    frames.send(Err(BodyFailed)).unwrap();
    assert!(response.into_body().collect().await.is_err());

    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(reason(&span), Some("body_error"));
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    let message = span.logs()[0].field(logs::MESSAGE).and_then(|v| v.as_str());
    assert_eq!(message, Some("the body failed"));
}

#[tokio::test]
async fn a_body_dropped_half_way_finishes_with_client_gone() {
    let tracer = MockTracer::new();
    let (frames, body) = ChannelBody::new(tracer.clone());
    let body = std::sync::Mutex::new(Some(body));
    let service = ServerTracingLayer::new(tracer.clone()).layer(service_fn(move |_| {
        let body = body.lock().unwrap().take().unwrap();
        async move { Ok::<_, Infallible>(Response::new(body)) }
    }));
    let mut body = service.oneshot(get("/")).await.unwrap().into_body();
    frames.send(Ok("half")).unwrap();
    body.frame().await.unwrap().unwrap();
    drop(body);

    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(reason(&span), Some("client_gone"));
    assert_eq!(span.tag(tags::ERROR), None);
}

#[tokio::test]
async fn a_timeout_outside_cancels_the_span() {
    let tracer = MockTracer::new();
    let service = ServiceBuilder::new()
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(20),
        ))
        .layer(ServerTracingLayer::new(tracer.clone()))
        .service(service_fn(|_: Request<String>| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            answer("late").await
        }));
    let response = service.oneshot(get("/slow")).await.unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(reason(&span), Some("cancelled"));
    assert_eq!(span.tag(tags::HTTP_STATUS_CODE), None);
}

#[tokio::test]
async fn finish_at_headers_for_endless_streams() {
    let tracer = MockTracer::new();
    let (_frames, body) = ChannelBody::new(tracer.clone());
    let body = std::sync::Mutex::new(Some(body));
    let service = ServerTracingLayer::new(tracer.clone())
        .finish_at(FinishAt::HeadersForStreams)
        .layer(service_fn(move |request: Request<String>| {
            let body = body.lock().unwrap().take().unwrap();
            let sse = request.uri().path() == "/events";
            async move {
                let mut response = Response::new(body);
                if sse {
                    response
                        .headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
                }
                Ok::<_, Infallible>(response)
            }
        }));
    let _open_stream = service.oneshot(get("/events")).await.unwrap();
    assert_eq!(
        reason(&only(&tracer.finished_spans(), "GET")),
        Some("headers")
    );

    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone())
        .finish_at(FinishAt::Headers)
        .layer(service_fn(|_| answer("not read")));
    let _unread = service.oneshot(get("/")).await.unwrap();
    assert_eq!(
        reason(&only(&tracer.finished_spans(), "GET")),
        Some("headers")
    );
}

#[tokio::test]
async fn an_empty_body_finishes_at_the_headers_as_complete() {
    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone()).layer(service_fn(|_| answer("")));
    let _response = service.oneshot(get("/")).await.unwrap();
    assert_eq!(
        reason(&only(&tracer.finished_spans(), "GET")),
        Some("complete")
    );
}

#[tokio::test]
async fn a_filtered_request_gets_no_span_but_passes_the_context_on() {
    let tracer = MockTracer::new();
    let handler_tracer = tracer.clone();
    let service = ServerTracingLayer::new(tracer.clone())
        .filter_with(|request: &Request<String>| request.uri().path() != "/health")
        .layer(service_fn(move |_| {
            handler_tracer.start_span("downstream call").finish();
            answer("ok")
        }));
    let response = service
        .clone()
        .oneshot(from_caller("/health"))
        .await
        .unwrap();
    assert_eq!(text(response.into_body()).await, "ok");
    let spans = tracer.finished_spans();
    assert_eq!(spans.len(), 1, "{spans:#?}");
    assert_eq!(spans[0].operation_name(), "downstream call");
    assert_eq!(spans[0].context().trace_id().to_string(), OT_CALLER[0].1);
    assert_eq!(spans[0].parent_id().unwrap().to_string(), OT_CALLER[1].1);

    tracer.reset();
    service.oneshot(get("/health")).await.unwrap();
    let spans = tracer.finished_spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].parent_id(), None);
}

#[tokio::test]
async fn captures_only_allowed_headers_and_redacts_credentials() {
    let tracer = MockTracer::new();
    let request_id = HeaderName::from_static("x-request-id");
    let service = ServerTracingLayer::new(tracer.clone())
        .capture_request_headers([USER_AGENT, AUTHORIZATION, COOKIE, request_id.clone()])
        .capture_response_headers([CONTENT_TYPE, http::header::SET_COOKIE])
        .peer_service_header(HeaderName::from_static("x-caller"))
        .layer(service_fn(|_| async {
            let mut response = Response::new(String::from("{}"));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(
                http::header::SET_COOKIE,
                HeaderValue::from_static("id=secret"),
            );
            Ok::<_, Infallible>(response)
        }));
    let mut secret = HeaderValue::from_static("one-time-token");
    secret.set_sensitive(true);
    let request = Request::get("/")
        .header(USER_AGENT, "curl/8")
        .header(AUTHORIZATION, "Bearer secret")
        .header(COOKIE, "session=secret")
        .header(&request_id, secret)
        .header("x-caller", "billing")
        .header("x-not-allowed", "hidden")
        .body(String::new())
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    text(response.into_body()).await;

    let span = only(&tracer.finished_spans(), "GET");
    let tag = |key: &str| str_tag(&span, key).map(str::to_owned);
    assert_eq!(
        tag("http.request.header.user-agent").as_deref(),
        Some("curl/8")
    );
    assert_eq!(
        tag("http.request.header.authorization").as_deref(),
        Some(REDACTED_HEADER)
    );
    assert_eq!(
        tag("http.request.header.cookie").as_deref(),
        Some(REDACTED_HEADER)
    );
    assert_eq!(
        tag("http.request.header.x-request-id").as_deref(),
        Some(REDACTED_HEADER)
    );
    assert_eq!(
        tag("http.response.header.content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        tag("http.response.header.set-cookie").as_deref(),
        Some(REDACTED_HEADER)
    );
    assert_eq!(tag(tags::PEER_SERVICE).as_deref(), Some("billing"));
    assert!(span.tags().all(|(key, value)| {
        !key.contains("x-not-allowed") && value.as_str().is_none_or(|v| !v.contains("secret"))
    }));
}

#[tokio::test]
async fn by_default_no_header_is_captured() {
    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone()).layer(service_fn(|_| answer("")));
    let request = Request::get("/")
        .header(USER_AGENT, "curl/8")
        .body(String::new())
        .unwrap();
    service.oneshot(request).await.unwrap();
    let span = only(&tracer.finished_spans(), "GET");
    assert!(
        span.tags()
            .all(|(key, _)| !key.starts_with("http.request.header."))
    );
}

#[tokio::test]
async fn allowed_query_values_are_kept() {
    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone())
        .allow_query_params(["page"])
        .layer(service_fn(|_| answer("")));
    service.oneshot(get("/items?page=3&key=abc")).await.unwrap();
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(
        str_tag(&span, tags::HTTP_URL),
        Some("/items?page=3&key=REDACTED")
    );
}

#[tokio::test]
async fn ipv6_peers_and_custom_peer_lookup() {
    let tracer = MockTracer::new();
    let peer: SocketAddr = "[2001:db8::1]:4000".parse().unwrap();
    let service = ServerTracingLayer::new(tracer.clone())
        .peer_addr_with(move |_: &http::Extensions| Some(peer))
        .layer(service_fn(|_| answer("")));
    service.oneshot(get("/")).await.unwrap();
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(str_tag(&span, tags::PEER_HOST_IPV6), Some("2001:db8::1"));
    assert_eq!(span.tag(tags::PEER_HOST_IPV4), None);
    assert_eq!(
        span.tag(tags::PEER_PORT).and_then(|v| v.as_i64()),
        Some(4000)
    );
}

#[tokio::test]
async fn custom_operation_names() {
    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone())
        .operation_name_with(|request: &Request<String>| {
            format!("{} /users/{{id}}", request.method())
        })
        .layer(service_fn(|_| answer("")));
    service.oneshot(get("/users/42")).await.unwrap();
    only(&tracer.finished_spans(), "GET /users/{id}");
}

#[tokio::test]
async fn a_public_edge_starts_a_new_trace() {
    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone())
        .inbound_context(InboundContext::NewTraceFollowsFrom)
        .layer(service_fn(|_| answer("")));
    service.oneshot(from_caller("/")).await.unwrap();
    let span = only(&tracer.finished_spans(), "GET");
    assert_ne!(span.context().trace_id().to_string(), OT_CALLER[0].1);
    assert_eq!(span.parent_id(), None);
    let link = &span.references()[0];
    assert_eq!(link.kind(), ReferenceType::FollowsFrom);
    assert_eq!(link.span_id().to_string(), OT_CALLER[1].1);

    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone())
        .inbound_context(InboundContext::NewTraceTagged)
        .layer(service_fn(|_| answer("")));
    service.oneshot(from_caller("/")).await.unwrap();
    let span = only(&tracer.finished_spans(), "GET");
    assert_ne!(span.context().trace_id().to_string(), OT_CALLER[0].1);
    assert!(span.references().is_empty());
    assert_eq!(
        str_tag(&span, tracing_tower::server::CALLER_TRACE_ID),
        Some(OT_CALLER[0].1)
    );
    assert_eq!(
        str_tag(&span, tracing_tower::server::CALLER_SPAN_ID),
        Some(OT_CALLER[1].1)
    );
}

#[tokio::test]
async fn writes_the_trace_id_into_a_response_header() {
    let tracer = MockTracer::new();
    let header = HeaderName::from_static("x-trace-id");
    let service = ServerTracingLayer::new(tracer.clone())
        .trace_id_response_header(header.clone())
        .layer(service_fn(|_| answer("")));
    let response = service.oneshot(from_caller("/")).await.unwrap();
    assert_eq!(response.headers()[&header], OT_CALLER[0].1);
}

#[tokio::test]
async fn the_noop_tracer_serves_requests_and_records_nothing() {
    let service = ServerTracingLayer::new(NoopTracer::new())
        .trace_id_response_header(HeaderName::from_static("x-trace-id"))
        .layer(service_fn(|_| answer("fine")));
    let response = service.oneshot(from_caller("/")).await.unwrap();
    assert!(!response.headers().contains_key("x-trace-id"));
    assert_eq!(text(response.into_body()).await, "fine");
}

/// A reference tracer reading every codec, recording into `recorder`.
fn reading_every_codec(recorder: &Arc<InMemoryRecorder>) -> ReferenceTracer {
    let propagator = Propagator::new()
        .codec(B3::both())
        .codec(Jaeger)
        .codec(OtHeaders);
    ReferenceTracer::builder("edge", recorder.clone())
        .propagator(propagator)
        .build()
}

#[tokio::test]
async fn bad_inbound_headers_start_a_new_trace_and_the_request_is_served() {
    let long_tracestate = format!("k={}", "v".repeat(64 * 1024));
    let non_utf8 = HeaderValue::from_bytes(b"00-\xff\xfe-00f067aa0ba902b7-01").unwrap();
    let cases: Vec<Vec<(&str, HeaderValue)>> = vec![
        vec![(
            "traceparent",
            HeaderValue::from_static("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
        )],
        vec![(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
        )],
        vec![(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6-00f067aa0ba902b7-01"),
        )],
        vec![(
            "traceparent",
            HeaderValue::from_static("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
        )],
        vec![("traceparent", non_utf8.clone())],
        vec![
            ("x-b3-traceid", non_utf8.clone()),
            ("x-b3-spanid", HeaderValue::from_static("zz")),
        ],
        vec![(
            "b3",
            HeaderValue::from_static(
                "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90-extra",
            ),
        )],
        vec![("uber-trace-id", HeaderValue::from_static("::::"))],
        vec![("uber-trace-id", HeaderValue::from_static("0:0:0:1"))],
        vec![
            ("ot-tracer-traceid", HeaderValue::from_static("nothex")),
            ("ot-tracer-spanid", HeaderValue::from_static("1")),
        ],
        vec![
            (
                "traceparent",
                HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            ),
            (
                "traceparent",
                HeaderValue::from_static("00-11111111111111111111111111111111-00f067aa0ba902b7-01"),
            ),
        ],
        vec![
            (
                "x-b3-traceid",
                HeaderValue::from_static("4bf92f3577b34da6a3ce929d0e0e4736"),
            ),
            (
                "x-b3-traceid",
                HeaderValue::from_static("11111111111111111111111111111111"),
            ),
            ("x-b3-spanid", HeaderValue::from_static("00f067aa0ba902b7")),
        ],
        vec![
            (
                "uber-trace-id",
                HeaderValue::from_static("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1"),
            ),
            (
                "uber-trace-id",
                HeaderValue::from_static("11111111111111111111111111111111:00f067aa0ba902b7:0:1"),
            ),
        ],
        vec![
            ("traceparent", HeaderValue::from_static("garbage")),
            (
                "tracestate",
                HeaderValue::from_str(&long_tracestate).unwrap(),
            ),
        ],
    ];
    for headers in cases {
        let recorder = Arc::new(InMemoryRecorder::new());
        let service = ServerTracingLayer::new(reading_every_codec(&recorder))
            .layer(service_fn(|_| answer("served")));
        let mut request = get("/");
        for (name, value) in &headers {
            request.headers_mut().append(*name, value.clone());
        }
        let response = service.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{headers:?}");
        assert_eq!(text(response.into_body()).await, "served");
        let spans = recorder.spans();
        assert_eq!(spans.len(), 1, "{headers:?}");
        assert_eq!(spans[0].parent_id(), None, "{headers:?} continued a trace");
        assert!(spans[0].context().trace_state().is_empty(), "{headers:?}");
    }
}

#[tokio::test]
async fn a_64_kib_tracestate_is_dropped_and_the_trace_continues() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let service = ServerTracingLayer::new(reading_every_codec(&recorder))
        .layer(service_fn(|_| answer("served")));
    let parent = "00f067aa0ba902b7";
    let request = Request::get("/")
        .header(
            "traceparent",
            format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{parent}-01"),
        )
        .header("tracestate", format!("k={}", "v".repeat(64 * 1024)))
        .body(String::new())
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(text(response.into_body()).await, "served");
    let span = &recorder.spans()[0];
    assert_eq!(span.parent_id().unwrap().to_string(), parent);
    assert!(span.context().trace_state().is_empty());
}

#[tokio::test]
async fn a_filtered_request_at_a_public_edge_passes_nothing_on() {
    let tracer = MockTracer::new();
    let handler_tracer = tracer.clone();
    let service = ServerTracingLayer::new(tracer.clone())
        .inbound_context(InboundContext::NewTraceFollowsFrom)
        .filter_with(|_: &Request<String>| false)
        .trace_id_response_header(HeaderName::from_static("x-trace-id"))
        .layer(service_fn(move |_| {
            handler_tracer.start_span("downstream call").finish();
            answer("ok")
        }));
    let response = service.oneshot(from_caller("/health")).await.unwrap();
    assert!(!response.headers().contains_key("x-trace-id"));
    let spans = tracer.finished_spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].parent_id(), None);
    assert_ne!(spans[0].context().trace_id().to_string(), OT_CALLER[0].1);
}

#[tokio::test]
async fn a_panic_while_the_body_streams_is_recorded() {
    struct PanickingBody;
    impl http_body::Body for PanickingBody {
        type Data = bytes::Bytes;
        type Error = Infallible;
        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Infallible>>> {
            panic!("body bug")
        }
    }
    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone()).layer(service_fn(|_| async {
        Ok::<_, Infallible>(Response::new(PanickingBody))
    }));
    let body = service.oneshot(get("/")).await.unwrap().into_body();
    let polled = tokio::spawn(async move { body.collect().await.map(|_| ()) }).await;
    assert!(polled.unwrap_err().is_panic());
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(reason(&span), Some("panic"));
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
}

#[tokio::test]
async fn endless_streams_are_recognised_whatever_the_case_and_upgrades_end_at_once() {
    for (status, content_type, expected) in [
        (
            StatusCode::OK,
            "Text/Event-Stream; charset=utf-8",
            "headers",
        ),
        // A 101 has no body of its own (the upgraded connection is not one): complete.
        (
            StatusCode::SWITCHING_PROTOCOLS,
            "application/octet-stream",
            "complete",
        ),
    ] {
        let tracer = MockTracer::new();
        let (_frames, body) = ChannelBody::new(tracer.clone());
        let body = std::sync::Mutex::new(Some(body));
        let service = ServerTracingLayer::new(tracer.clone())
            .finish_at(FinishAt::HeadersForStreams)
            .layer(service_fn(move |_: Request<String>| {
                let mut response = Response::new(body.lock().unwrap().take().unwrap());
                *response.status_mut() = status;
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
                async move { Ok::<_, Infallible>(response) }
            }));
        let _open = service.oneshot(get("/")).await.unwrap();
        let span = only(&tracer.finished_spans(), "GET");
        assert_eq!(reason(&span), Some(expected), "{content_type}");
    }
}

#[tokio::test]
async fn a_malformed_context_is_logged_on_the_new_span() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let service =
        ServerTracingLayer::new(reading_every_codec(&recorder)).layer(service_fn(|_| answer("")));
    let mut request = get("/");
    request
        .headers_mut()
        .insert("traceparent", HeaderValue::from_static("00-zz-zz-01"));
    service.oneshot(request).await.unwrap();
    let span = &recorder.spans()[0];
    let event = span.logs()[0].field(logs::EVENT).and_then(|v| v.as_str());
    assert_eq!(event, Some("invalid inbound context"));
}

#[tokio::test]
async fn every_codec_continues_the_trace() {
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent = "00f067aa0ba902b7";
    let cases = [
        vec![("traceparent", format!("00-{trace}-{parent}-01"))],
        vec![
            ("x-b3-traceid", trace.to_owned()),
            ("x-b3-spanid", parent.to_owned()),
            ("x-b3-sampled", "1".to_owned()),
        ],
        vec![("b3", format!("{trace}-{parent}-1"))],
        vec![("uber-trace-id", format!("{trace}:{parent}:0:1"))],
        vec![
            ("ot-tracer-traceid", trace.to_owned()),
            ("ot-tracer-spanid", parent.to_owned()),
            ("ot-tracer-sampled", "true".to_owned()),
        ],
    ];
    for headers in cases {
        let recorder = Arc::new(InMemoryRecorder::new());
        let service = ServerTracingLayer::new(reading_every_codec(&recorder))
            .layer(service_fn(|_| answer("")));
        let mut request = get("/");
        for (name, value) in &headers {
            request.headers_mut().insert(*name, value.parse().unwrap());
        }
        service.oneshot(request).await.unwrap();
        let span = &recorder.spans()[0];
        assert_eq!(span.context().trace_id().to_string(), trace, "{headers:?}");
        assert_eq!(span.parent_id().unwrap().to_string(), parent, "{headers:?}");
    }
}

#[tokio::test]
async fn on_request_adds_tags_of_its_own() {
    let tracer = MockTracer::new();
    let service = ServerTracingLayer::new(tracer.clone())
        .on_request_with(|request: &Request<String>, span: &Span| {
            span.set_tag(
                "path.depth",
                request.uri().path().matches('/').count() as i64,
            );
        })
        .layer(service_fn(|_| answer("")));
    service.oneshot(get("/a/b/c")).await.unwrap();
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.tag("path.depth").and_then(|v| v.as_i64()), Some(3));
}

#[tokio::test]
async fn handlers_find_the_span_handle_even_with_the_noop_tracer() {
    let service = ServerTracingLayer::new(NoopTracer::new()).layer(service_fn(
        |request: Request<String>| async move {
            let found = request.extensions().get::<Span>().is_some();
            Ok::<_, Infallible>(Response::new(found.to_string()))
        },
    ));
    let response = service.oneshot(get("/")).await.unwrap();
    assert_eq!(text(response.into_body()).await, "true");
}
