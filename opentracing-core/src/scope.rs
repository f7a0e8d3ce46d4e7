//! Scope management: which span is active on this thread.
//!
//! The active span is the implicit parent of new spans and what middleware and handlers
//! reach for. It lives in a thread-local slot:
//!
//! - Sync code activates a span with [`ScopeManager::activate`] and gets a [`Scope`] guard;
//!   closing the scope (dropping it) restores the span that was active before.
//! - Async code must not hold a `Scope` across `.await` (the task may move to another
//!   thread, and other tasks run on this one in between), so a `Scope` is `!Send`. Wrap the
//!   future instead: [`WithSpan::with_span`](crate::WithSpan::with_span) makes a span
//!   active on every poll.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;

use crate::span::Span;

/// One activation on this thread's stack: the span and the scope that made it active
/// (`0` for an instrumented future's poll or an [`in_span`](crate::in_span) call).
struct Activation {
    span: Span,
    scope_id: u64,
}

thread_local! {
    /// This thread's activations, the active one last. It allocates once per thread, when
    /// it first grows.
    static STACK: RefCell<Vec<Activation>> = const { RefCell::new(Vec::new()) };
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
        let scope_id = NEXT_SCOPE_ID
            .try_with(|next| next.replace(next.get() + 1))
            .unwrap_or(u64::MAX);
        push(span.clone(), scope_id);
        Scope {
            span,
            scope_id,
            finish_on_close,
            _not_send: PhantomData,
        }
    }

    /// The active span of this thread, if any.
    pub fn active_span(&self) -> Option<Span> {
        STACK
            .try_with(|stack| Some(stack.try_borrow().ok()?.last()?.span.clone()))
            .ok()
            .flatten()
    }
}

/// Pushes an activation; returns the stack's length before it, to restore with [`truncate`].
pub(crate) fn push(span: Span, scope_id: u64) -> usize {
    STACK
        .try_with(|stack| {
            let mut stack = stack.try_borrow_mut().ok()?;
            let depth = stack.len();
            stack.push(Activation { span, scope_id });
            Some(depth)
        })
        .ok()
        .flatten()
        .unwrap_or(usize::MAX)
}

/// Drops every activation above `depth`, one at a time: each span is released after the
/// stack is, since releasing the last handle of a span finishes it, which may look at the
/// stack.
pub(crate) fn truncate(depth: usize) {
    loop {
        let popped = STACK
            .try_with(|stack| {
                let mut stack = stack.try_borrow_mut().ok()?;
                if stack.len() > depth {
                    stack.pop()
                } else {
                    None
                }
            })
            .ok()
            .flatten();
        match popped {
            Some(activation) => drop(activation),
            None => return,
        }
    }
}

/// Where `scope_id` is on the stack, and whether it is on top.
fn position(scope_id: u64) -> Option<(usize, bool)> {
    STACK
        .try_with(|stack| {
            let stack = stack.try_borrow().ok()?;
            let at = stack.iter().rposition(|a| a.scope_id == scope_id)?;
            Some((at, at + 1 == stack.len()))
        })
        .ok()
        .flatten()
}

/// Removes the activation at `at`, releasing its span after the stack.
fn remove(at: usize) {
    let removed = STACK
        .try_with(|stack| {
            let mut stack = stack.try_borrow_mut().ok()?;
            (at < stack.len()).then(|| stack.remove(at))
        })
        .ok()
        .flatten();
    drop(removed);
}

/// An activation of a span on this thread; closing it (or dropping it) ends the activation.
///
/// Closing a scope that is active makes the span below it active again, then finishes its
/// span if it was activated with `finish_on_close`. Closing a scope that is *not* the active
/// one (out of order) does not change the active span and finishes nothing, as in
/// opentracing-python; its activation is removed, so it can never come back (its span
/// finishes when its last handle goes). If the thread is panicking, the span is tagged as an
/// error first.
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
        position(self.scope_id).is_some_and(|(_, on_top)| on_top)
    }

    /// Ends the activation (the same as dropping the scope).
    pub fn close(self) {}
}

impl Drop for Scope {
    fn drop(&mut self) {
        let Some((at, on_top)) = position(self.scope_id) else {
            return;
        };
        if !on_top {
            remove(at);
            return;
        }
        if std::thread::panicking() {
            self.span.record_panic();
        }
        truncate(at);
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
