//! The pieces of an HTTP span that the server layer, the client layer and other
//! integrations (tracing-axum, tracing-reqwest, or one of your own) share, so that every
//! span is named, tagged, redacted, bounded, finished and marked as an error the same way.
//!
//! | piece | what it does |
//! |---|---|
//! | [`KnownMethods`], [`tag_method`] | `http.method`, `_OTHER` for a method outside the known ones |
//! | [`UrlRedactor`] | `http.url` without userinfo or query values; error texts without them |
//! | [`tag_peer_addr`], [`tag_peer_host`] | `peer.ipv4`/`peer.ipv6`/`peer.hostname` and `peer.port` |
//! | [`inject_headers`] | the context into the request headers, unless the caller set some |
//! | [`bounded`], [`MAX_TAG_VALUE_LEN`] | every value made from a request cut to 2 KiB |
//! | [`FinishGuard`] | finishes the span exactly once with a [`FinishReason`]; records errors one way ([`FinishGuard::record_error`]) |
//! | [`TracedBody`] | a body that finishes its span at its end |
//!
//! ```
//! use opentracing_core::{MockTracer, Tracer, tags};
//! use tracing_tower::http_span::{FinishGuard, KnownMethods, UrlRedactor, tag_method};
//! use tracing_tower::{FINISH_REASON, FinishReason};
//!
//! // A client of your own: a span per call, tagged and finished as the layers do.
//! let tracer = MockTracer::new();
//! let method = http::Method::from_bytes(b"BREW").unwrap();
//! let url = "http://pot.example/coffee?key=secret";
//! let span = tracer.span_builder("call").tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_CLIENT).start();
//! tag_method(&span, &method, KnownMethods::default().name(&method));
//! let urls = UrlRedactor::default();
//! span.set_tag(tags::HTTP_URL, urls.redact(url));
//! let guard = FinishGuard::new(span, FinishReason::Cancelled).redacting(&urls, url);
//! guard.record_error("connect", &format!("could not reach {url}"));
//! guard.finish(FinishReason::Error);
//!
//! let span = &tracer.finished_spans()[0];
//! assert_eq!(span.tag(tags::HTTP_METHOD).and_then(|v| v.as_str()), Some("_OTHER"));
//! assert_eq!(span.tag(FINISH_REASON).and_then(|v| v.as_str()), Some("error"));
//! let message = span.logs()[0].field("message").and_then(|v| v.as_str()).unwrap();
//! assert_eq!(message, "could not reach http://pot.example/coffee?key=REDACTED");
//! ```

pub use crate::TracedBody;
pub use crate::bound::{MAX_TAG_VALUE_LEN, bounded};
pub use crate::client::inject::inject_headers;
pub use crate::finish::{FinishGuard, FinishReason};
pub use crate::method::{KnownMethods, tag_method};
pub use crate::peer::{tag_peer_addr, tag_peer_host};
pub use crate::url::UrlRedactor;
