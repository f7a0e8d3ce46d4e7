//! Tower layers that give every HTTP request an OpenTracing span.
//!
//! - [`ServerTracingLayer`] wraps any `Service<http::Request<B>, Response =
//!   http::Response<B2>>` (axum, hyper, tonic): it continues the caller's trace from the
//!   request headers, makes a server span active while the request is handled, tags it,
//!   and finishes it when the response body has been sent.
//! - [`ClientTracingLayer`] wraps any tower HTTP client (hyper-util's `Client`, tonic
//!   channels): a client span per request, a child of the active span, with its context
//!   injected into the request headers.
//!
//! Both work with any [`Tracer`](opentracing_core::Tracer): the global tracer by default,
//! the no-op and mock tracers, or the reference tracer with its codecs (W3C Trace Context,
//! B3, Jaeger, OpenTracing headers).
//!
//! # Quick start
//!
//! ```
//! use std::convert::Infallible;
//! use std::time::Duration;
//!
//! use http::{Request, Response, StatusCode};
//! use opentracing_core::{MockTracer, Tracer, tags};
//! use tower::{ServiceBuilder, ServiceExt};
//! use tower_http::catch_panic::CatchPanicLayer;
//! use tower_http::timeout::TimeoutLayer;
//! use tracing_tower::ServerTracingLayer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let tracer = MockTracer::new();
//! let handler_tracer = tracer.clone();
//! let handler = tower::service_fn(move |_request: Request<String>| {
//!     // The server span is active here: spans started now are its children.
//!     handler_tracer.start_span("db query").finish();
//!     async { Ok::<_, Infallible>(Response::new(String::from("hello"))) }
//! });
//! let service = ServiceBuilder::new()
//!     .layer(CatchPanicLayer::new())
//!     .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(10)))
//!     .layer(ServerTracingLayer::new(tracer.clone()))
//!     .service(handler);
//!
//! // A caller's context, in the mock tracer's OpenTracing headers.
//! let request = Request::get("/hello")
//!     .header("ot-tracer-traceid", "4bf92f3577b34da6a3ce929d0e0e4736")
//!     .header("ot-tracer-spanid", "f067aa0ba902b7")
//!     .header("ot-tracer-sampled", "true")
//!     .body(String::new())
//!     .unwrap();
//! let response = service.oneshot(request).await.unwrap();
//! // The span finishes once the body has been sent.
//! let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
//! assert_eq!(body.to_bytes(), "hello");
//!
//! let spans = tracer.finished_spans();
//! let (query, server) = (&spans[0], &spans[1]);
//! assert_eq!(server.operation_name(), "GET");
//! assert_eq!(server.context().trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
//! assert_eq!(query.parent_id(), Some(server.context().span_id()));
//! assert_eq!(server.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()), Some(200));
//! assert_eq!(server.tag("finish.reason").and_then(|v| v.as_str()), Some("complete"));
//! # }
//! ```
//!
//! The reference tracer reads W3C, B3 and Jaeger headers too, as configured.
//!
//! See [`server`] and [`client`] for when each span starts, is active and finishes, and
//! the options.
//!
//! # Minimum supported Rust version
//!
//! 1.88.

mod body;
mod bound;
pub mod classify;
pub mod client;
mod finish;
mod future;
pub mod grpc;
mod headers;
pub mod http_span;
mod method;
mod operation_name;
mod peer;
mod response;
pub mod server;
mod url;
#[cfg(feature = "viewer")]
#[cfg_attr(docsrs, doc(cfg(feature = "viewer")))]
pub mod viewer;

pub use body::TracedBody;
pub use bound::MAX_TAG_VALUE_LEN;
pub use client::{ClientTracing, ClientTracingLayer, PropagationTargets};
pub use finish::{FINISH_REASON, FinishAt, FinishReason};
pub use future::ResponseFuture;
pub use headers::REDACTED_HEADER;
pub use method::{HTTP_METHOD_ORIGINAL, KnownMethods, OTHER_METHOD};
pub use operation_name::{DefaultOperationName, MakeOperationName};
pub use peer::{DefaultPeerAddr, PeerAddr, RemoteAddr};
pub use server::{
    InboundContext, InvalidNetwork, OnRequest, RequestFilter, ServerTracing, ServerTracingLayer,
    TrustedNetworks,
};
pub use url::{REDACTED, UrlRedactor};

/// The `component` tag of the spans these layers start.
pub const COMPONENT: &str = "tracing-tower";

/// This crate's README snippets, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
