//! opentracing-python's `ScopeCompatibilityCheckMixin`, check by check.

use std::fmt;

use crate::mock::MockTracer;
use crate::scope::ScopeManager;
use crate::span::Span;
use crate::tracer::Tracer;

/// The scope checks, run against a tracer's scope manager.
///
/// As in opentracing-python, the spans being activated come from a mock tracer, so the
/// checks can count how often each is finished. The checks keep a handle on every span
/// they expect to stay unfinished, since a span whose last handle drops finishes then. Checks other than the `_external` ones run
/// inside [`run_test`](Self::run_test), by default a plain call; an async integration runs
/// them inside its runtime.
pub struct ScopeCheck<T> {
    tracer: T,
    spans: MockTracer,
    runner: fn(&dyn Fn()),
}

impl<T: Tracer> ScopeCheck<T> {
    /// Checks for the scope manager of `tracer`.
    pub fn new(tracer: T) -> Self {
        Self {
            tracer,
            spans: MockTracer::new(),
            runner: |check| check(),
        }
    }

    /// Runs the checks through `runner`, for example inside `Runtime::block_on`.
    pub fn run_test(mut self, runner: fn(&dyn Fn())) -> Self {
        self.runner = runner;
        self
    }

    fn manager(&self) -> ScopeManager {
        self.tracer.scope_manager()
    }

    fn span(&self, name: &'static str) -> Span {
        self.spans.span_builder(name).ignore_active_span().start()
    }

    /// How often the span called `name` finished.
    fn finish_count(&self, name: &str) -> usize {
        self.spans
            .finished_spans()
            .iter()
            .filter(|span| span.operation_name() == name)
            .count()
    }

    /// No span is active outside `run_test`.
    pub fn missing_active_external(&self) {
        assert_eq!(self.manager().active_span(), None);
    }

    /// No span is active inside `run_test`.
    pub fn missing_active(&self) {
        (self.runner)(&|| self.missing_active_external());
    }

    /// `activate(span, false)`: the scope is active; closing it finishes nothing.
    pub fn activate_external(&self) {
        let span = self.span("one");
        let scope = self.manager().activate(span.clone(), false);
        assert!(scope.is_active());
        assert_eq!(self.manager().active_span().as_ref(), Some(&span));
        scope.close();
        assert_eq!(self.finish_count("one"), 0);
        assert_eq!(self.manager().active_span(), None);
    }

    /// `activate_external`, inside `run_test`.
    pub fn activate(&self) {
        (self.runner)(&|| self.activate_external());
    }

    /// `activate(span, true)`: closing finishes the span once.
    pub fn activate_finish_on_close(&self) {
        (self.runner)(&|| {
            let scope = self.manager().activate(self.span("one"), true);
            assert!(scope.is_active());
            scope.close();
            assert_eq!(self.finish_count("one"), 1);
            assert_eq!(self.manager().active_span(), None);
        });
    }

    /// Nested scopes: the inner one is active inside, the outer one again after it.
    pub fn activate_nested(&self) {
        (self.runner)(&|| {
            let parent = self.span("parent");
            let child = self.span("child");
            {
                let _parent = self.manager().activate(parent.clone(), true);
                {
                    let _child = self.manager().activate(child.clone(), true);
                    assert_eq!(self.manager().active_span(), Some(child.clone()));
                }
                assert_eq!(self.manager().active_span(), Some(parent.clone()));
            }
            assert_eq!(self.finish_count("parent"), 1);
            assert_eq!(self.finish_count("child"), 1);
            assert_eq!(self.manager().active_span(), None);
        });
    }

    /// Parent activated without finish-on-close, child with: only the child finishes.
    pub fn activate_finish_on_close_nested(&self) {
        (self.runner)(&|| {
            // Keep a handle: a span whose last handle is dropped finishes then.
            let parent_span = self.span("parent");
            let parent = self.manager().activate(parent_span.clone(), false);
            {
                let _child = self.manager().activate(self.span("child"), true);
            }
            parent.close();
            assert_eq!(self.finish_count("parent"), 0);
            assert_eq!(self.finish_count("child"), 1);
            assert_eq!(self.manager().active_span(), None);
        });
    }

    /// Closing the parent while the child is active changes nothing and finishes nothing;
    /// closing the child afterwards does not bring the closed parent back.
    pub fn close_wrong_order(&self) {
        (self.runner)(&|| {
            let parent_span = self.span("parent");
            let parent = self.manager().activate(parent_span.clone(), true);
            let child = self.manager().activate(self.span("child"), true);
            let child_span = child.span().clone();
            parent.close();
            assert_eq!(self.finish_count("parent"), 0);
            assert_eq!(self.manager().active_span(), Some(child_span));
            drop(child);
            assert_eq!(self.finish_count("child"), 1);
            assert_eq!(self.manager().active_span(), None);
            assert!(!parent_span.is_finished());
        });
    }
}

impl<T: fmt::Debug> fmt::Debug for ScopeCheck<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeCheck")
            .field("tracer", &self.tracer)
            .finish_non_exhaustive()
    }
}
