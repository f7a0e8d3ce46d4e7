//! A strict collector's answer and the OTLP protobuf decoder, shared by the plain and the
//! TLS collector tests.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentracing_core::Tracer;
use opentracing_core::config::EnvConfig;
use opentracing_core::report::{Executor, Reporter};

/// The API key the collector wants in `x-api-key`.
pub(crate) const KEY: &str = "SECRET-KEY-4711";

/// 401 without the key, 415 without a gzip body, 400 for a body that does not decompress;
/// otherwise 200, with the decompressed body kept.
pub(crate) async fn answer(
    request: Request<Incoming>,
    kept: &Mutex<Vec<Vec<u8>>>,
) -> Response<Full<Bytes>> {
    let headers = request.headers().clone();
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let status = if headers.get("x-api-key").map(HeaderValue::as_bytes) != Some(KEY.as_bytes()) {
        StatusCode::UNAUTHORIZED
    } else if headers.get("content-encoding").map(HeaderValue::as_bytes) != Some(b"gzip") {
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    } else {
        let mut decoded = Vec::new();
        match flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut decoded) {
            Ok(_) => {
                kept.lock().unwrap().push(decoded);
                StatusCode::OK
            }
            Err(_) => StatusCode::BAD_REQUEST,
        }
    };
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// Starts `config` on this runtime, finishes one span named `checkout`, flushes, and checks
/// that the collector took it.
pub(crate) async fn report_checkout(config: EnvConfig) -> Reporter {
    let (tracer, reporter) = config
        .start(Executor::Tokio(tokio::runtime::Handle::current()))
        .unwrap();
    let reporter = reporter.unwrap();
    tracer.start_span("checkout").finish();
    reporter.flush(Duration::from_secs(30)).await;
    let sent = reporter.metrics().spans_sent;
    assert_eq!(sent, 1, "{:?}", reporter.last_error());
    reporter
}

/// An OTLP protobuf body, decoded by the types generated from the official
/// `opentelemetry-proto` definitions.
pub(crate) fn decode_otlp(body: &[u8]) -> ExportTraceServiceRequest {
    prost::Message::decode(body).expect("an ExportTraceServiceRequest")
}
