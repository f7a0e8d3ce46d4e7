//! The client layer over an in-process client service, with the mock tracer.

mod support;

use std::convert::Infallible;
use std::fmt;

use http::{HeaderMap, Request, Response, StatusCode};
use opentracing_core::{MockTracer, SpanContext, SpanId, TraceId, Tracer, WithSpan, logs, tags};
use support::{only, str_tag, text};
use tower::{Layer, ServiceExt, service_fn};
use tracing_tower::{ClientTracingLayer, FINISH_REASON};

/// A client that answers with the request headers it was sent, as `name: value` lines.
async fn echo_headers(request: Request<String>) -> Result<Response<String>, Infallible> {
    let mut lines: Vec<String> = request
        .headers()
        .iter()
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
        .collect();
    lines.sort();
    Ok(Response::new(lines.join("\n")))
}

fn headers_of(echo: &str) -> HeaderMap {
    echo.lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_root_client_span_is_tagged_and_injected() {
    let tracer = MockTracer::new();
    let client = ClientTracingLayer::new(tracer.clone()).layer(service_fn(echo_headers));
    let request = Request::get("https://bob:pw@api.example:8443/v1/items?id=7")
        .body(String::new())
        .unwrap();
    let response = client.oneshot(request).await.unwrap();
    let sent = headers_of(&text(response.into_body()).await);

    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.parent_id(), None);
    assert_eq!(str_tag(&span, tags::SPAN_KIND), Some("client"));
    assert_eq!(str_tag(&span, tags::COMPONENT), Some("tracing-tower"));
    assert_eq!(str_tag(&span, tags::HTTP_METHOD), Some("GET"));
    assert_eq!(
        str_tag(&span, tags::HTTP_URL),
        Some("https://api.example:8443/v1/items?id=REDACTED")
    );
    assert_eq!(str_tag(&span, tags::PEER_HOSTNAME), Some("api.example"));
    assert_eq!(
        span.tag(tags::PEER_PORT).and_then(|v| v.as_i64()),
        Some(8443)
    );
    assert_eq!(
        span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
        Some(200)
    );
    assert_eq!(str_tag(&span, FINISH_REASON), Some("complete"));
    let context = span.context();
    assert_eq!(
        sent["ot-tracer-traceid"],
        format!("{:x}", context.trace_id().get())
    );
    assert_eq!(
        sent["ot-tracer-spanid"],
        format!("{:x}", context.span_id().get())
    );
}

#[tokio::test]
async fn peer_addresses_and_default_ports() {
    for (uri, key, host, port) in [
        ("http://10.1.2.3/x", tags::PEER_HOST_IPV4, "10.1.2.3", 80),
        (
            "https://[2001:db8::2]/x",
            tags::PEER_HOST_IPV6,
            "2001:db8::2",
            443,
        ),
    ] {
        let tracer = MockTracer::new();
        let client = ClientTracingLayer::new(tracer.clone()).layer(service_fn(echo_headers));
        client
            .oneshot(Request::get(uri).body(String::new()).unwrap())
            .await
            .unwrap();
        let span = only(&tracer.finished_spans(), "GET");
        assert_eq!(str_tag(&span, key), Some(host), "{uri}");
        assert_eq!(
            span.tag(tags::PEER_PORT).and_then(|v| v.as_i64()),
            Some(port)
        );
        assert_eq!(span.tag(tags::PEER_HOSTNAME), None);
    }
}

#[tokio::test]
async fn the_active_span_is_the_parent() {
    let tracer = MockTracer::new();
    let client = ClientTracingLayer::new(tracer.clone()).layer(service_fn(echo_headers));
    let handler = tracer.start_span("handler");
    let request = Request::post("http://backend/")
        .body(String::new())
        .unwrap();
    client
        .oneshot(request)
        .with_span(handler.clone())
        .await
        .unwrap();
    handler.finish();

    let spans = tracer.finished_spans();
    let client = only(&spans, "POST");
    assert_eq!(client.parent_id(), handler.context().map(|c| c.span_id()));
    assert_eq!(
        client.context().trace_id(),
        handler.context().unwrap().trace_id()
    );
}

#[tokio::test]
async fn an_explicit_parent_in_the_extensions_wins() {
    let tracer = MockTracer::new();
    let client = ClientTracingLayer::new(tracer.clone()).layer(service_fn(echo_headers));
    let parent = SpanContext::new(TraceId::new(0xabc).unwrap(), SpanId::new(0xdef).unwrap());
    let mut request = Request::get("http://backend/").body(String::new()).unwrap();
    request.extensions_mut().insert(parent.clone());
    let active = tracer.start_span("active");
    client
        .oneshot(request)
        .with_span(active.clone())
        .await
        .unwrap();

    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.parent_id(), Some(parent.span_id()));
    assert_eq!(span.context().trace_id(), parent.trace_id());
}

#[tokio::test]
async fn trace_headers_set_by_the_caller_are_kept() {
    let tracer = MockTracer::new();
    let client = ClientTracingLayer::new(tracer.clone()).layer(service_fn(echo_headers));
    let request = Request::get("http://backend/")
        .header("ot-tracer-traceid", "00000000000000000000000000000001")
        .header("ot-tracer-spanid", "0000000000000002")
        .body(String::new())
        .unwrap();
    let response = client.oneshot(request).await.unwrap();
    let sent = headers_of(&text(response.into_body()).await);
    assert_eq!(
        sent["ot-tracer-traceid"],
        "00000000000000000000000000000001"
    );
    assert_eq!(sent["ot-tracer-spanid"], "0000000000000002");
    assert!(
        !sent.contains_key("ot-tracer-sampled"),
        "mixed two contexts: {sent:?}"
    );
    only(&tracer.finished_spans(), "GET");
}

#[derive(Debug)]
struct ConnectionRefused;

impl fmt::Display for ConnectionRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection refused")
    }
}

#[tokio::test]
async fn transport_errors_and_5xx_are_errors() {
    let tracer = MockTracer::new();
    let client =
        ClientTracingLayer::new(tracer.clone()).layer(service_fn(|_: Request<String>| async {
            Err::<Response<String>, _>(ConnectionRefused)
        }));
    let error = client
        .oneshot(
            Request::get("http://127.0.0.1:1/")
                .body(String::new())
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "connection refused");
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    assert_eq!(str_tag(&span, FINISH_REASON), Some("error"));
    let log = &span.logs()[0];
    assert_eq!(
        log.field(logs::MESSAGE).and_then(|v| v.as_str()),
        Some("connection refused")
    );
    assert!(
        log.field(logs::ERROR_KIND)
            .and_then(|v| v.as_str())
            .unwrap()
            .ends_with("ConnectionRefused")
    );

    let tracer = MockTracer::new();
    let client =
        ClientTracingLayer::new(tracer.clone()).layer(service_fn(|_: Request<String>| async {
            let mut response = Response::new(String::from("oops"));
            *response.status_mut() = StatusCode::BAD_GATEWAY;
            Ok::<_, Infallible>(response)
        }));
    let response = client
        .oneshot(Request::get("http://backend/").body(String::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    text(response.into_body()).await;
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    assert_eq!(
        span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
        Some(502)
    );
}

/// A client answering every request with `status`.
fn answering(
    status: StatusCode,
) -> impl tower::Service<
    Request<String>,
    Response = Response<String>,
    Error = Infallible,
    Future = impl Send,
> + Clone {
    service_fn(move |_: Request<String>| async move {
        let mut response = Response::new(String::from("body"));
        *response.status_mut() = status;
        Ok::<_, Infallible>(response)
    })
}

#[tokio::test]
async fn a_4xx_is_the_clients_error_unless_its_classifier_says_otherwise() {
    use tracing_tower::classify::{Classified, Classify, HttpClassifier, ResponseHead};

    let tracer = MockTracer::new();
    let client = ClientTracingLayer::new(tracer.clone()).layer(answering(StatusCode::NOT_FOUND));
    let request = Request::get("http://backend/users/7")
        .body(String::new())
        .unwrap();
    text(client.oneshot(request).await.unwrap().into_body()).await;
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    let log = &span.logs()[0];
    assert_eq!(
        log.field(logs::ERROR_KIND).and_then(|v| v.as_str()),
        Some("http")
    );
    assert_eq!(
        log.field(logs::MESSAGE).and_then(|v| v.as_str()),
        Some("404 Not Found")
    );

    /// A lookup of users that finds none is an answer.
    #[derive(Debug)]
    struct MissingUsersAreAnswers;

    impl Classify for MissingUsersAreAnswers {
        fn classify_response(
            &self,
            head: &ResponseHead<'_>,
            span: &opentracing_core::Span,
        ) -> Classified {
            let user = head
                .uri
                .is_some_and(|uri| uri.path().starts_with("/users/"));
            if head.status == StatusCode::NOT_FOUND && user {
                span.set_tag(tags::HTTP_STATUS_CODE, 404);
                return Classified::Done;
            }
            HttpClassifier.classify_response(head, span)
        }
    }

    let tracer = MockTracer::new();
    let client = ClientTracingLayer::new(tracer.clone())
        .classify_with(MissingUsersAreAnswers)
        .layer(answering(StatusCode::NOT_FOUND));
    for path in ["/users/7", "/orders/7"] {
        let request = Request::get(format!("http://backend{path}"))
            .body(String::new())
            .unwrap();
        text(client.clone().oneshot(request).await.unwrap().into_body()).await;
    }
    let spans = tracer.finished_spans();
    let error =
        |span: &opentracing_core::FinishedSpan| span.tag(tags::ERROR).and_then(|v| v.as_bool());
    assert_eq!(error(&spans[0]), None, "a missing user is an answer");
    assert_eq!(error(&spans[1]), Some(true), "a missing order is not");
    for span in &spans {
        assert_eq!(
            span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
            Some(404)
        );
    }
}

#[tokio::test]
async fn an_unread_body_finishes_as_client_gone() {
    let tracer = MockTracer::new();
    let client = ClientTracingLayer::new(tracer.clone()).layer(service_fn(echo_headers));
    let response = client
        .oneshot(Request::get("http://backend/").body(String::new()).unwrap())
        .await
        .unwrap();
    assert!(tracer.finished_spans().is_empty());
    drop(response);
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(str_tag(&span, FINISH_REASON), Some("client_gone"));
}

#[test]
fn header_values_that_cannot_be_headers_are_not_injected() {
    // Baggage values that are not valid header values are skipped by the codec, never
    // turned into a panic.
    let tracer = MockTracer::new();
    let span = tracer.start_span("with odd baggage");
    span.set_baggage_item("line", "a\r\nb");
    let mut headers = HeaderMap::new();
    let context = span.context().unwrap();
    let _ = tracer.inject(
        &context,
        opentracing_core::InjectCarrier::HttpHeaders(&mut headers),
    );
    assert!(headers.contains_key("ot-tracer-spanid"));
    assert!(!headers.contains_key("ot-baggage-line"));
}

#[tokio::test]
async fn a_timeout_around_the_client_cancels_the_span() {
    let tracer = MockTracer::new();
    let client = tower::ServiceBuilder::new()
        .timeout(std::time::Duration::from_millis(20))
        .layer(ClientTracingLayer::new(tracer.clone()))
        .service(service_fn(|_: Request<String>| async {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            Ok::<_, Infallible>(Response::new(String::new()))
        }));
    let request = Request::get("http://backend/").body(String::new()).unwrap();
    assert!(client.oneshot(request).await.is_err());
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(str_tag(&span, FINISH_REASON), Some("cancelled"));
}

#[tokio::test]
async fn a_failing_body_and_a_panicking_client() {
    let tracer = MockTracer::new();
    let (frames, body) = support::ChannelBody::new(tracer.clone());
    let body = std::sync::Mutex::new(Some(body));
    let client = ClientTracingLayer::new(tracer.clone()).layer(service_fn(move |_| {
        let body = body.lock().unwrap().take().unwrap();
        async move { Ok::<_, Infallible>(Response::new(body)) }
    }));
    let response = client
        .oneshot(Request::get("http://backend/").body(String::new()).unwrap())
        .await
        .unwrap();
    frames.send(Err(support::BodyFailed)).unwrap();
    assert!(
        http_body_util::BodyExt::collect(response.into_body())
            .await
            .is_err()
    );
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(str_tag(&span, FINISH_REASON), Some("body_error"));
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));

    let tracer = MockTracer::new();
    let client =
        ClientTracingLayer::new(tracer.clone()).layer(service_fn(|_: Request<String>| async {
            panic!("client bug");
            #[allow(unreachable_code)]
            Ok::<Response<String>, Infallible>(Response::new(String::new()))
        }));
    let request = Request::get("http://backend/").body(String::new()).unwrap();
    let joined = tokio::spawn(client.oneshot(request)).await;
    assert!(joined.unwrap_err().is_panic());
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(str_tag(&span, FINISH_REASON), Some("panic"));
    assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
}
