//! Scope management: which span is active on this thread.
//!
//! The active span is the implicit parent of new spans and what middleware and handlers
//! reach for. It lives in a thread-local slot:
//!
//! - Sync code activates a span with [`ScopeManager::activate`] and gets a [`Scope`] guard;
//!   closing the scope (dropping it) restores the span that was active before.
//! - Async code must not hold a `Scope` across `.await` (the task may move to another
//!   thread, and other tasks run on this one in between), so a `Scope` is `!Send`. Wrap the
//!   future instead: [`Instrument::instrument`](crate::Instrument::instrument) makes a span
//!   active on every poll.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;

use crate::span::Span;

/// The active span of this thread, and the scope that made it active.
#[derive(Clone)]
pub(crate) struct Active {
    span: Span,
    scope_id: u64,
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
    static NEXT_SCOPE_ID: Cell<u64> = const { Cell::new(1) };
}

/// Activates spans on the current thread: opentracing-python's `ThreadLocalScopeManager`.
///
/// There is one active span per thread, shared by every tracer in the process, so the
/// server middleware, the handler and the HTTP client all see the same span whichever
/// tracer handle each holds. It costs no allocation.
///
/// ```
/// use opentracing_core::{MockTracer, Tracer};
///
/// let tracer = MockTracer::new();
/// let scope = tracer.scope_manager().activate(tracer.start_span("work"), true);
/// assert_eq!(tracer.active_span().as_ref(), Some(scope.span()));
/// drop(scope); // restores the previous active span and finishes "work"
/// assert_eq!(tracer.active_span(), None);
/// assert_eq!(tracer.finished_spans().len(), 1);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ScopeManager {
    _private: (),
}

impl ScopeManager {
    /// The (only) scope manager.
    pub const fn new() -> Self {
        Self { _private: () }
    }

    /// Makes `span` the active span of this thread until the returned scope closes. With
    /// `finish_on_close`, closing the scope also finishes the span.
    pub fn activate(&self, span: Span, finish_on_close: bool) -> Scope {
        let scope_id = NEXT_SCOPE_ID.with(|next| next.replace(next.get() + 1));
        let active = Active {
            span: span.clone(),
            scope_id,
        };
        let previous = replace_active(Some(active));
        Scope {
            span,
            scope_id,
            previous,
            finish_on_close,
            _not_send: PhantomData,
        }
    }

    /// The active span of this thread, if any.
    pub fn active_span(&self) -> Option<Span> {
        ACTIVE
            .try_with(|active| Some(active.try_borrow().ok()?.as_ref()?.span.clone()))
            .ok()
            .flatten()
    }
}

/// Swaps the active slot, returning what was there. Does nothing while the thread exits.
pub(crate) fn replace_active(new: Option<Active>) -> Option<Active> {
    ACTIVE
        .try_with(|active| {
            let mut active = active.try_borrow_mut().ok()?;
            std::mem::replace(&mut *active, new)
        })
        .ok()
        .flatten()
}

/// Makes `span` active with no scope id of its own, for instrumented futures and closures;
/// restore with [`replace_active`].
pub(crate) fn enter(span: &Span) -> Option<Active> {
    replace_active(Some(Active {
        span: span.clone(),
        scope_id: 0,
    }))
}

fn active_scope_id() -> Option<u64> {
    ACTIVE
        .try_with(|active| Some(active.try_borrow().ok()?.as_ref()?.scope_id))
        .ok()
        .flatten()
}

/// An activation of a span on this thread; closing it (or dropping it) ends the activation.
///
/// Closing a scope that is active restores the span that was active when it was created,
/// then finishes its span if it was activated with `finish_on_close`. Closing a scope that
/// is *not* the active one (out of order) changes nothing and finishes nothing, as in
/// opentracing-python. If the thread is panicking, the span is tagged as an error first.
///
/// A `Scope` is `!Send`: it cannot move to another thread, and a future holding one across
/// an `.await` cannot be spawned on a multi-threaded runtime:
///
/// ```compile_fail
/// # use opentracing_core::{NoopTracer, Tracer};
/// fn assert_send<T: Send>(_: T) {}
/// let scope = NoopTracer::new().start_active_span("not send");
/// assert_send(scope);
/// ```
#[must_use = "the span is active only while the scope is alive"]
pub struct Scope {
    span: Span,
    scope_id: u64,
    previous: Option<Active>,
    finish_on_close: bool,
    _not_send: PhantomData<*const ()>,
}

impl Scope {
    /// The span this scope activated.
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// Whether this scope's activation is the current one on this thread.
    pub fn is_active(&self) -> bool {
        active_scope_id() == Some(self.scope_id)
    }

    /// Ends the activation (the same as dropping the scope).
    pub fn close(self) {}
}

impl Drop for Scope {
    fn drop(&mut self) {
        if !self.is_active() {
            return;
        }
        if std::thread::panicking() {
            self.span.record_panic();
        }
        replace_active(self.previous.take());
        if self.finish_on_close {
            self.span.finish();
        }
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("span", &self.span)
            .field("finish_on_close", &self.finish_on_close)
            .field("active", &self.is_active())
            .finish()
    }
}
