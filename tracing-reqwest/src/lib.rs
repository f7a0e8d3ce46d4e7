//! [reqwest-middleware] middleware that gives every outbound call an OpenTracing client span
//! and sends its context in the trace headers.
//!
//! # Quick start
//!
//! ```
//! use std::sync::Arc;
//!
//! use opentracing_core::reference::ReferenceTracer;
//! use opentracing_core::{InMemoryRecorder, WithSpan, Tracer, tags};
//! use reqwest_middleware::ClientBuilder;
//! use tracing_reqwest::TracingMiddleware;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A server to call: it answers with the `traceparent` header it received.
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let app = axum::Router::new().route(
//!     "/inventory",
//!     axum::routing::get(|headers: axum::http::HeaderMap| async move {
//!         headers["traceparent"].to_str().unwrap().to_owned()
//!     }),
//! );
//! tokio::spawn(async move { axum::serve(listener, app).await });
//!
//! let recorder = Arc::new(InMemoryRecorder::new());
//! let tracer = ReferenceTracer::new("shop", recorder.clone()); // W3C headers by default
//! let client = ClientBuilder::new(reqwest::Client::new())
//!     .with(TracingMiddleware::new(tracer.clone()))
//!     .build();
//!
//! // The call is a child of the active span, here `checkout`.
//! let checkout = tracer.start_span("checkout");
//! let response = client
//!     .get(format!("http://{addr}/inventory"))
//!     .send()
//!     .with_span(checkout.clone())
//!     .await?;
//! let sent = response.text().await?;
//! checkout.finish();
//!
//! let spans = recorder.spans();
//! let call = &spans[0];
//! assert_eq!(call.operation_name(), "GET");
//! assert_eq!(call.parent_id(), checkout.context().map(|c| c.span_id()));
//! assert_eq!(call.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()), Some(200));
//! assert!(sent.contains(&call.context().span_id().to_string()));
//! # Ok(())
//! # }
//! ```
//!
//! # When the span starts, is active, and finishes
//!
//! - **Starts** when the middleware runs: a child of the
//!   [`SpanContext`](opentracing_core::SpanContext) in the request's extensions if there is
//!   one (`.with_extension(context)`), else of the active span (the server span inside a
//!   handler traced by tracing-tower or tracing-axum, or any span you made active), else a
//!   new trace. Named by the method unless [`ClientSpanOptions`] says otherwise. Tagged
//!   `span.kind=client`, `component=tracing-reqwest`, `http.method` (`_OTHER` for a method
//!   outside the [known methods](tracing_tower::KnownMethods), with the method as sent in
//!   `http.request.method_original`), `http.url` (without userinfo, query values redacted
//!   unless allowed) and `peer.hostname` (or `peer.ipv4`/`peer.ipv6` for an address) and
//!   `peer.port` from the URL. Values made from the request are cut to
//!   [`MAX_TAG_VALUE_LEN`](tracing_tower::MAX_TAG_VALUE_LEN) bytes.
//! - **Injects** its context into the request headers with the tracer's `HttpHeaders`
//!   codecs (W3C, B3, Jaeger, OpenTracing: whichever the tracer is configured with). The
//!   rule for headers you set yourself: if the request already has any header the codecs
//!   would write, the middleware adds none, so a context you propagate on purpose is never
//!   mixed with another.
//! - **Is active** while the rest of the middleware chain and reqwest run.
//! - **Finishes** when the body has been read to its end (`complete`), fails (`body_error`)
//!   or is dropped first (`client_gone`) ([`FinishAt::BodyEnd`], the default, as in
//!   tracing-tower's layers: the span covers the download and sees a gRPC status in the
//!   trailers), or with [`FinishAt::Headers`] when the response headers arrive. The
//!   [classifier](tracing_tower::classify) tags it from the response, as tracing-tower's
//!   client layer does: by default `http.status_code`, and `error=true` with an `error` log
//!   for a 4xx or 5xx; a gRPC call's `rpc.grpc.status_code`. It is tagged the peer's address
//!   when reqwest knows it, and `finish.reason`. A failed call (connection refused, timeout,
//!   DNS) is tagged `error=true` and logged with `error.kind` (`connect`, `timeout`, ...)
//!   and `message`; the error reaches the caller unchanged. A call dropped before its
//!   response finishes `cancelled`.
//!
//! reqwest 0.13 gives middleware the response before its body is read; finishing at the
//! body's end wraps the body, which keeps `bytes()`, `text()`, `json()` and `chunk()`
//! working as before.
//!
//! # With reqwest-retry
//!
//! Middleware runs in the order it is added. Add this middleware **after** the retry
//! middleware to get one span per attempt, each with its own span id in the headers, so
//! the server's spans of each attempt hang under their own client span. Add it **before**
//! to get one span for the whole call, whose headers every attempt repeats. One span per
//! attempt is usually what you want: the failed attempts stay visible.
//!
//! ```
//! use reqwest_middleware::ClientBuilder;
//! use reqwest_retry::{RetryTransientMiddleware, policies::ExponentialBackoff};
//! use tracing_reqwest::TracingMiddleware;
//!
//! let retry = RetryTransientMiddleware::new_with_policy(
//!     ExponentialBackoff::builder().build_with_max_retries(3),
//! );
//! let client = ClientBuilder::new(reqwest::Client::new())
//!     .with(retry)
//!     .with(TracingMiddleware::default()) // one span per attempt, global tracer
//!     .build();
//! # drop(client);
//! ```
//!
//! # Minimum supported Rust version
//!
//! 1.88.
//!
//! [reqwest-middleware]: https://docs.rs/reqwest-middleware
//! [`FinishAt::Headers`]: tracing_tower::FinishAt::Headers
//! [`FinishAt::BodyEnd`]: tracing_tower::FinishAt::BodyEnd

mod error;
mod middleware;
mod options;
mod response;

pub use middleware::{COMPONENT, TracingMiddleware};
pub use options::ClientSpanOptions;
pub use tracing_tower::FinishAt;

/// This crate's README snippets, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
