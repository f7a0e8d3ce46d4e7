//! Headers and compression reach the collector: an API key it requires, gzip bodies it
//! decodes; the key's value shows nowhere.
#![cfg(feature = "reporter")]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderName, HeaderValue, StatusCode};
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use opentracing_core::Tracer;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{
    Compression, Encoder, Executor, ExportErrorKind, Otlp, Reporter, ZipkinJson,
};

mod support;

use support::KEY;

/// A collector on 127.0.0.1:0 that wants `x-api-key: SECRET-KEY-4711` (401 otherwise) and a
/// gzip body (415 otherwise), and keeps each body it accepted, decompressed.
async fn strict_collector(path: &str) -> (http::Uri, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}{path}", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let kept = kept.clone();
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let kept = kept.clone();
                async move { Ok::<_, Infallible>(support::answer(request, &kept).await) }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    (uri, bodies)
}

fn key() -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static("x-api-key"),
        HeaderValue::from_static(KEY),
    )
}

async fn send_one<E: Encoder>(reporter: opentracing_core::report::ReporterBuilder<E>) -> Reporter {
    let reporter = reporter
        .batch_delay(Duration::from_secs(60))
        .start(Executor::Tokio(tokio::runtime::Handle::current()))
        .unwrap();
    let tracer = ReferenceTracer::new("shop", Arc::new(reporter.clone()));
    tracer.start_span("checkout").finish();
    reporter.flush(Duration::from_secs(30)).await;
    reporter
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zipkin_and_otlp_reach_a_collector_that_wants_a_key_and_gzip() {
    let (zipkin, zipkin_bodies) = strict_collector("/api/v2/spans").await;
    let (otlp, otlp_bodies) = strict_collector("/v1/traces").await;
    let (name, value) = key();
    let zipkin_reporter = send_one(
        Reporter::builder(zipkin, ZipkinJson::new("shop"))
            .header(name.clone(), value.clone())
            .compression(Compression::Gzip),
    )
    .await;
    let otlp_reporter = send_one(
        Reporter::builder(otlp, Otlp::new("shop"))
            .header(name, value)
            .compression(Compression::Gzip),
    )
    .await;
    for reporter in [&zipkin_reporter, &otlp_reporter] {
        assert_eq!(
            reporter.metrics().spans_sent,
            1,
            "{:?}",
            reporter.last_error()
        );
    }
    let zipkin: serde_json::Value =
        serde_json::from_slice(&zipkin_bodies.lock().unwrap()[0]).unwrap();
    assert_eq!(zipkin[0]["name"], "checkout", "{zipkin}");
    let otlp = support::decode_otlp(&otlp_bodies.lock().unwrap()[0]);
    let span = &otlp.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(span.name, "checkout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_key_or_gzip_the_collector_refuses_and_the_key_shows_nowhere() {
    let (endpoint, bodies) = strict_collector("/api/v2/spans").await;
    let (name, value) = key();
    let plain =
        send_one(Reporter::builder(endpoint.clone(), ZipkinJson::new("shop")).header(name, value))
            .await;
    let error = plain.last_error().unwrap();
    assert_eq!(
        error.kind(),
        ExportErrorKind::Status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
    );
    assert_eq!(plain.metrics().dropped_rejected, 1, "a 4xx is a refusal");
    let keyless = send_one(
        Reporter::builder(endpoint.clone(), ZipkinJson::new("shop")).compression(Compression::Gzip),
    )
    .await;
    assert_eq!(
        keyless.last_error().unwrap().kind(),
        ExportErrorKind::Status(StatusCode::UNAUTHORIZED)
    );
    assert!(bodies.lock().unwrap().is_empty());

    let (name, value) = key();
    let builder = Reporter::builder(endpoint, ZipkinJson::new("shop")).header(name, value);
    let shown = format!("{builder:?} {plain:?} {error} {error:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("x-api-key"), "the name may show: {shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_sets_the_key_gzip_and_the_resource() {
    let (endpoint, bodies) = strict_collector("/v1/traces").await;
    let endpoint = endpoint.to_string();
    let config = opentracing_core::config::EnvConfig::from_vars([
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=SECRET-KEY-4711"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.name=shop,deployment.environment.name=staging",
        ),
    ])
    .unwrap();
    support::report_checkout(config).await;
    let bodies = bodies.lock().unwrap();
    // OTLP's default protocol: protobuf over HTTP.
    let attributes = resource_attributes(&support::decode_otlp(&bodies[0]));
    for (key, value) in [
        ("service.name", "shop"),
        ("deployment.environment.name", "staging"),
        ("telemetry.sdk.language", "rust"),
        ("telemetry.sdk.name", "opentracing-core"),
    ] {
        assert!(
            attributes.contains(&(key.to_owned(), value.to_owned())),
            "{key}: {attributes:?}"
        );
    }
}

/// The string attributes of the request's first resource.
fn resource_attributes(
    request: &opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
) -> Vec<(String, String)> {
    let resource = request.resource_spans[0].resource.as_ref().unwrap();
    resource
        .attributes
        .iter()
        .map(|attribute| {
            let value = match attribute.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(
                    text,
                )) => text.clone(),
                other => panic!("{}: not a string: {other:?}", attribute.key),
            };
            (attribute.key.clone(), value)
        })
        .collect()
}
