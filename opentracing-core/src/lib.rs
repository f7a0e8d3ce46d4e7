//! The OpenTracing API for Rust: tracers, spans, span contexts, scopes, propagation, a
//! global tracer, no-op and mock tracers, and a compatibility harness.
//!
//! Library code instruments itself against the [`Tracer`] trait alone; the application
//! chooses the implementation at run time (no-op, mock, or a real tracer that reports to a
//! backend), passes it around as a cheap clone or an `Arc<dyn Tracer>`, or installs it as
//! the [global tracer](set_global_tracer).
//!
//! # Quick start
//!
//! ```
//! use opentracing_core::{MockTracer, Tracer, kv, tags};
//!
//! let tracer = MockTracer::new();
//! {
//!     // Active until the scope closes; closing it finishes the span.
//!     let scope = tracer.start_active_span("checkout");
//!     scope.span().set_tag(tags::COMPONENT, "shop");
//!
//!     // The active span is the implicit parent.
//!     let query = tracer.span_builder("db query").tag(tags::DATABASE_TYPE, "sql").start();
//!     query.log_kv(kv!["event" => "rows", "count" => 3]);
//!     query.finish();
//! }
//!
//! let spans = tracer.finished_spans();
//! let (query, checkout) = (&spans[0], &spans[1]);
//! assert_eq!(query.parent_id(), Some(checkout.context().span_id()));
//! assert_eq!(checkout.tag(tags::COMPONENT).and_then(|v| v.as_str()), Some("shop"));
//! ```
//!
//! Async code makes a span active across `.await` with [`WithSpan`], never with a
//! [`Scope`] (which is `!Send`); see the [`scope`] module.
//!
//! # From opentracing-python
//!
//! | opentracing-python | here |
//! |---|---|
//! | `Tracer` | the [`Tracer`] trait; `Arc<dyn Tracer>` for a run-time choice |
//! | `tracer.start_span(name, child_of=, references=, tags=, start_time=, ignore_active_span=)` | [`tracer.span_builder(name)`](Tracer::span_builder)`.child_of(..).follows_from(..).tag(..).start_time(..).ignore_active_span().start()`, or [`tracer.start_span(name)`](Tracer::start_span) |
//! | `tracer.start_active_span(name, finish_on_close=True)` | [`tracer.start_active_span(name)`](Tracer::start_active_span) (finishes on close), [`SpanBuilder::start_active`]`(finish_on_close)` |
//! | `start_child_span(parent, name)` | `tracer.span_builder(name).child_of(&parent).start()` |
//! | `tracer.inject(ctx, format, carrier)` / `extract(format, carrier)` | [`Tracer::inject`] with an [`InjectCarrier`] / [`Tracer::extract`] with an [`ExtractCarrier`]; it returns an [`Extracted`]: the caller's context, or only its sampling [`Decision`]; none is `Ok(None)` |
//! | `tracer.scope_manager`, `tracer.active_span` | [`Tracer::scope_manager`], [`Tracer::active_span`] |
//! | `Span` | [`Span`], a cheap `Clone` handle that may move between threads |
//! | `span.set_tag`, `log_kv`, `set_baggage_item`, `get_baggage_item`, `set_operation_name` | [`Span::set_tag`], [`Span::log_kv`] / [`Span::log_kv_at`], [`Span::set_baggage_item`], [`Span::baggage_item`], [`Span::set_operation_name`] |
//! | `span.finish(finish_time=None)` | [`Span::finish`], [`Span::finish_at`]; once only; on drop of the last handle if forgotten |
//! | `log_event`, `log` (deprecated) | [`Span::log_kv`] with an `event` field |
//! | `with span:` recording an exception | [`Span::record_error`]; a panic while a scope or instrumented future is active is recorded too |
//! | `SpanContext`, `baggage` | [`SpanContext`] (trace id, span id, sampled, [`Baggage`]) |
//! | `child_of`, `follows_from`, `Reference`, `ReferenceType` | [`Reference::child_of`], [`Reference::follows_from`], [`Reference`], [`ReferenceType`] |
//! | `Scope`, `ScopeManager`, `ThreadLocalScopeManager` | [`Scope`] (a `!Send` guard), [`ScopeManager`] (thread-local) |
//! | `AsyncioScopeManager`, `ContextVarsScopeManager` | [`WithSpan`] (active on every poll); `task::spawn`, `task::spawn_blocking` and `task::spawn_follows_from` with the `tokio` feature |
//! | `Format.TEXT_MAP`, `HTTP_HEADERS`, `BINARY` | [`InjectCarrier`] / [`ExtractCarrier`] variants, [`Format`] |
//! | `UnsupportedFormatException`, `InvalidCarrierException`, `SpanContextCorruptedException` | [`PropagationError`] with a [`PropagationErrorKind`] |
//! | `opentracing.tags`, `opentracing.logs` | the [`tags`] and [`logs`] modules, same strings |
//! | `global_tracer()`, `set_global_tracer()`, `is_global_tracer_registered()` | [`global_tracer`], [`set_global_tracer`], [`is_global_tracer_registered`] |
//! | the base `Tracer` (no-op) | [`NoopTracer`] |
//! | `mocktracer.MockTracer`, `finished_spans()`, `reset()` | [`MockTracer`] (feature `mock`), [`FinishedSpan`] |
//! | `harness.api_check`, `harness.scope_check` | [`harness`] (feature `harness`) |
//!
//! # Features
//!
//! - `http`: `HttpHeaders` propagation over `http::HeaderMap`.
//! - `mock`: [`MockTracer`].
//! - `harness`: the compatibility [`harness`] (implies `mock`).
//! - `tokio`: the `task` module, which carries the active span into spawned work.
//! - `reference`: the [reference tracer](mod@reference): random ids, samplers, codec lists.
//! - `view`: traces drawn as [waterfalls](view::WaterfallRecorder) in the terminal.
//! - `zipkin`, `otlp`: the Zipkin v2 JSON and OTLP/HTTP JSON span encodings in [`report`].
//! - `reporter`: the HTTP [reporter](report::Reporter) (both encodings; brings hyper and
//!   tokio), and [`config`]: the tracer and reporter from the `OTEL_*` variables.
//!
//! The wire codecs (W3C Trace Context and Baggage, B3, Jaeger, OpenTracing headers) are in
//! [`propagation`] and need no feature.
//!
//! None is on by default. The minimum supported Rust version is 1.88.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod baggage;
mod clock;
#[cfg(feature = "reporter-plain")]
#[cfg_attr(docsrs, doc(cfg(feature = "reporter-plain")))]
pub mod config;
mod context;
mod extracted;
mod finished;
mod global;
pub mod grpc;
mod ids;
mod kv;
mod limits;
pub mod logs;
mod noop;
mod options;
pub mod propagation;
mod recorder;
mod references;
mod sampling;
pub mod scope;
mod span;
pub mod tags;
mod tracer;
mod value;
mod with_span;

#[cfg(feature = "harness")]
#[cfg_attr(docsrs, doc(cfg(feature = "harness")))]
pub mod harness;
#[cfg(feature = "mock")]
mod mock;
#[cfg(feature = "reference")]
#[cfg_attr(docsrs, doc(cfg(feature = "reference")))]
pub mod reference;
#[cfg(any(feature = "zipkin", feature = "otlp"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "zipkin", feature = "otlp"))))]
pub mod report;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod task;
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub mod tracing_bridge;
#[cfg(feature = "view")]
#[cfg_attr(docsrs, doc(cfg(feature = "view")))]
pub mod view;

pub use baggage::Baggage;
pub use context::SpanContext;
pub use extracted::{Decision, Extracted};
pub use finished::{FinishedSpan, Key, LogRecord};
#[doc(hidden)]
pub use global::reset_global_tracer;
pub use global::{GlobalTracer, global_tracer, is_global_tracer_registered, set_global_tracer};
pub use ids::{SpanId, TraceId};
pub use limits::SpanLimits;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub use mock::MockTracer;
pub use noop::NoopTracer;
pub use options::{SpanBuilder, SpanOptions};
pub use propagation::{
    ExtractCarrier, Extractor, Format, InjectCarrier, Injector, InvalidTraceStateEntry,
    PropagationError, PropagationErrorKind, TraceState,
};
pub use recorder::{Discard, Fanout, InMemoryRecorder, Recorder};
pub use references::{IntoReferenced, Reference, ReferenceType, SpanReference};
pub use sampling::Sampling;
pub use scope::{Scope, ScopeManager};
pub use span::Span;
pub use tracer::Tracer;
pub use value::Value;
pub use with_span::{Spanned, WithSpan, in_span};

/// This crate's README snippets, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
