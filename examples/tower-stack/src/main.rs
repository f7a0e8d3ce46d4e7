//! Run with: `cargo run -p example-tower-stack`
//!
//! tracing-tower without a framework: the server layer in a `ServiceBuilder` stack (panic
//! catching, a timeout, a concurrency limit) served by hyper directly, and the client layer
//! on hyper-util's client calling it. One request is fine, one panics, one times out; the
//! waterfalls show each span's `finish.reason`.
#![allow(clippy::print_stdout)]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::view::WaterfallRecorder;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::add_extension::AddExtensionLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tracing_tower::{
    ClientTracingLayer, FINISH_REASON, KnownMethods, RemoteAddr, ServerTracingLayer,
};

async fn handler(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    match request.uri().path() {
        "/panic" => panic!("a bug in the handler"),
        "/slow" => tokio::time::sleep(Duration::from_secs(5)).await,
        _ => {}
    }
    Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
}

/// `serve GET /path` for the paths this service has, `serve GET other` for the rest: a
/// name never holds what a caller made up.
fn server_name<B>(request: &Request<B>) -> String {
    format!("serve {}", route(request))
}

/// `call GET /path`.
fn client_name<B>(request: &Request<B>) -> String {
    format!("call {}", route(request))
}

/// The method as the layers record it, and the path if it is one of ours.
fn route<B>(request: &Request<B>) -> String {
    let method = KnownMethods::default().name(request.method());
    let path = match request.uri().path() {
        path @ ("/hello" | "/panic" | "/slow") => path,
        _ => "other",
    };
    format!("{method} {path}")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let waterfall = Arc::new(WaterfallRecorder::stdout());
    let tracer = ReferenceTracer::new("tower-stack", waterfall.clone());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server_tracer = tracer.clone();
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            // Outermost first: panics become 500s and slow requests 408s after the span
            // recorded them; the span covers the limit's wait too.
            let service = ServiceBuilder::new()
                .layer(CatchPanicLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_millis(200),
                ))
                .layer(AddExtensionLayer::new(RemoteAddr(peer)))
                .layer(
                    ServerTracingLayer::new(server_tracer.clone()).operation_name_with(server_name),
                )
                .concurrency_limit(64)
                .service_fn(handler);
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::spawn(connection);
        }
    });

    let client = ServiceBuilder::new()
        .layer(ClientTracingLayer::new(tracer.clone()).operation_name_with(client_name))
        .service(Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>());
    for path in ["/hello", "/panic", "/slow"] {
        let request = Request::get(format!("http://{addr}{path}")).body(Full::default())?;
        let response = client.clone().oneshot(request).await?;
        let status = response.status();
        response.into_body().collect().await?;
        println!("GET {path} -> {status}");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    waterfall.flush();
    println!("each server span carries a `{FINISH_REASON}` tag: complete, panic, cancelled");
    Ok(())
}
