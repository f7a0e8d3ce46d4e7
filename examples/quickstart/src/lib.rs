//! The quick start's two services, for its binary and its tests: `backend` answers stock
//! queries (with a database span of its own) and fails on `/fail`; `frontend` calls it
//! through a traced reqwest client. Both are traced with tracing-axum's layer.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::{Tracer, tags};
use reqwest_middleware::ClientWithMiddleware;
use tracing_axum::{ActiveSpan, RouterExt};

/// The backend: `GET /stock/{item}` (a `SELECT stock` span under the request's) and
/// `GET /fail` (a 500), traced with `tracer`.
pub fn backend_app(tracer: ReferenceTracer) -> Router {
    Router::new()
        .route(
            "/stock/{item}",
            get(
                |Path(item): Path<u32>, State(tracer): State<ReferenceTracer>| async move {
                    // A child of this request's server span: the active span.
                    let query = tracer
                        .span_builder("SELECT stock")
                        .tag(tags::DATABASE_TYPE, "sql")
                        .start();
                    tokio::time::sleep(Duration::from_millis(2 + u64::from(item % 4))).await;
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
        let url = format!("http://{}{path}", self.backend);
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|_| StatusCode::BAD_GATEWAY)?;
        if !response.status().is_success() {
            return Err(StatusCode::BAD_GATEWAY);
        }
        response.text().await.map_err(|_| StatusCode::BAD_GATEWAY)
    }
}

/// The frontend: `GET /checkout` (one backend call), `GET /fanout` (four at once) and
/// `GET /fail` (a failing one), traced with `tracer`; `client` calls the backend at
/// `backend`.
pub fn frontend_app(
    tracer: ReferenceTracer,
    client: ClientWithMiddleware,
    backend: SocketAddr,
) -> Router {
    Router::new()
        .route(
            "/checkout",
            get(|State(app): State<Frontend>, span: ActiveSpan| async move {
                span.set_tag("cart.items", 1);
                span.log_kv([("event", "cart loaded")]);
                app.call("/stock/1").await
            }),
        )
        .route(
            "/fanout",
            get(|State(app): State<Frontend>| async move {
                let (a, b, c, d) = tokio::join!(
                    app.call("/stock/1"),
                    app.call("/stock/2"),
                    app.call("/stock/3"),
                    app.call("/stock/4"),
                );
                Ok::<_, StatusCode>([a?, b?, c?, d?].join("\n"))
            }),
        )
        .route(
            "/fail",
            get(|State(app): State<Frontend>| async move { app.call("/fail").await }),
        )
        .with_state(Frontend { client, backend })
        .traced_with(tracer)
}

/// Serves `app` on a free loopback port, in the background; its address.
pub async fn serve_on_loopback(app: Router) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    Ok(addr)
}
