//! The global tracer: set once (or again: the last one wins), used anywhere.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::context::SpanContext;
use crate::extracted::Extracted;
use crate::noop::NoopTracer;
use crate::options::SpanOptions;
use crate::propagation::{ExtractCarrier, InjectCarrier, PropagationError};
use crate::span::Span;
use crate::tracer::Tracer;

static GLOBAL: RwLock<Option<Arc<dyn Tracer>>> = RwLock::new(None);
static REGISTERED: AtomicBool = AtomicBool::new(false);

/// Installs `tracer` as the global tracer, replacing any earlier one. Safe to call from
/// several threads at once; the last call wins.
///
/// ```
/// use opentracing_core::{MockTracer, Tracer, global_tracer, set_global_tracer};
///
/// let tracer = MockTracer::new();
/// set_global_tracer(tracer.clone());
/// global_tracer().start_span("from anywhere").finish();
/// assert_eq!(tracer.finished_spans().len(), 1);
/// ```
pub fn set_global_tracer(tracer: impl Tracer + 'static) {
    let tracer: Arc<dyn Tracer> = Arc::new(tracer);
    // Drop the old tracer after releasing the lock: its drop may do work.
    let old = GLOBAL
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .replace(tracer);
    REGISTERED.store(true, Ordering::Release);
    drop(old);
}

/// Whether [`set_global_tracer`] has been called.
pub fn is_global_tracer_registered() -> bool {
    REGISTERED.load(Ordering::Acquire)
}

/// A handle to the global tracer. It forwards each call to the tracer installed at the time
/// of the call, so it can be created before the tracer is set; until then it is a no-op.
pub fn global_tracer() -> GlobalTracer {
    GlobalTracer { _private: () }
}

/// Removes the global tracer (for tests).
#[doc(hidden)]
pub fn reset_global_tracer() {
    let old = GLOBAL
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    REGISTERED.store(false, Ordering::Release);
    drop(old);
}

/// The global tracer; see [`global_tracer`].
#[derive(Clone, Copy, Debug, Default)]
pub struct GlobalTracer {
    _private: (),
}

impl GlobalTracer {
    fn with<R>(&self, f: impl FnOnce(&dyn Tracer) -> R) -> R {
        // Clone out of the lock, so a tracer call that sets the global tracer cannot deadlock.
        let global = GLOBAL
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match global.as_deref() {
            Some(tracer) => f(tracer),
            None => f(&NoopTracer::new()),
        }
    }
}

impl Tracer for GlobalTracer {
    fn start_span_with_options(&self, options: SpanOptions) -> Span {
        self.with(|tracer| tracer.start_span_with_options(options))
    }

    fn inject(
        &self,
        context: &SpanContext,
        carrier: InjectCarrier<'_>,
    ) -> Result<(), PropagationError> {
        self.with(|tracer| tracer.inject(context, carrier))
    }

    fn extract(&self, carrier: ExtractCarrier<'_>) -> Result<Option<Extracted>, PropagationError> {
        self.with(|tracer| tracer.extract(carrier))
    }

    fn is_noop(&self) -> bool {
        self.with(|tracer| tracer.is_noop())
    }
}
