//! The reference tracer's text propagation: an ordered list of codecs plus W3C baggage.

use std::fmt;
use std::sync::Arc;

use crate::context::SpanContext;
use crate::extracted::{Decision, Extracted};
use crate::propagation::{
    Codec, Extractor, Injector, PropagationError, W3cBaggage, W3cTraceContext,
};
use crate::sampling::Sampling;

/// Which wire formats a tracer reads and writes.
///
/// - Extract tries each codec in order; the first that finds a context with ids wins, and
///   the context remembers that codec as its [origin](SpanContext::origin). A malformed
///   header in one codec does not stop the next from being tried, nor does a bare sampling
///   decision (used only when no codec finds ids). When none finds anything, the first error
///   is returned (callers start a new trace).
/// - Inject writes every codec, or, with [`answer_in_inbound_format`], only the codec a
///   context's trace arrived in (all of them for traces started here).
/// - W3C `baggage` is read after the trace context and merged into it (the codec's own
///   baggage, such as Jaeger's `uberctx-`, wins on a clash), and written whenever the
///   context has baggage; baggage that arrives without any trace context still travels, as
///   a [`Decision`] that defers. Turn it off with [`w3c_baggage(false)`](Self::w3c_baggage).
///
/// The default is W3C Trace Context with W3C baggage.
///
/// ```
/// use opentracing_core::propagation::{B3, Jaeger, W3cTraceContext};
/// use opentracing_core::reference::Propagator;
///
/// let propagator = Propagator::empty()
///     .codec(W3cTraceContext)
///     .codec(B3::multi())
///     .codec(Jaeger)
///     .answer_in_inbound_format(true);
/// # let _ = propagator;
/// ```
///
/// [`answer_in_inbound_format`]: Self::answer_in_inbound_format
#[derive(Clone)]
pub struct Propagator {
    codecs: Vec<Arc<dyn Codec>>,
    w3c_baggage: bool,
    answer_in_inbound_format: bool,
}

impl Propagator {
    /// W3C Trace Context and W3C baggage.
    pub fn new() -> Self {
        Self::empty().codec(W3cTraceContext)
    }

    /// No codec yet (W3C baggage on): add them in extraction order with [`codec`](Self::codec).
    pub fn empty() -> Self {
        Self {
            codecs: Vec::new(),
            w3c_baggage: true,
            answer_in_inbound_format: false,
        }
    }

    /// Adds a codec after the others.
    pub fn codec(mut self, codec: impl Codec + 'static) -> Self {
        self.codecs.push(Arc::new(codec));
        self
    }

    /// Whether the W3C `baggage` header is read and written.
    pub fn w3c_baggage(mut self, enabled: bool) -> Self {
        self.w3c_baggage = enabled;
        self
    }

    /// Whether the W3C `baggage` header is read and written.
    pub fn uses_w3c_baggage(&self) -> bool {
        self.w3c_baggage
    }

    /// Whether inject answers in the format the trace arrived in, instead of in all of them.
    pub fn answer_in_inbound_format(mut self, enabled: bool) -> Self {
        self.answer_in_inbound_format = enabled;
        self
    }

    /// The codecs, in extraction order.
    pub fn codecs(&self) -> impl ExactSizeIterator<Item = &dyn Codec> + '_ {
        self.codecs.iter().map(|codec| &**codec)
    }

    /// Writes `context` with the configured codecs.
    pub fn inject(&self, context: &SpanContext, carrier: &mut dyn Injector) {
        let inbound = self
            .answer_in_inbound_format
            .then(|| context.origin())
            .flatten()
            .filter(|origin| self.codecs.iter().any(|codec| codec.name() == *origin));
        for codec in &self.codecs {
            if inbound.is_none_or(|origin| codec.name() == origin) {
                codec.inject(context, carrier);
            }
        }
        if self.w3c_baggage {
            W3cBaggage.inject(context.baggage(), carrier);
        }
    }

    /// Reads a context with the first codec that finds one.
    ///
    /// # Errors
    ///
    /// The first codec's error when no codec found a context.
    pub fn extract(&self, carrier: &dyn Extractor) -> Result<Option<Extracted>, PropagationError> {
        let mut first_error = None;
        // A codec that finds only a sampling decision must not hide a full context that a
        // later codec finds: keep it as a fallback.
        let mut decision_only = None;
        for codec in &self.codecs {
            match codec.extract(carrier) {
                Ok(Some(decision @ Extracted::Decision(_))) => {
                    decision_only.get_or_insert(decision.with_origin(codec.name()));
                }
                Ok(Some(context)) => {
                    let context = context.with_origin(codec.name());
                    return Ok(Some(self.with_baggage(context, carrier)));
                }
                Ok(None) => {}
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if let Some(context) = decision_only {
            return Ok(Some(self.with_baggage(context, carrier)));
        }
        // Baggage without a trace context still travels, with the decision left to us.
        let baggage_only = self.with_baggage(Decision::new(Sampling::Defer).into(), carrier);
        if !baggage_only.baggage().is_empty() {
            return Ok(Some(baggage_only));
        }
        first_error.map_or(Ok(None), Err)
    }

    fn with_baggage(&self, context: Extracted, carrier: &dyn Extractor) -> Extracted {
        if !self.w3c_baggage {
            return context;
        }
        let extra = W3cBaggage.extract(carrier);
        if extra.is_empty() {
            return context;
        }
        if context.baggage().is_empty() {
            return context.with_baggage(extra);
        }
        let mut baggage = context.baggage().clone();
        for (key, value) in &extra {
            if baggage.get(key).is_none() {
                baggage.set(key, value);
            }
        }
        context.with_baggage(baggage)
    }
}

impl Default for Propagator {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Propagator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Propagator")
            .field("codecs", &self.codecs)
            .field("w3c_baggage", &self.w3c_baggage)
            .field("answer_in_inbound_format", &self.answer_in_inbound_format)
            .finish()
    }
}
