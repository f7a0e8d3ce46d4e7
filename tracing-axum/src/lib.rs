//! One-line OpenTracing for [axum]: every request gets a server span named by its route
//! template (`GET /users/{id}`), and handlers reach it with the [`ActiveSpan`] extractor.
//!
//! It is tracing-tower's server layer with axum's hooks, so everything said there holds:
//! the caller's context is continued from the request headers, the span is active while
//! the handler runs (so the [tracing-reqwest] middleware makes its calls children of it),
//! errors and panics are tagged, and the span finishes when the response body has been
//! sent, with a `finish.reason`.
//!
//! # Quick start
//!
//! A service, traced, called by a traced reqwest client:
//!
//! ```
//! use std::net::SocketAddr;
//! use std::sync::Arc;
//!
//! use axum::{Router, extract::Path, routing::get};
//! use opentracing_core::reference::ReferenceTracer;
//! use opentracing_core::{InMemoryRecorder, tags};
//! use reqwest_middleware::ClientBuilder;
//! use tracing_axum::{ActiveSpan, RouterExt};
//! use tracing_reqwest::TracingMiddleware;
//!
//! async fn user(Path(id): Path<u32>, span: ActiveSpan) -> String {
//!     span.set_tag("user.id", i64::from(id));
//!     format!("user {id}")
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let recorder = Arc::new(InMemoryRecorder::new());
//! let tracer = ReferenceTracer::new("users", recorder.clone());
//!
//! let app = Router::new()
//!     .route("/users/{id}", get(user))
//!     .traced_with(tracer.clone()); // or `.layer(tracing_axum::layer_with(tracer))`
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let service = app.into_make_service_with_connect_info::<SocketAddr>();
//! tokio::spawn(async move { axum::serve(listener, service).await });
//!
//! let client = ClientBuilder::new(reqwest::Client::new())
//!     .with(TracingMiddleware::new(tracer))
//!     .build();
//! let body = client.get(format!("http://{addr}/users/7")).send().await?.text().await?;
//! assert_eq!(body, "user 7");
//!
//! # for _ in 0..100 {
//! #     if recorder.spans().len() == 2 { break }
//! #     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
//! # }
//! let spans = recorder.spans();
//! let call = spans.iter().find(|s| s.operation_name() == "GET").unwrap();
//! let server = spans.iter().find(|s| s.operation_name() == "GET /users/{id}").unwrap();
//! assert_eq!(server.parent_id(), Some(call.context().span_id()));
//! assert_eq!(server.tag("http.route").and_then(|v| v.as_str()), Some("/users/{id}"));
//! assert_eq!(server.tag("user.id").and_then(|v| v.as_i64()), Some(7));
//! assert_eq!(server.tag(tags::PEER_HOST_IPV4).and_then(|v| v.as_str()), Some("127.0.0.1"));
//! # Ok(())
//! # }
//! ```
//!
//! # Where to add the layer
//!
//! - **`Router::layer`** (or [`RouterExt::traced`]) after the routes: axum applies the
//!   layer to each route and to the fallback, after routing, so every span knows its route
//!   template, and unmatched requests (404) get a span named by the method alone. Routes
//!   added *after* the layer are not traced: add it last.
//! - **`Router::route_layer`**: only requests that match a route get a span; 404s and 405s
//!   do not.
//! - **Nested and merged routers**: add the layer to the outer router after `nest` and
//!   `merge`; the route template is the full one (`/api/users/{id}`). A service nested
//!   with `nest_service` is named by the method alone, since axum does not show its prefix
//!   to layers; to name it, add a layer to the nested service itself with
//!   `.operation_name_with(..)`.
//! - **Around the whole router** (a `ServiceBuilder` outside `Router`): routing has not
//!   happened yet, so spans are named by method only. Prefer `Router::layer`.
//! - Add `CatchPanicLayer` and timeouts **after** the tracing layer (each `.layer` call
//!   wraps the ones before it), so they sit outside it: the span records a panic before it
//!   becomes a 500, and a timeout as `cancelled`.
//!
//! # The peer's address
//!
//! Serve with `into_make_service_with_connect_info::<SocketAddr>()` and spans are tagged
//! `peer.ipv4`/`peer.ipv6` and `peer.port` from axum's `ConnectInfo`. With plain
//! `into_make_service` there is no address to read, and those tags are left out; behind a
//! proxy, add a [`RemoteAddr`](tracing_tower::RemoteAddr) extension yourself from a header
//! you trust.
//!
//! # Minimum supported Rust version
//!
//! 1.88.
//!
//! [axum]: https://docs.rs/axum
//! [tracing-reqwest]: https://docs.rs/tracing-reqwest

mod extract;
mod layer;
mod peer;
mod route;
mod router_ext;

pub use extract::{ActiveSpan, MissingActiveSpan};
pub use layer::{TracingLayer, layer, layer_with};
pub use peer::ConnectInfoAddr;
pub use route::{HTTP_ROUTE, RouteName, RouteTag};
pub use router_ext::RouterExt;

/// The `component` tag of the spans this crate's layer starts.
pub const COMPONENT: &str = "tracing-axum";

/// The workspace README's snippets, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// This crate's README snippets, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
