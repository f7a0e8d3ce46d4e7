//! Making a span active across `.await`: the [`WithSpan`] future wrapper.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::scope::{self, ScopeManager};
use crate::span::Span;

/// Attaches a span to a future, so the span is active whenever the future runs. Its names
/// differ from `tracing::Instrument`'s (`instrument`, `in_current_span`), so a module can
/// import both.
///
/// ```
/// use opentracing_core::{WithSpan, MockTracer, Tracer};
///
/// # futures_lite_block_on(async {
/// let tracer = MockTracer::new();
/// let span = tracer.start_span("request");
/// let work = async {
///     // Active here, on every poll, whichever thread polls.
///     let child = MockTracer::new().start_span("db query");
///     child.finish();
/// };
/// work.with_span(span.clone()).await;
/// span.finish();
/// # });
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub trait WithSpan: Sized {
    /// Makes `span` active on every poll of this future. The span is not finished by the
    /// wrapper.
    fn with_span(self, span: Span) -> Spanned<Self> {
        Spanned { inner: self, span }
    }

    /// Carries the span active *now* into this future, for work that will run later or
    /// elsewhere (a spawned task, a queue). Without an active span this wraps a no-op span.
    fn with_active_span(self) -> Spanned<Self> {
        let span = ScopeManager::new().active_span().unwrap_or_default();
        self.with_span(span)
    }
}

impl<F: Future> WithSpan for F {}

pin_project! {
    /// A future with a span that is active whenever it is polled; made by
    /// [`WithSpan::with_span`].
    #[derive(Clone, Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Spanned<F> {
        #[pin]
        inner: F,
        span: Span,
    }
}

impl<F> Spanned<F> {
    /// The span.
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// The inner future.
    pub fn inner(&self) -> &F {
        &self.inner
    }

    /// The inner future and the span.
    pub fn into_parts(self) -> (F, Span) {
        (self.inner, self.span)
    }
}

impl<F: Future> Future for Spanned<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = Entered::new(this.span);
        this.inner.poll(cx)
    }
}

/// While alive, `span` is the active span; dropping restores exactly what was active before,
/// whatever the code in between did with scopes.
pub(crate) struct Entered {
    depth: usize,
}

impl Entered {
    pub(crate) fn new(span: &Span) -> Self {
        Self {
            depth: scope::push(span.clone(), 0),
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(span) = ScopeManager::new().active_span()
        {
            span.record_panic();
        }
        scope::truncate(self.depth);
    }
}

/// Runs `f` with `span` active, then restores the previous active span. The span is not
/// finished: for synchronous work on another thread, such as `spawn_blocking`.
///
/// ```
/// use opentracing_core::{MockTracer, Tracer, in_span};
///
/// let tracer = MockTracer::new();
/// let span = tracer.start_span("batch");
/// let rows = in_span(&span, || {
///     assert_eq!(tracer.active_span().as_ref(), Some(&span));
///     42
/// });
/// assert_eq!(rows, 42);
/// assert_eq!(tracer.active_span(), None);
/// ```
pub fn in_span<R>(span: &Span, f: impl FnOnce() -> R) -> R {
    let _entered = Entered::new(span);
    f()
}
