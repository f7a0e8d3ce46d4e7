//! The no-op tracer.

use crate::context::SpanContext;
use crate::extracted::Extracted;
use crate::options::SpanOptions;
use crate::propagation::{ExtractCarrier, InjectCarrier, PropagationError};
use crate::span::Span;
use crate::tracer::Tracer;

/// A tracer that records nothing and allocates nothing: the default until a real tracer is
/// installed, and the choice for code paths that must cost next to nothing.
///
/// Its spans are [`Span::noop`], which have no context. `inject` leaves the three standard
/// carriers untouched and `extract` finds no context in them; other formats are
/// [`UnsupportedFormat`](crate::PropagationErrorKind::UnsupportedFormat). Activating a no-op
/// span does make it the active span, so code that only checks for an active span behaves as
/// under opentracing-python's no-op tracer.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopTracer {
    _private: (),
}

impl NoopTracer {
    /// The no-op tracer.
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

impl Tracer for NoopTracer {
    fn start_span_with_options(&self, _options: SpanOptions) -> Span {
        Span::noop()
    }

    fn inject(
        &self,
        _context: &SpanContext,
        carrier: InjectCarrier<'_>,
    ) -> Result<(), PropagationError> {
        match carrier {
            InjectCarrier::Custom(..) => {
                Err(PropagationError::unsupported_format(carrier.format()))
            }
            _ => Ok(()),
        }
    }

    fn extract(&self, carrier: ExtractCarrier<'_>) -> Result<Option<Extracted>, PropagationError> {
        match carrier {
            ExtractCarrier::Custom(..) => {
                Err(PropagationError::unsupported_format(carrier.format()))
            }
            _ => Ok(None),
        }
    }

    fn is_noop(&self) -> bool {
        true
    }
}
