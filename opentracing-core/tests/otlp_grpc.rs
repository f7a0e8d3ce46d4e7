//! OTLP/gRPC: the reporter calls `TraceService/Export` on a tonic server built from the
//! official `opentelemetry-proto` definitions, which decodes every message itself.
#![cfg(feature = "reporter")]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceServiceServer;
use opentracing_core::Tracer;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{
    Compression, Executor, ExportErrorKind, Otlp, OtlpProtocol, Reporter, ReporterBuilder,
};
use tonic::codec::CompressionEncoding;
use tonic::transport::server::TcpIncoming;

const KEY: &str = "SECRET-GRPC-KEY-0815";

#[path = "support/grpc_collector.rs"]
mod grpc_collector;

use grpc_collector::{Answer, Collector};

/// Serves `collector` on a free port of 127.0.0.1, taking gzip; its address.
async fn serve(collector: Collector) -> http::Uri {
    serve_service(TraceServiceServer::new(collector).accept_compressed(CompressionEncoding::Gzip))
        .await
}

async fn serve_service(service: TraceServiceServer<Collector>) -> http::Uri {
    let incoming = TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = incoming.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(incoming),
    );
    format!("http://{address}").parse().unwrap()
}

fn builder(endpoint: http::Uri) -> ReporterBuilder<Otlp> {
    Reporter::builder(endpoint, Otlp::new("shop").protocol(OtlpProtocol::Grpc))
        .batch_delay(Duration::from_secs(60))
}

/// Reports spans named `names` and flushes.
async fn report(builder: ReporterBuilder<Otlp>, names: &[&str]) -> Reporter {
    let reporter = builder
        .start(Executor::Tokio(tokio::runtime::Handle::current()))
        .unwrap();
    let tracer = ReferenceTracer::new("shop", Arc::new(reporter.clone()));
    for name in names {
        tracer.start_span(name.to_string()).finish();
    }
    reporter.flush(Duration::from_secs(30)).await;
    reporter
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_a_grpc_collector_plain_and_gzip_with_the_key() {
    for compression in [Compression::None, Compression::Gzip] {
        let collector = Collector::default();
        let endpoint = serve(collector.clone()).await;
        let mut value = HeaderValue::from_static(KEY);
        value.set_sensitive(true);
        let builder = builder(endpoint)
            .compression(compression)
            .header(HeaderName::from_static("x-api-key"), value);
        let reporter = report(builder, &["checkout", "pay"]).await;
        let metrics = reporter.metrics();
        assert_eq!(metrics.spans_sent, 2, "{:?}", reporter.last_error());
        assert_eq!(metrics.dropped(), 0);
        let mut names = collector.span_names();
        names.sort();
        assert_eq!(names, ["checkout", "pay"], "{compression:?}");
        assert_eq!(*collector.keys.lock().unwrap(), [Some(KEY.to_owned())]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_is_what_a_collector_without_it_refuses() {
    let collector = Collector::default();
    let endpoint = serve_service(TraceServiceServer::new(collector.clone())).await;
    let builder = builder(endpoint).compression(Compression::Gzip);
    let reporter = report(builder, &["checkout"]).await;
    assert_eq!(
        reporter.last_error().unwrap().kind(),
        ExportErrorKind::GrpcStatus(12),
        "UNIMPLEMENTED: the message was compressed"
    );
    assert!(collector.span_names().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_is_retried_then_a_counted_failure_with_the_collectors_message() {
    let collector = Collector {
        answer: Answer::Unavailable,
        ..Collector::default()
    };
    let endpoint = serve(collector.clone()).await;
    let builder = builder(endpoint)
        .retry_backoff(Duration::from_millis(10), Duration::from_millis(20))
        .retry_timeout(Duration::from_millis(300));
    let reporter = report(builder, &["checkout"]).await;
    let metrics = reporter.metrics();
    assert_eq!(metrics.spans_sent, 0);
    assert_eq!(metrics.dropped_send_failure, 1);
    assert!(metrics.retries >= 1, "{metrics:?}");
    let error = reporter.last_error().unwrap();
    assert_eq!(error.kind(), ExportErrorKind::GrpcStatus(14));
    assert_eq!(
        error.to_string(),
        "the collector answered gRPC status 14 (UNAVAILABLE): collector is restarting"
    );
    assert_eq!(collector.span_names()[0], "checkout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_exhausted_waits_as_long_as_its_retry_info_says() {
    let collector = Collector {
        answer: Answer::ExhaustedTwice,
        ..Collector::default()
    };
    let endpoint = serve(collector.clone()).await;
    let started = std::time::Instant::now();
    let reporter = report(builder(endpoint), &["checkout"]).await;
    let metrics = reporter.metrics();
    assert_eq!((metrics.spans_sent, metrics.retries), (1, 2), "{metrics:?}");
    // Two answers each asked for 200 ms.
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(
        collector.span_names().len(),
        3,
        "two refusals, then the span taken"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_the_collector_rejects_are_counted() {
    let collector = Collector {
        answer: Answer::RejectOne,
        ..Collector::default()
    };
    let endpoint = serve(collector.clone()).await;
    let reporter = report(builder(endpoint), &["a", "b", "c"]).await;
    let metrics = reporter.metrics();
    assert_eq!(metrics.spans_sent, 2);
    assert_eq!(metrics.dropped_rejected, 1);
    let error = reporter.last_error().unwrap();
    assert_eq!(
        error.kind(),
        ExportErrorKind::Rejected {
            rejected: 1,
            spans: 3
        }
    );
    assert_eq!(error.message(), Some("too old"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_does_not_speak_grpc_is_a_failure() {
    // An HTTP/1.1-only listener: the HTTP/2 connection preface is refused.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let endpoint = format!("http://{address}").parse().unwrap();
    let reporter = report(
        builder(endpoint).retry_timeout(Duration::ZERO),
        &["checkout"],
    )
    .await;
    assert_eq!(reporter.metrics().dropped_send_failure, 1);
    assert!(reporter.last_error().is_some());
}

/// A response body that gives its frames one after the other; an error comes 50 ms
/// late, so that the client has the answer's head and first frames by then.
struct Scripted {
    frames: std::collections::VecDeque<Result<hyper::body::Frame<bytes::Bytes>, std::io::Error>>,
    delay: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl Scripted {
    fn new(frames: Vec<Result<hyper::body::Frame<bytes::Bytes>, std::io::Error>>) -> Self {
        Self {
            frames: frames.into(),
            delay: Box::pin(tokio::time::sleep(Duration::from_millis(50))),
        }
    }
}

impl hyper::body::Body for Scripted {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        if matches!(self.frames.front(), Some(Err(_))) {
            std::task::ready!(self.delay.as_mut().poll(context));
        }
        std::task::Poll::Ready(self.frames.pop_front())
    }
}

/// A gRPC server on loopback that answers call `n` with `answer(n)`: an HTTP/2 response
/// with `content-type: application/grpc` and that body.
async fn serve_raw(answer: fn(usize) -> Scripted) -> http::Uri {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let calls = calls.clone();
            let service = hyper::service::service_fn(move |_: http::Request<_>| {
                let body = answer(calls.fetch_add(1, Ordering::SeqCst));
                let mut response = http::Response::new(body);
                response
                    .headers_mut()
                    .insert("content-type", HeaderValue::from_static("application/grpc"));
                async move { Ok::<_, std::convert::Infallible>(response) }
            });
            tokio::spawn(
                hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    format!("http://{address}").parse().unwrap()
}

fn ok_trailers() -> hyper::body::Frame<bytes::Bytes> {
    let mut trailers = http::HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    hyper::body::Frame::trailers(trailers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_cut_off_before_its_status_is_retried() {
    let endpoint = serve_raw(|call| {
        let frames = if call == 0 {
            // Part of a message, then the stream is reset: no status ever comes.
            vec![
                Ok(hyper::body::Frame::data(bytes::Bytes::from_static(
                    b"\0\0\0",
                ))),
                Err(std::io::Error::other("reset")),
            ]
        } else {
            vec![
                Ok(hyper::body::Frame::data(bytes::Bytes::from_static(
                    b"\0\0\0\0\0",
                ))),
                Ok(ok_trailers()),
            ]
        };
        Scripted::new(frames)
    })
    .await;
    let reporter = report(
        builder(endpoint).retry_backoff(Duration::from_millis(10), Duration::from_millis(10)),
        &["checkout"],
    )
    .await;
    let metrics = reporter.metrics();
    assert_eq!(
        (metrics.spans_sent, metrics.retries, metrics.dropped()),
        (1, 1, 0),
        "{metrics:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_after_a_long_answer_is_read() {
    let endpoint = serve_raw(|_| {
        // 200 KiB of answer before the trailers: more than the reporter keeps.
        let chunk = bytes::Bytes::from(vec![0; 20 * 1024]);
        let mut frames: Vec<_> = (0..10)
            .map(|_| Ok(hyper::body::Frame::data(chunk.clone())))
            .collect();
        frames.push(Ok(ok_trailers()));
        Scripted::new(frames)
    })
    .await;
    let reporter = report(
        builder(endpoint).retry_timeout(Duration::ZERO),
        &["checkout"],
    )
    .await;
    let metrics = reporter.metrics();
    assert_eq!(
        (metrics.spans_sent, metrics.dropped()),
        (1, 0),
        "{metrics:?}"
    );
}
