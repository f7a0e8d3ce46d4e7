//! The reporter under collector faults, with real sockets on loopback: an outage, retries
//! told to wait, rate limiting, refusal, partial success, a slow collector, and the
//! accounting that holds through all of them.
#![cfg(feature = "reporter-plain")]

use std::collections::HashSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Executor, Reporter, ReporterBuilder, ZipkinJson};
use opentracing_core::{FinishedSpan, InMemoryRecorder, Tracer};
use proptest::prelude::*;
use tokio::task::JoinSet;

/// An answer to one message: its status, a `Retry-After` in seconds, a body and its
/// content type.
#[derive(Clone, Debug)]
struct Reply {
    status: StatusCode,
    retry_after: Option<u32>,
    body: &'static str,
    content_type: Option<&'static str>,
}

impl Reply {
    fn status(status: StatusCode) -> Self {
        Self {
            status,
            retry_after: None,
            body: "",
            content_type: None,
        }
    }
}

type Script = Arc<dyn Fn(usize) -> Reply + Send + Sync>;

/// A Zipkin collector on loopback that answers each message as its script says (by the
/// message's number, from 0), after `delay`; it keeps the ids of the spans it accepted.
/// It can go down (its listener and connections closed) and come back on the same port.
#[derive(Clone)]
struct Collector {
    addr: SocketAddr,
    script: Script,
    delay: Duration,
    messages: Arc<AtomicUsize>,
    accepted: Arc<Mutex<Vec<String>>>,
    serving: Arc<Mutex<Option<JoinSet<()>>>>,
}

impl Collector {
    async fn start(
        script: impl Fn(usize) -> Reply + Send + Sync + 'static,
        delay: Duration,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let collector = Collector {
            addr: listener.local_addr().unwrap(),
            script: Arc::new(script),
            delay,
            messages: Arc::default(),
            accepted: Arc::default(),
            serving: Arc::default(),
        };
        collector.serve(listener);
        collector
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let mut tasks = JoinSet::new();
        let collector = self.clone();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let collector = collector.clone();
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let collector = collector.clone();
                    async move { Ok::<_, Infallible>(collector.answer(request).await) }
                });
                connections.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        *self.serving.lock().unwrap() = Some(tasks);
    }

    async fn answer(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let body = request.into_body().collect().await.unwrap().to_bytes();
        tokio::time::sleep(self.delay).await;
        let reply = (self.script)(self.messages.fetch_add(1, Ordering::SeqCst));
        if reply.status.is_success() {
            let spans: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
            let ids = spans
                .iter()
                .map(|span| span["id"].as_str().unwrap().to_owned());
            self.accepted.lock().unwrap().extend(ids);
        }
        let mut response = Response::new(Full::new(Bytes::from(reply.body)));
        *response.status_mut() = reply.status;
        if let Some(content_type) = reply.content_type {
            response
                .headers_mut()
                .insert("content-type", content_type.parse().unwrap());
        }
        if let Some(seconds) = reply.retry_after {
            response
                .headers_mut()
                .insert("retry-after", seconds.to_string().parse().unwrap());
        }
        response
    }

    /// Closes the listener and every connection: new connections are refused.
    fn go_down(&self) {
        // Dropping the set aborts the accept loop, which drops its connections' set.
        drop(self.serving.lock().unwrap().take());
    }

    /// Listens again on the same port.
    async fn come_back(&self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    fn endpoint(&self) -> http::Uri {
        format!("http://{}/api/v2/spans", self.addr)
            .parse()
            .unwrap()
    }

    /// Spans accepted, and how many distinct ids among them.
    fn accepted(&self) -> (usize, usize) {
        let accepted = self.accepted.lock().unwrap();
        let distinct: HashSet<&String> = accepted.iter().collect();
        (accepted.len(), distinct.len())
    }
}

/// One row of the fault table (`cargo test --test faults -- --nocapture`).
fn row(fault: &str, metrics: &opentracing_core::report::ReporterMetrics) {
    eprintln!(
        "| {fault} | {} | {} | {} | queue full {}, refused {}, rate-limited {}, send failure {}, shutdown {} |",
        metrics.spans,
        metrics.spans_sent,
        metrics.retries,
        metrics.dropped_queue_full,
        metrics.dropped_rejected,
        metrics.dropped_rate_limited,
        metrics.dropped_send_failure,
        metrics.dropped_shutdown,
    );
}

fn always(reply: Reply) -> impl Fn(usize) -> Reply + Send + Sync + 'static {
    move |_| reply.clone()
}

fn builder(endpoint: http::Uri) -> ReporterBuilder<ZipkinJson> {
    Reporter::builder(endpoint, ZipkinJson::new("faults"))
}

fn start(builder: ReporterBuilder<ZipkinJson>) -> Reporter {
    builder
        .start(Executor::Tokio(tokio::runtime::Handle::current()))
        .unwrap()
}

/// `count` finished spans, each with its own id.
fn spans(count: usize) -> Vec<FinishedSpan> {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("faults", recorder.clone());
    for _ in 0..count {
        tracer.start_span("op").finish();
    }
    recorder.take()
}

/// Reports `per_second` spans a second for `seconds`, in slices of 10 ms.
async fn report_at(reporter: &Reporter, per_second: usize, seconds: f64) -> usize {
    let slices = (seconds * 100.0) as usize;
    let per_slice = per_second / 100;
    let mut interval = tokio::time::interval(Duration::from_millis(10));
    for _ in 0..slices {
        interval.tick().await;
        for span in spans(per_slice) {
            reporter.report(span);
        }
    }
    slices * per_slice
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_of_two_seconds_at_10_000_spans_a_second_loses_nothing() {
    let collector =
        Collector::start(always(Reply::status(StatusCode::ACCEPTED)), Duration::ZERO).await;
    let reporter = start(builder(collector.endpoint()));
    let mut reported = report_at(&reporter, 10_000, 0.5).await;
    collector.go_down();
    reported += report_at(&reporter, 10_000, 2.0).await;
    collector.come_back().await;
    reported += report_at(&reporter, 10_000, 0.5).await;
    let metrics = reporter.shutdown(Duration::from_secs(30)).await;
    row("down for 2 s at 10 000 spans/s", &metrics);
    assert_eq!(metrics.spans, reported as u64);
    assert_eq!(
        metrics.dropped(),
        0,
        "{metrics:?} {:?}",
        reporter.last_error()
    );
    assert!(metrics.retries > 0, "{metrics:?}");
    assert_eq!(collector.accepted(), (reported, reported), "each span once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let collector = Collector::start(
        |message| {
            if message < 3 {
                Reply {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    retry_after: Some(1),
                    body: "busy",
                    content_type: None,
                }
            } else {
                Reply::status(StatusCode::ACCEPTED)
            }
        },
        Duration::ZERO,
    )
    .await;
    let reporter = start(builder(collector.endpoint()));
    let started = Instant::now();
    for span in spans(10) {
        reporter.report(span);
    }
    let flushed = reporter.flush(Duration::from_secs(30)).await;
    let waited = started.elapsed();
    assert!(flushed.is_complete(), "{flushed:?}");
    let metrics = reporter.metrics();
    row("503 with Retry-After: 1, three times", &metrics);
    assert_eq!(
        (metrics.spans_sent, metrics.retries),
        (10, 3),
        "{metrics:?}"
    );
    // Three answers each asked for a second's wait.
    assert!(waited >= Duration::from_secs(3), "{waited:?}");
    assert_eq!(collector.accepted(), (10, 10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_rate_limits_forever_costs_counted_drops() {
    let collector = Collector::start(
        always(Reply::status(StatusCode::TOO_MANY_REQUESTS)),
        Duration::ZERO,
    )
    .await;
    let reporter = start(
        builder(collector.endpoint())
            .retry_backoff(Duration::from_millis(10), Duration::from_millis(50))
            .retry_timeout(Duration::from_millis(300)),
    );
    let reported = report_at(&reporter, 10_000, 1.0).await;
    let metrics = reporter.shutdown(Duration::from_secs(5)).await;
    row("429 forever, 10 000 spans/s, retry time 300 ms", &metrics);
    assert_eq!(metrics.spans, reported as u64);
    assert_eq!(metrics.spans_sent, 0);
    assert!(metrics.dropped_rate_limited > 0, "{metrics:?}");
    assert_eq!(metrics.dropped(), reported as u64, "{metrics:?}");
    assert!(metrics.retries > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_not_retried_and_keeps_the_collectors_message() {
    let collector = Collector::start(
        always(Reply {
            status: StatusCode::BAD_REQUEST,
            retry_after: None,
            body: "span name too long",
            content_type: None,
        }),
        Duration::ZERO,
    )
    .await;
    let reporter = start(builder(collector.endpoint()));
    for span in spans(30) {
        reporter.report(span);
    }
    let flushed = reporter.flush(Duration::from_secs(10)).await;
    assert_eq!(flushed.dropped, 30);
    let metrics = reporter.metrics();
    row("400 on every message", &metrics);
    assert_eq!(
        (metrics.dropped_rejected, metrics.retries),
        (30, 0),
        "{metrics:?}"
    );
    let error = reporter.last_error().unwrap().to_string();
    assert!(
        error.contains("400") && error.contains("span name too long"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protobuf_refusal_is_told_by_its_status_message() {
    // A google.rpc.Status: code (1) 3, message (2) "span 2 has no name", as OTLP/HTTP
    // answers in protobuf.
    let collector = Collector::start(
        always(Reply {
            status: StatusCode::BAD_REQUEST,
            retry_after: None,
            body: "\x08\x03\x12\x12span 2 has no name",
            content_type: Some("application/x-protobuf"),
        }),
        Duration::ZERO,
    )
    .await;
    let reporter = start(builder(collector.endpoint()));
    for span in spans(3) {
        reporter.report(span);
    }
    assert_eq!(reporter.flush(Duration::from_secs(10)).await.dropped, 3);
    let error = reporter.last_error().unwrap().to_string();
    assert!(error.ends_with(": span 2 has no name"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_backoff_still_waits_a_millisecond_and_the_wait_ends_with_the_retries() {
    let collector =
        Collector::start(always(Reply::status(StatusCode::ACCEPTED)), Duration::ZERO).await;
    collector.go_down();
    let reporter = start(
        builder(collector.endpoint())
            .retry_backoff(Duration::ZERO, Duration::ZERO)
            .retry_timeout(Duration::from_millis(300)),
    );
    for span in spans(1) {
        reporter.report(span);
    }
    assert_eq!(reporter.flush(Duration::from_secs(10)).await.dropped, 1);
    let metrics = reporter.metrics();
    // Waits of 0.5 to 1 ms for 300 ms: at most 600 retries.
    assert!(metrics.messages <= 601, "{metrics:?}");
    assert_eq!(metrics.dropped_send_failure, 1);
    assert_eq!(metrics.retry_backoff, None, "nothing waits now");
}

/// A runtime that goes away while batches wait for a free request: every span is still
/// counted, none left queued.
#[test]
fn a_runtime_gone_while_batches_wait_for_a_request_leaves_no_span_uncounted() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let reporter = runtime.block_on(async {
        // Answers after a minute: the one request in flight holds its place.
        let collector = Collector::start(
            always(Reply::status(StatusCode::ACCEPTED)),
            Duration::from_secs(60),
        )
        .await;
        let reporter = start(
            builder(collector.endpoint())
                .max_concurrent_requests(1)
                .max_batch_spans(10),
        );
        for span in spans(50) {
            reporter.report(span);
        }
        // The worker takes the queue and waits for a free request with four batches.
        let _ = reporter.flush(Duration::from_millis(300)).await;
        reporter
    });
    drop(runtime);
    let metrics = reporter.metrics();
    assert_eq!(metrics.spans, 50);
    assert_eq!(metrics.spans_sent, 0);
    assert_eq!(metrics.dropped_shutdown, 50, "{metrics:?}");
    assert_eq!(metrics.queued_spans, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_answering_in_20_ms_takes_100_000_spans_a_second() {
    let collector = Collector::start(
        always(Reply::status(StatusCode::ACCEPTED)),
        Duration::from_millis(20),
    )
    .await;
    let reporter = start(builder(collector.endpoint()));
    let reported = report_at(&reporter, 100_000, 1.0).await;
    let metrics = reporter.shutdown(Duration::from_secs(30)).await;
    row("answers in 20 ms, 100 000 spans/s", &metrics);
    assert_eq!(metrics.dropped(), 0, "{metrics:?}");
    assert_eq!(collector.accepted(), (reported, reported));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_says_when_the_last_success_was_and_how_long_the_wait_is() {
    let collector =
        Collector::start(always(Reply::status(StatusCode::ACCEPTED)), Duration::ZERO).await;
    let reporter = start(
        builder(collector.endpoint())
            .retry_backoff(Duration::from_millis(200), Duration::from_secs(1)),
    );
    assert_eq!(reporter.metrics().last_success, None);
    for span in spans(5) {
        reporter.report(span);
    }
    assert!(reporter.flush(Duration::from_secs(10)).await.is_complete());
    let success = reporter.metrics().last_success.expect("a success");
    collector.go_down();
    for span in spans(5) {
        reporter.report(span);
    }
    let flushed = reporter.flush(Duration::from_millis(500)).await;
    assert_eq!(flushed.pending, 5, "waiting to be retried: {flushed:?}");
    let metrics = reporter.metrics();
    assert!(metrics.retry_backoff.is_some(), "{metrics:?}");
    assert_eq!(metrics.last_success, Some(success));
    collector.come_back().await;
    assert!(reporter.flush(Duration::from_secs(10)).await.is_complete());
    assert_eq!(reporter.metrics().retry_backoff, None);
}

/// Keeps the reporter's log lines.
struct Lines(Mutex<Vec<String>>);

impl log::Log for Lines {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("opentracing_core")
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}", record.level(), record.args());
            self.0.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

static LINES: Lines = Lines(Mutex::new(Vec::new()));

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_logged_once_then_the_recovery() {
    log::set_logger(&LINES).unwrap();
    log::set_max_level(log::LevelFilter::Info);
    let collector =
        Collector::start(always(Reply::status(StatusCode::ACCEPTED)), Duration::ZERO).await;
    let url = format!("http://{}/api/v2/spans?key=SECRET", collector.addr);
    let reporter = start(
        builder(url.parse().unwrap())
            .retry_backoff(Duration::from_millis(20), Duration::from_millis(40)),
    );
    collector.go_down();
    for span in spans(3) {
        reporter.report(span);
    }
    let pending = reporter.flush(Duration::from_millis(400)).await;
    assert_eq!(pending.pending, 3, "still retried: {pending:?}");
    collector.come_back().await;
    assert!(reporter.flush(Duration::from_secs(10)).await.is_complete());
    let endpoint = format!("http://{}/api/v2/spans", collector.addr);
    // Other tests of this binary log too: this one's lines name its collector.
    let lines: Vec<String> = LINES
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains(&collector.addr.to_string()))
        .cloned()
        .collect();
    assert_eq!(
        lines.len(),
        2,
        "one for the failures, one for the recovery: {lines:?}"
    );
    assert!(
        lines[0].starts_with(&format!(
            "WARN span export to {endpoint} failing: the collector could not be reached"
        )),
        "{lines:?}"
    );
    assert!(
        lines[0].ends_with("; 0 spans dropped since the last report"),
        "{lines:?}"
    );
    assert_eq!(
        lines[1],
        format!("INFO span export to {endpoint} works again")
    );
    assert!(!lines.concat().contains("SECRET"));
}

/// What a collector may answer, as a proptest strategy.
fn any_reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        Just(Reply::status(StatusCode::ACCEPTED)),
        Just(Reply::status(StatusCode::BAD_REQUEST)),
        Just(Reply::status(StatusCode::PAYLOAD_TOO_LARGE)),
        Just(Reply::status(StatusCode::TOO_MANY_REQUESTS)),
        Just(Reply::status(StatusCode::INTERNAL_SERVER_ERROR)),
        Just(Reply::status(StatusCode::SERVICE_UNAVAILABLE)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever the collector answers and whenever the shutdown comes, every span is
    /// counted once: sent or dropped.
    #[test]
    fn every_span_is_sent_or_dropped_once(
        replies in prop::collection::vec(any_reply(), 1..8),
        spans_reported in 0..300usize,
        shutdown_after_ms in 0..300u64,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let metrics = runtime.block_on(async {
            let collector = Collector::start(
                move |message| replies[message % replies.len()].clone(),
                Duration::ZERO,
            )
            .await;
            let reporter = start(
                builder(collector.endpoint())
                    .max_batch_spans(16)
                    .batch_delay(Duration::from_millis(5))
                    .retry_backoff(Duration::from_millis(5), Duration::from_millis(20))
                    .retry_timeout(Duration::from_millis(200)),
            );
            for span in spans(spans_reported) {
                reporter.report(span);
            }
            tokio::time::sleep(Duration::from_millis(shutdown_after_ms)).await;
            let metrics = reporter.shutdown(Duration::from_millis(100)).await;
            let accepted = collector.accepted().0 as u64;
            (metrics, accepted)
        });
        let (metrics, accepted) = metrics;
        prop_assert_eq!(metrics.spans, spans_reported as u64);
        prop_assert_eq!(metrics.spans_sent + metrics.dropped(), metrics.spans, "{:?}", metrics);
        // A message whose answer came after the deadline counts as dropped, yet may have
        // been taken: never the other way round.
        prop_assert!(metrics.spans_sent <= accepted, "{} > {}", metrics.spans_sent, accepted);
        prop_assert_eq!(metrics.queued_spans, 0);
    }
}
