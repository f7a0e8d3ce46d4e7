//! The client layer: a span for every request an HTTP client sends.
//!
//! Works over any tower HTTP client service: hyper-util's legacy `Client`, tonic channels,
//! or a service of your own.
//!
//! ```no_run
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! use tower::{ServiceBuilder, ServiceExt};
//! use tracing_tower::ClientTracingLayer;
//!
//! # async fn call() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let client = ServiceBuilder::new()
//!     .layer(ClientTracingLayer::default()) // reports to the global tracer
//!     .service(Client::builder(TokioExecutor::new()).build_http::<String>());
//!
//! // A child of the active span (the server span, inside a traced handler).
//! let request = http::Request::get("http://127.0.0.1:3000/users/7").body(String::new())?;
//! let response = client.oneshot(request).await?;
//! # drop(response);
//! # Ok(())
//! # }
//! ```
//!
//! # When the span starts, is active, and finishes
//!
//! - **Starts** in [`ClientTracing::call`](tower_service::Service::call): a child of the
//!   [`SpanContext`](opentracing_core::SpanContext) in the request extensions if there is
//!   one (an explicit parent), else of the active span, else a new trace. Tagged
//!   `span.kind=client`, `component`, `http.method` (`_OTHER` for a method outside the
//!   [`KnownMethods`](crate::KnownMethods), as the server layer does), `http.url` (without
//!   userinfo, query values redacted) and `peer.hostname` (or `peer.ipv4`/`peer.ipv6`) and
//!   `peer.port` from the URI, each cut to [`MAX_TAG_VALUE_LEN`](crate::MAX_TAG_VALUE_LEN)
//!   bytes.
//! - **Injects** its context into the request headers with the tracer's `HttpHeaders`
//!   codecs, unless the request already has one of the headers they write: a caller that
//!   sets trace headers itself keeps them, and none is added.
//! - **Is active** while the inner client's `call` runs, on every poll of its future, and
//!   while the response body makes each frame until the span finishes.
//! - **Finishes** exactly once, tagged with [`finish.reason`](crate::FINISH_REASON): when
//!   the response body has been read to its end (`complete`), fails (`body_error`) or is
//!   dropped early (`client_gone`); when the client returns an error (`error`, logged with
//!   its message); when the response future is dropped (`cancelled`); on a panic (`panic`).
//!   When the headers arrive the [classifier](crate::classify) tags the span: by default
//!   `http.status_code`, with `error=true` for a 4xx or 5xx, as OpenTelemetry's HTTP
//!   conventions have it for clients; for a gRPC call `rpc.grpc.status_code` from the
//!   headers or the trailers, an error for any status but `OK`.
//!
//! # gRPC
//!
//! A request with `content-type: application/grpc` is a gRPC call: its span is named
//! `package.Service/Method` and tagged as the [`grpc`](crate::grpc) module says. A tonic
//! `Channel` sends requests with only a path: give the layer the channel's
//! [`origin`](ClientTracingLayer::origin) for `http.url` and the `peer.*` tags.

pub(crate) mod inject;
mod layer;
mod service;
mod targets;

pub use layer::ClientTracingLayer;
pub use service::ClientTracing;
pub use targets::PropagationTargets;
