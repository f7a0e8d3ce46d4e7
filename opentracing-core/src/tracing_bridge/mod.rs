//! The `tracing` ecosystem in the same trace: a `tracing-subscriber` layer that makes every
//! `tracing` span an OpenTracing span and every event a log on it.
//!
//! - A `tracing` span becomes a span of the layer's tracer, a child of the nearest enclosing
//!   `tracing` span the subscriber keeps (one its filter disables is skipped, and its
//!   children attach to the nearest enabled ancestor), or else of the active OpenTracing
//!   span: an `#[instrument]` function called from a handler traced by tracing-tower or
//!   tracing-axum is a child of the request's server span.
//! - Its fields become tags of their type (integers, floats, booleans, strings; anything
//!   else as its `Debug` text); `record` later updates them.
//! - An event becomes a log on its span (or, outside any `tracing` span, on the active
//!   OpenTracing span) with its fields and its `level`; an `ERROR` event tags the span
//!   `error=true` unless told otherwise.
//! - While a `tracing` span is entered its OpenTracing span is the active span, so a client
//!   call made inside (tracing-tower's client layer, tracing-reqwest) is its child and
//!   carries its context. This holds across `.await` with `tracing::Instrument`, and in a
//!   task spawned with `.in_current_span()`.
//! - The OpenTracing span finishes when the `tracing` span closes.
//!
//! ```
//! use opentracing_core::tracing_bridge::OpenTracingLayer;
//! use opentracing_core::{MockTracer, tags};
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! #[tracing::instrument]
//! fn load(user: u64) {
//!     tracing::info!(rows = 3, "loaded");
//! }
//!
//! let tracer = MockTracer::new();
//! let subscriber = tracing_subscriber::registry().with(OpenTracingLayer::new(tracer.clone()));
//! tracing::subscriber::with_default(subscriber, || load(42));
//!
//! let span = &tracer.finished_spans()[0];
//! assert_eq!(span.operation_name(), "load");
//! assert_eq!(span.tag("user").and_then(|v| v.as_i64()), Some(42));
//! let log = &span.logs()[0];
//! assert_eq!(log.field("rows").and_then(|v| v.as_i64()), Some(3));
//! assert_eq!(log.field("level").and_then(|v| v.as_str()), Some("INFO"));
//! ```
//!
//! Log lines carry the active span's ids with [`WithTraceIds`], in one line of setup:
//!
//! ```
//! use opentracing_core::tracing_bridge::WithTraceIds;
//!
//! let subscriber = tracing_subscriber::fmt().map_event_format(WithTraceIds::text).finish();
//! # drop(subscriber);
//! ```

mod layer;
mod trace_ids;

pub use layer::{LEVEL, OpenTracingLayer};
pub use trace_ids::WithTraceIds;
