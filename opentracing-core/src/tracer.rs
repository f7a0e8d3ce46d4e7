//! The `Tracer` trait.

use std::sync::Arc;

use crate::context::SpanContext;
use crate::extracted::Extracted;
use crate::finished::Key;
use crate::options::{SpanBuilder, SpanOptions};
use crate::propagation::{ExtractCarrier, InjectCarrier, PropagationError};
use crate::scope::{Scope, ScopeManager};
use crate::span::Span;

/// A tracer: starts spans and moves span contexts in and out of carriers.
///
/// The trait is object-safe, so an application can choose the implementation at run time
/// and hand out an `Arc<dyn Tracer>`; every tracer in this crate is also a cheap `Clone`
/// handle. `&T`, `Arc<T>` and `Box<T>` are tracers too, so the convenience methods
/// (which need a sized receiver) work on `Arc<dyn Tracer>`.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::{MockTracer, NoopTracer, Tracer, tags};
///
/// fn handle(tracer: &impl Tracer) {
///     let span = tracer.span_builder("handle").tag(tags::COMPONENT, "docs").start();
///     span.set_tag(tags::HTTP_STATUS_CODE, 200);
///     span.finish();
/// }
///
/// let chosen: Arc<dyn Tracer> = if std::env::var_os("TRACE").is_some() {
///     Arc::new(MockTracer::new())
/// } else {
///     Arc::new(NoopTracer::new())
/// };
/// handle(&chosen);
/// ```
pub trait Tracer: Send + Sync {
    /// Starts a span. Implementations call [`SpanOptions::resolve_parent`] to find the
    /// parent, choose ids and a sampling decision, then build the span with [`Span::new`].
    fn start_span_with_options(&self, options: SpanOptions) -> Span;

    /// Writes `context` into `carrier`.
    ///
    /// # Errors
    ///
    /// [`UnsupportedFormat`](crate::PropagationErrorKind::UnsupportedFormat) for a format
    /// this tracer does not know (every tracer knows the three standard ones), and
    /// [`InvalidCarrier`](crate::PropagationErrorKind::InvalidCarrier) for a custom format
    /// given the wrong carrier type.
    fn inject(
        &self,
        context: &SpanContext,
        carrier: InjectCarrier<'_>,
    ) -> Result<(), PropagationError>;

    /// Reads a caller's context, or only its sampling [`Decision`](crate::Decision), from
    /// `carrier`. `Ok(None)` means there was neither: a normal outcome.
    ///
    /// # Errors
    ///
    /// As for [`inject`](Self::inject), and
    /// [`SpanContextCorrupted`](crate::PropagationErrorKind::SpanContextCorrupted) when the
    /// carrier holds a context that cannot be read. Callers serving requests treat every
    /// error as "no context" and start a new trace.
    fn extract(&self, carrier: ExtractCarrier<'_>) -> Result<Option<Extracted>, PropagationError>;

    /// Whether this tracer only ever starts no-op spans and reads and writes no context in
    /// the standard formats, so that instrumentation may skip its own work for it (naming
    /// the span, reading headers). `false` unless a tracer says otherwise, as
    /// [`NoopTracer`](crate::NoopTracer) does; [`GlobalTracer`](crate::GlobalTracer) answers
    /// for the tracer registered now.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use opentracing_core::{MockTracer, NoopTracer, Tracer};
    ///
    /// assert!(NoopTracer::new().is_noop());
    /// assert!(!MockTracer::new().is_noop());
    /// let chosen: Arc<dyn Tracer> = Arc::new(NoopTracer::new());
    /// assert!(chosen.is_noop());
    /// ```
    fn is_noop(&self) -> bool {
        false
    }

    /// The scope manager, which tracks the active span of each thread.
    fn scope_manager(&self) -> ScopeManager {
        ScopeManager::new()
    }

    /// The active span of this thread, if any.
    fn active_span(&self) -> Option<Span> {
        self.scope_manager().active_span()
    }

    /// A builder for a span named `operation_name`: references, tags, start time, then
    /// [`start`](SpanBuilder::start) or [`start_active`](SpanBuilder::start_active).
    fn span_builder(&self, operation_name: impl Into<Key>) -> SpanBuilder<'_, Self>
    where
        Self: Sized,
    {
        SpanBuilder::new(self, operation_name.into())
    }

    /// Starts a span named `operation_name`, a child of the active span if there is one.
    fn start_span(&self, operation_name: impl Into<Key>) -> Span
    where
        Self: Sized,
    {
        self.span_builder(operation_name).start()
    }

    /// Starts a span and makes it active until the returned scope closes, which also
    /// finishes it (opentracing-python's default `finish_on_close=True`). For the other
    /// choice, use [`SpanBuilder::start_active`].
    fn start_active_span(&self, operation_name: impl Into<Key>) -> Scope
    where
        Self: Sized,
    {
        self.span_builder(operation_name).start_active(true)
    }
}

macro_rules! forward_tracer {
    ($($ptr:ty),*) => {$(
        impl<T: Tracer + ?Sized> Tracer for $ptr {
            fn start_span_with_options(&self, options: SpanOptions) -> Span {
                (**self).start_span_with_options(options)
            }

            fn inject(
                &self,
                context: &SpanContext,
                carrier: InjectCarrier<'_>,
            ) -> Result<(), PropagationError> {
                (**self).inject(context, carrier)
            }

            fn extract(
                &self,
                carrier: ExtractCarrier<'_>,
            ) -> Result<Option<Extracted>, PropagationError> {
                (**self).extract(carrier)
            }

            fn is_noop(&self) -> bool {
                (**self).is_noop()
            }

            fn scope_manager(&self) -> ScopeManager {
                (**self).scope_manager()
            }

            fn active_span(&self) -> Option<Span> {
                (**self).active_span()
            }
        }
    )*};
}
forward_tracer!(&T, Arc<T>, Box<T>);
