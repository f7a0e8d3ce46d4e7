//! The quick start's two services on loopback, reporting to one recorder, and the two
//! requests the backend tests send through them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use example_quickstart::{backend_app, frontend_app, serve_on_loopback};
use opentracing_core::propagation::B3;
use opentracing_core::reference::{Propagator, ReferenceTracer};
use opentracing_core::report::{Encoder, Executor, ReporterBuilder};
use opentracing_core::{Fanout, FinishedSpan, InMemoryRecorder, Recorder};
use reqwest_middleware::ClientBuilder;
use tracing_reqwest::TracingMiddleware;

/// How the services pass their context.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    /// W3C Trace Context: the backend's server span is a child of the client span.
    W3c,
    /// B3 only, and the backend joins its caller's span (Zipkin's shared span).
    B3Joined,
}

/// The two services' addresses.
pub struct Services {
    pub frontend: SocketAddr,
    pub backend: SocketAddr,
}

/// Starts both services, reporting to `recorder`.
pub async fn start(recorder: Arc<dyn Recorder>, propagation: Propagation) -> Services {
    let propagator = match propagation {
        Propagation::W3c => Propagator::new(),
        Propagation::B3Joined => Propagator::empty().codec(B3::multi()),
    };
    let backend_tracer = ReferenceTracer::builder("backend", recorder.clone())
        .propagator(propagator.clone())
        .join_shared_spans(propagation == Propagation::B3Joined)
        .expect("the recorder records shared spans")
        .build();
    let backend = serve_on_loopback(backend_app(backend_tracer))
        .await
        .unwrap();
    let frontend_tracer = ReferenceTracer::builder("frontend", recorder)
        .propagator(propagator)
        .build();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(frontend_tracer.clone()))
        .build();
    let frontend = frontend_app(frontend_tracer, client, backend);
    let frontend = serve_on_loopback(frontend).await.unwrap();
    Services { frontend, backend }
}

impl Services {
    /// An untraced GET of the frontend, as a browser would send it; waits a little for
    /// the servers to finish their spans after the last byte.
    pub async fn get(&self, path: &str) -> StatusCode {
        let response = reqwest::get(format!("http://{}{path}", self.frontend))
            .await
            .expect("the frontend answers");
        let status = response.status();
        response.bytes().await.expect("the whole answer");
        tokio::time::sleep(Duration::from_millis(50)).await;
        status
    }
}

/// `GET /checkout` and a failing `GET /fail` through services reporting with `reporter`:
/// the services and the seven spans, once the reporter has sent every one of them.
pub async fn report_two_requests<E: Encoder>(
    reporter: ReporterBuilder<E>,
    propagation: Propagation,
) -> (Services, Vec<FinishedSpan>) {
    let reporter = reporter
        .batch_delay(Duration::from_millis(50))
        .start(Executor::Tokio(tokio::runtime::Handle::current()))
        .unwrap();
    let kept = Arc::new(InMemoryRecorder::new());
    let recorder = Arc::new(
        Fanout::new()
            .with(Arc::new(reporter.clone()))
            .with(kept.clone()),
    );
    let services = start(recorder, propagation).await;
    assert_eq!(services.get("/checkout").await, 200);
    assert_eq!(services.get("/fail").await, 502);
    let metrics = reporter.shutdown(Duration::from_secs(10)).await;
    let spans = kept.spans();
    assert_eq!(spans.len(), 7, "{spans:#?}");
    assert_eq!(
        metrics.spans_sent,
        7,
        "{metrics:?} {:?}",
        reporter.last_error()
    );
    (services, spans)
}

/// The span named `name`.
pub fn by_name<'a>(spans: &'a [FinishedSpan], name: &str) -> &'a FinishedSpan {
    spans
        .iter()
        .find(|span| span.operation_name() == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
}
