//! The reporter against local collectors that work, fail, stall, or are not there.
#![cfg(feature = "reporter-plain")]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use opentracing_core::Tracer;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Executor, ExportErrorKind, Reporter, ReporterBuilder, ZipkinJson};

/// A Zipkin-like collector on 127.0.0.1:0 that counts the spans it accepts; it answers
/// `fail_first` messages with 500 first, and waits `delay` before each answer.
#[derive(Clone)]
struct Collector {
    addr: SocketAddr,
    spans: Arc<AtomicUsize>,
    messages: Arc<AtomicUsize>,
}

impl Collector {
    async fn start(fail_first: usize, delay: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let collector = Collector {
            addr: listener.local_addr().unwrap(),
            spans: Arc::default(),
            messages: Arc::default(),
        };
        let counting = collector.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let counting = counting.clone();
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let counting = counting.clone();
                    async move {
                        let body = request.into_body().collect().await.unwrap().to_bytes();
                        tokio::time::sleep(delay).await;
                        let seen = counting.messages.fetch_add(1, Ordering::SeqCst);
                        let status = if seen < fail_first {
                            StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            let spans: Vec<serde_json::Value> =
                                serde_json::from_slice(&body).unwrap();
                            counting.spans.fetch_add(spans.len(), Ordering::SeqCst);
                            StatusCode::ACCEPTED
                        };
                        let mut response = Response::new(Full::new(Bytes::new()));
                        *response.status_mut() = status;
                        Ok::<_, Infallible>(response)
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        collector
    }

    fn endpoint(&self) -> http::Uri {
        format!("http://{}/api/v2/spans", self.addr)
            .parse()
            .unwrap()
    }

    fn spans(&self) -> usize {
        self.spans.load(Ordering::SeqCst)
    }
}

/// A deadline no healthy flush here comes near.
const FLUSH: Duration = Duration::from_secs(30);

fn builder(endpoint: http::Uri) -> ReporterBuilder<ZipkinJson> {
    Reporter::builder(endpoint, ZipkinJson::new("test")).batch_delay(Duration::from_secs(60))
}

fn on_this_runtime() -> Executor {
    Executor::Tokio(tokio::runtime::Handle::current())
}

/// Reports `count` spans through a reference tracer.
fn report(reporter: &Reporter, count: usize) {
    let tracer = ReferenceTracer::new("test", Arc::new(reporter.clone()));
    for _ in 0..count {
        tracer.start_span("work").finish();
    }
}

/// An address where nothing listens.
async fn closed_port() -> http::Uri {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/api/v2/spans").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_by_count_and_flushes() {
    let collector = Collector::start(0, Duration::ZERO).await;
    let reporter = builder(collector.endpoint())
        .max_batch_spans(10)
        .start(on_this_runtime())
        .unwrap();
    report(&reporter, 25);
    // Full batches may have gone before the flush: it accounts for what was left.
    let outcome = reporter.flush(FLUSH).await;
    assert!(outcome.is_complete(), "{outcome:?}");
    assert!((5..=25).contains(&outcome.sent), "{outcome:?}");
    assert_eq!(collector.spans(), 25);
    let metrics = reporter.metrics();
    assert_eq!(
        (metrics.spans, metrics.spans_sent, metrics.messages),
        (25, 25, 3)
    );
    assert_eq!(metrics.dropped(), 0);
    assert_eq!(metrics.queued_spans, 0);
    assert!(metrics.message_bytes > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_goes_after_its_delay() {
    let collector = Collector::start(0, Duration::ZERO).await;
    let reporter = builder(collector.endpoint())
        .batch_delay(Duration::from_millis(20))
        .start(on_this_runtime())
        .unwrap();
    report(&reporter, 3);
    for _ in 0..500 {
        if collector.spans() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(collector.spans(), 3, "sent without a flush");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_costs_counted_drops_once_out_of_retry_time() {
    let reporter = builder(closed_port().await)
        .retry_backoff(Duration::from_millis(10), Duration::from_millis(20))
        .retry_timeout(Duration::from_millis(100))
        .start(on_this_runtime())
        .unwrap();
    report(&reporter, 5);
    let outcome = reporter.flush(FLUSH).await;
    assert_eq!((outcome.sent, outcome.dropped, outcome.pending), (0, 5, 0));
    let metrics = reporter.metrics();
    assert_eq!(metrics.dropped_send_failure, 5);
    assert_eq!(metrics.messages_dropped, 1);
    assert!(metrics.retries >= 2, "{metrics:?}");
    let error = reporter.last_error().unwrap();
    assert!(
        error.to_string().contains("could not be reached"),
        "{error}"
    );
    assert_eq!(error.kind(), ExportErrorKind::Unreachable);
    assert!(
        std::error::Error::source(&error).is_some(),
        "the transport error is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_collector_then_recovery() {
    let collector = Collector::start(1, Duration::ZERO).await;
    let reporter = builder(collector.endpoint())
        .start(on_this_runtime())
        .unwrap();
    report(&reporter, 4);
    reporter.flush(FLUSH).await;
    assert_eq!(reporter.metrics().dropped_send_failure, 4);
    assert!(reporter.last_error().unwrap().to_string().contains("500"));
    report(&reporter, 6);
    reporter.flush(FLUSH).await;
    assert_eq!(collector.spans(), 6, "recovered");
    assert_eq!(reporter.metrics().spans_sent, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_collector_times_out() {
    let collector = Collector::start(0, Duration::from_secs(5)).await;
    let reporter = builder(collector.endpoint())
        .request_timeout(Duration::from_millis(100))
        .retry_timeout(Duration::ZERO)
        .start(on_this_runtime())
        .unwrap();
    report(&reporter, 2);
    reporter.flush(FLUSH).await;
    assert_eq!(reporter.metrics().dropped_send_failure, 2);
    assert!(
        reporter
            .last_error()
            .unwrap()
            .to_string()
            .contains("in time")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_never_answers_cannot_grow_the_queue() {
    let reporter = builder(hanging_collector().await)
        .max_queue_spans(100)
        .max_batch_spans(10)
        .request_timeout(Duration::from_secs(30))
        .start(on_this_runtime())
        .unwrap();
    report(&reporter, 1_000);
    let metrics = reporter.metrics();
    assert_eq!(metrics.spans, 1_000);
    assert!(metrics.queued_spans <= 100, "{metrics:?}");
    assert!(metrics.dropped_queue_full >= 880, "{metrics:?}");
    let stopped = reporter.shutdown(Duration::from_millis(200)).await;
    // Every span is accounted for: sent, or dropped for a reason.
    assert_eq!(
        stopped.spans,
        stopped.spans_sent + stopped.dropped(),
        "{stopped:?}"
    );
    assert!(stopped.dropped_shutdown + stopped.dropped_send_failure > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_byte_bound_holds_too() {
    let reporter = builder(closed_port().await)
        .max_queue_bytes(10_000)
        .start(on_this_runtime())
        .unwrap();
    report(&reporter, 100);
    let metrics = reporter.metrics();
    assert!(metrics.queued_spans < 100);
    assert!(metrics.dropped_queue_full > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_span_too_large_to_send_is_dropped_alone() {
    let collector = Collector::start(0, Duration::ZERO).await;
    let reporter = builder(collector.endpoint())
        .max_batch_bytes(2_000)
        .start(on_this_runtime())
        .unwrap();
    let tracer = ReferenceTracer::new("test", Arc::new(reporter.clone()));
    tracer
        .span_builder("huge")
        .tag("blob", "x".repeat(10_000))
        .start()
        .finish();
    for _ in 0..3 {
        tracer.start_span("small").finish();
    }
    reporter.flush(FLUSH).await;
    let metrics = reporter.metrics();
    assert_eq!(metrics.dropped_encoding, 1);
    assert_eq!(collector.spans(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_after_shutdown_are_counted() {
    let collector = Collector::start(0, Duration::ZERO).await;
    let reporter = builder(collector.endpoint())
        .start(on_this_runtime())
        .unwrap();
    report(&reporter, 2);
    let metrics = reporter.shutdown(Duration::from_secs(5)).await;
    assert_eq!(metrics.spans_sent, 2);
    report(&reporter, 1);
    assert_eq!(reporter.metrics().dropped_shutdown, 1);
}

#[test]
fn shutdown_sends_all_of_100_000_spans_from_its_own_thread() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let collector = runtime.block_on(Collector::start(0, Duration::ZERO));
    let reporter = Reporter::builder(collector.endpoint(), ZipkinJson::new("bulk"))
        .max_queue_spans(100_000)
        .max_queue_bytes(usize::MAX)
        .start(Executor::OwnThread)
        .unwrap();
    report(&reporter, 100_000);
    let metrics = reporter.shutdown_blocking(Duration::from_secs(120));
    assert_eq!(metrics.dropped(), 0, "{metrics:?}");
    assert_eq!(metrics.spans_sent, 100_000);
    assert_eq!(collector.spans(), 100_000, "counted at the collector");
}

#[test]
fn dropping_every_handle_sends_what_is_left() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let collector = runtime.block_on(Collector::start(0, Duration::ZERO));
    let reporter = builder(collector.endpoint())
        .start(Executor::OwnThread)
        .unwrap();
    report(&reporter, 7);
    drop(reporter);
    for _ in 0..500 {
        if collector.spans() == 7 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(collector.spans(), 7);
}

#[test]
fn a_bad_endpoint_is_a_clear_error_that_quotes_no_secret() {
    for endpoint in ["ftp://collector.example/SECRET", "/api/v2/spans"] {
        let error = builder(endpoint.parse().unwrap())
            .start(Executor::OwnThread)
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("http://") && !text.contains("SECRET"),
            "{text}"
        );
        assert!(std::error::Error::source(&error).is_none());
    }
}

#[test]
fn debug_shows_no_header_value_and_no_query() {
    let builder = builder(
        "http://collector:9411/api/v2/spans?key=SECRET"
            .parse()
            .unwrap(),
    )
    .header(
        http::HeaderName::from_static("x-api-key"),
        http::HeaderValue::from_static("SECRET"),
    );
    let shown = format!("{builder:?}");
    assert!(
        shown.contains("http://collector:9411/api/v2/spans") && !shown.contains("SECRET"),
        "{shown}"
    );
}

#[test]
fn credentials_in_the_endpoint_are_refused_not_sent() {
    for endpoint in [
        "http://user:SECRET@collector.example/api/v2/spans",
        "http://SECRET@collector.example/api/v2/spans",
    ] {
        let error = builder(endpoint.parse().unwrap())
            .start(Executor::OwnThread)
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("credentials in the URL are not sent") && !text.contains("SECRET"),
            "{text}"
        );
    }
}

/// Run by CI with `--no-default-features --features reporter-plain`.
#[cfg(not(feature = "tls"))]
#[test]
fn https_without_the_tls_feature_is_a_start_error_naming_it() {
    let error = builder("https://collector.example/api/v2/spans".parse().unwrap())
        .start(Executor::OwnThread)
        .unwrap_err();
    assert!(error.to_string().contains("`tls` feature"), "{error}");
}

#[test]
#[should_panic(expected = "timers are disabled")]
fn a_runtime_without_timers_is_refused_at_start() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _ = builder("http://127.0.0.1:9/api/v2/spans".parse().unwrap())
        .start(Executor::Tokio(runtime.handle().clone()));
}

/// A collector that accepts connections and never reads or answers.
async fn hanging_collector() -> http::Uri {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    format!("http://{addr}/").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flush_returns_by_its_deadline_and_loses_nothing() {
    // A full queue behind a collector that never answers, at a long request timeout: the
    // flush used to wait for every request to time out in turn (41 s at 2 s each).
    let reporter = builder(hanging_collector().await)
        .max_queue_spans(10_000)
        .max_batch_spans(100)
        .request_timeout(Duration::from_secs(2))
        .start(on_this_runtime())
        .unwrap();
    report(&reporter, 10_000);
    let flushed = tokio::time::timeout(
        Duration::from_secs(5),
        reporter.flush(Duration::from_millis(300)),
    )
    .await
    .expect("the flush kept its deadline");
    assert_eq!(flushed.sent, 0, "{flushed:?}");
    assert_eq!(flushed.pending + flushed.dropped, 10_000, "{flushed:?}");
    assert!(
        flushed.pending > 9_000,
        "nothing but the message in flight may fail: {flushed:?}"
    );
    // What was not sent stays queued, and a shutdown settles every span.
    let metrics = reporter.shutdown(Duration::from_millis(300)).await;
    assert_eq!(
        metrics.spans,
        metrics.spans_sent + metrics.dropped(),
        "{metrics:?}"
    );
}

#[test]
fn flush_blocking_returns_by_its_deadline() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let endpoint = runtime.block_on(hanging_collector());
    let reporter = builder(endpoint)
        .request_timeout(Duration::from_secs(30))
        .start(Executor::OwnThread)
        .unwrap();
    report(&reporter, 50);
    let started = std::time::Instant::now();
    let flushed = reporter.flush_blocking(Duration::from_millis(200));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(flushed.pending, 50, "{flushed:?}");
    assert!(!flushed.is_complete());
}

/// The threads of this process.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
fn shutdown_starts_no_thread() {
    // One thread for the whole test: a thread started by the shutdown would show.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let reporter = builder("http://127.0.0.1:9/".parse().unwrap())
            .start(on_this_runtime())
            .unwrap();
        let before = threads();
        let metrics = reporter.shutdown(Duration::from_secs(60)).await;
        assert_eq!(metrics.spans, 0);
        assert_eq!(threads(), before);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_an_otlp_collector_rejects_are_counted() {
    // An OTLP collector that accepts every message but rejects two spans of each.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = hyper::service::service_fn(|_: Request<Incoming>| async {
                let answer = r#"{"partialSuccess":{"rejectedSpans":"3","errorMessage":"too old"}}"#;
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
                    answer.as_bytes(),
                ))))
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    let endpoint = format!("http://{addr}/v1/traces").parse().unwrap();
    let reporter = Reporter::builder(
        endpoint,
        opentracing_core::report::Otlp::new("test")
            .protocol(opentracing_core::report::OtlpProtocol::HttpJson),
    )
    .batch_delay(Duration::from_secs(60))
    .start(on_this_runtime())
    .unwrap();
    report(&reporter, 5);
    reporter.flush(FLUSH).await;
    let metrics = reporter.metrics();
    assert_eq!(
        (metrics.spans_sent, metrics.dropped_rejected),
        (2, 3),
        "{metrics:?}"
    );
    assert!(
        reporter
            .last_error()
            .unwrap()
            .to_string()
            .contains("rejected 3 of 5 spans: too old")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_shared_spans_is_refused_when_reporting_otlp() {
    let endpoint: http::Uri = "http://127.0.0.1:9/v1/traces".parse().unwrap();
    let otlp = Reporter::builder(
        endpoint.clone(),
        opentracing_core::report::Otlp::new("edge")
            .protocol(opentracing_core::report::OtlpProtocol::HttpJson),
    )
    .start(on_this_runtime())
    .unwrap();
    let error = ReferenceTracer::builder("edge", Arc::new(otlp.clone()))
        .join_shared_spans(true)
        .unwrap_err();
    assert!(error.to_string().contains("OTLP"), "{error}");
    assert!(
        ReferenceTracer::builder("edge", Arc::new(otlp))
            .join_shared_spans(false)
            .is_ok()
    );
    let zipkin = builder(endpoint).start(on_this_runtime()).unwrap();
    assert!(
        ReferenceTracer::builder("edge", Arc::new(zipkin))
            .join_shared_spans(true)
            .is_ok()
    );
}
