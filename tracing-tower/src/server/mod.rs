//! The server layer: a span for every request a service handles.
//!
//! # When the span starts, is active, and finishes
//!
//! - **Starts** in [`ServerTracing::call`](tower_service::Service::call), before the inner
//!   service sees the request: the caller's context is extracted from the headers with the
//!   tracer's `HttpHeaders` codecs; a missing or malformed context starts a new trace (a
//!   malformed one is logged on the span) and the request is served as usual. The span is a
//!   child of the caller's span, never of whatever span happens to be active. The
//!   [`Span`](opentracing_core::Span) handle is put in the request extensions, even for a
//!   no-op span, so handlers can always find it (`span.context()` gives its context).
//! - **Is active** while the inner service's `call` runs, on every poll of its response
//!   future, and while the response body makes each frame until the span finishes, on
//!   whichever thread polls. Spans
//!   started there (by the handler, by the client layer or the reqwest middleware) are its
//!   children. No [`Scope`](opentracing_core::Scope) is ever held across an `.await`.
//! - **Is tagged** with `span.kind=server`, `component`, `http.method`, `http.url` (without
//!   userinfo, query values redacted), `peer.ipv4`/`peer.ipv6` and `peer.port` when the peer
//!   address is known ([`RemoteAddr`](crate::RemoteAddr)), and, when the response headers are
//!   ready, by the [classifier](crate::classify): `http.status_code`, with `error=true` for
//!   a 5xx, by default. A gRPC call (`content-type: application/grpc`) is named
//!   `package.Service/Method` and tagged `rpc.*` ([`grpc`](crate::grpc)), its status read
//!   from the response headers or the trailers the body ends with. A method outside the
//!   [`KnownMethods`](crate::KnownMethods) is recorded as `_OTHER`, in the span name too,
//!   with the method as sent in [`http.request.method_original`](crate::HTTP_METHOD_ORIGINAL);
//!   every value made from the request is cut to [`MAX_TAG_VALUE_LEN`](crate::MAX_TAG_VALUE_LEN)
//!   bytes, so no request can make a span larger than a few such values.
//! - **Finishes** exactly once, and tags [`finish.reason`](crate::FINISH_REASON) with why:
//!   - `complete`: the body has been sent to its end: its last frame, or as many bytes as
//!     its length; at the headers for a response without a body (to `HEAD`, `1xx`, `204`,
//!     `304`, or empty);
//!   - `error`: the inner service returned an error, which is logged on the span and passed
//!     on unchanged;
//!   - `body_error`: the body failed part way;
//!   - `client_gone`: the body was dropped before its end (the peer went away);
//!   - `cancelled`: the response future was dropped before the response (a timeout layer
//!     outside this one, a disconnect);
//!   - `panic`: the service, its future or the body panicked; the span is tagged `error`
//!     and the panic continues, so a `CatchPanicLayer` outside this one still sees it;
//!   - `headers`: with [`FinishAt::Headers`](crate::FinishAt), as soon as the headers are
//!     ready (for endless streams).
//!
//! A request the [`RequestFilter`] rejects gets no span of its own: the caller's context is
//! active instead (a non-recording span), so the requests it makes still join the trace,
//! unless the layer does not [trust](InboundContext) inbound contexts.
//!
//! # At a public edge
//!
//! By default the layer trusts every caller's context ([`InboundContext::Trust`]): right
//! inside a system, wrong where the internet calls in, since a caller could then choose the
//! trace id, mark its requests unsampled so they are never recorded, and have its baggage
//! forwarded to every service behind. Trust callers by network instead: those elsewhere
//! start a new trace that links theirs, without their baggage or sampling decision.
//!
//! ```
//! use http::Request;
//! use opentracing_core::{MockTracer, ReferenceType};
//! use tower::{Layer, ServiceExt};
//! use tracing_tower::{InboundContext, RemoteAddr, ServerTracingLayer, TrustedNetworks};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let tracer = MockTracer::new();
//! let edge = ServerTracingLayer::new(tracer.clone())
//!     .inbound_context(InboundContext::TrustFrom(TrustedNetworks::private()))
//!     .layer(tower::service_fn(|_: Request<String>| async {
//!         Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
//!     }));
//!
//! // A caller on the internet sends a context (here in the mock tracer's headers).
//! let mut request = Request::get("/")
//!     .header("ot-tracer-traceid", "4bf92f3577b34da6a3ce929d0e0e4736")
//!     .header("ot-tracer-spanid", "f067aa0ba902b7")
//!     .header("ot-tracer-sampled", "true")
//!     .body(String::new())
//!     .unwrap();
//! request.extensions_mut().insert(RemoteAddr("203.0.113.9:443".parse().unwrap()));
//! edge.oneshot(request).await.unwrap();
//!
//! let span = &tracer.finished_spans()[0];
//! assert_ne!(span.context().trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
//! assert_eq!(span.parent_id(), None);
//! assert_eq!(span.references()[0].kind(), ReferenceType::FollowsFrom);
//! # }
//! ```
//!
//! On the client side, [`PropagationTargets`](crate::PropagationTargets) keeps trace headers
//! and baggage from reaching third-party APIs.
//!
//! # Layer order
//!
//! Put the layer outside the layers whose time should count in the span (timeouts, rate
//! limits, panic catching); a `TimeoutLayer` outside it cancels the span (`cancelled`), a
//! `CatchPanicLayer` outside it turns a panic into a 500 after the span recorded it.

mod config;
mod filter;
mod inbound;
mod layer;
mod networks;
mod on_request;
mod service;

pub use filter::RequestFilter;
pub use inbound::{CALLER_SPAN_ID, CALLER_TRACE_ID, InboundContext};
pub use layer::{REQUEST_HEADER_TAG_PREFIX, RESPONSE_HEADER_TAG_PREFIX, ServerTracingLayer};
pub use networks::{InvalidNetwork, TrustedNetworks};
pub use on_request::OnRequest;
pub use service::ServerTracing;
