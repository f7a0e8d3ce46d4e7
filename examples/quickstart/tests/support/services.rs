//! Two traced axum services on loopback, as the quick start runs them: `frontend` calls
//! `backend` through the traced reqwest client; both report to one recorder.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use opentracing_core::propagation::B3;
use opentracing_core::reference::{Propagator, ReferenceTracer};
use opentracing_core::{Recorder, Span, Tracer, tags};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use tracing_axum::{ActiveSpan, RouterExt};
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
    let backend = serve(backend_app(backend_tracer)).await;
    let frontend_tracer = ReferenceTracer::builder("frontend", recorder)
        .propagator(propagator)
        .build();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(frontend_tracer.clone()))
        .build();
    let frontend = serve(frontend_app(frontend_tracer, client, backend)).await;
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

fn backend_app(tracer: ReferenceTracer) -> Router {
    Router::new()
        .route(
            "/stock/{item}",
            get(
                |Path(item): Path<u32>, State(tracer): State<ReferenceTracer>| async move {
                    let query: Span = tracer
                        .span_builder("SELECT stock")
                        .tag(tags::DATABASE_TYPE, "sql")
                        .tag(
                            tags::DATABASE_STATEMENT,
                            "SELECT count FROM stock WHERE item = ?",
                        )
                        .start();
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    query.finish();
                    format!("item {item}: 7 in stock")
                },
            ),
        )
        .route(
            "/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "database down") }),
        )
        .with_state(tracer.clone())
        .traced_with(tracer)
}

#[derive(Clone)]
struct Frontend {
    client: ClientWithMiddleware,
    backend: SocketAddr,
}

impl Frontend {
    async fn call(&self, path: &str) -> Result<String, StatusCode> {
        let response = self
            .client
            .get(format!("http://{}{path}", self.backend))
            .send()
            .await
            .map_err(|_| StatusCode::BAD_GATEWAY)?;
        if !response.status().is_success() {
            return Err(StatusCode::BAD_GATEWAY);
        }
        response.text().await.map_err(|_| StatusCode::BAD_GATEWAY)
    }
}

fn frontend_app(
    tracer: ReferenceTracer,
    client: ClientWithMiddleware,
    backend: SocketAddr,
) -> Router {
    Router::new()
        .route(
            "/checkout",
            get(|State(app): State<Frontend>, span: ActiveSpan| async move {
                span.set_tag("cart.items", 3);
                span.log_kv([("event", "cart loaded")]);
                app.call("/stock/7").await
            }),
        )
        .route(
            "/fail",
            get(|State(app): State<Frontend>| async move { app.call("/fail").await }),
        )
        .with_state(Frontend { client, backend })
        .traced_with(tracer)
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    addr
}
