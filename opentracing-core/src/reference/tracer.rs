//! The reference tracer.

use std::fmt;
use std::sync::Arc;

use crate::context::SpanContext;
use crate::extracted::{Decision, Extracted};
use crate::ids::{SpanId, TraceId};
use crate::limits::SpanLimits;
use crate::options::SpanOptions;
use crate::propagation::{
    ExtractCarrier, InjectCarrier, PropagationError, extract_standard, inject_standard,
};
use crate::recorder::Recorder;
use crate::reference::propagator::Propagator;
use crate::reference::sampler::{AlwaysSample, ParentBased, Sampler, SamplingInput};
use crate::sampling::Sampling;
use crate::span::Span;
use crate::tags;
use crate::tracer::Tracer;

/// A production tracer: random ids, a sampler, wire codecs, and a [`Recorder`] that receives
/// every finished, sampled span.
///
/// It is a cheap `Clone` handle; clones share everything.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::propagation::B3;
/// use opentracing_core::reference::{Propagator, RatioSampler, ParentBased, ReferenceTracer};
/// use opentracing_core::{InMemoryRecorder, Tracer};
///
/// let recorder = Arc::new(InMemoryRecorder::new());
/// let tracer = ReferenceTracer::builder("checkout", recorder.clone())
///     .sampler(ParentBased::new(RatioSampler::new(0.25)))
///     .propagator(Propagator::new().codec(B3::multi()))
///     .build();
/// tracer.start_span("work").finish();
/// # let _ = recorder.spans();
/// ```
#[derive(Clone)]
pub struct ReferenceTracer {
    inner: Arc<Inner>,
}

struct Inner {
    service_name: Arc<str>,
    recorder: Arc<dyn Recorder>,
    sampler: Box<dyn Sampler>,
    propagator: Propagator,
    join_shared_spans: bool,
    limits: SpanLimits,
    pass_through: bool,
}

impl ReferenceTracer {
    /// A tracer for `service_name` with the defaults: every trace sampled (unless the caller
    /// decided otherwise), W3C Trace Context and baggage.
    pub fn new(service_name: impl Into<String>, recorder: Arc<dyn Recorder>) -> Self {
        Self::builder(service_name, recorder).build()
    }

    /// A builder, to choose the sampler and the propagation.
    pub fn builder(
        service_name: impl Into<String>,
        recorder: Arc<dyn Recorder>,
    ) -> ReferenceTracerBuilder {
        ReferenceTracerBuilder {
            inner: Inner {
                service_name: service_name.into().into(),
                recorder,
                sampler: Box::new(ParentBased::new(AlwaysSample)),
                propagator: Propagator::new(),
                join_shared_spans: false,
                limits: SpanLimits::default(),
                pass_through: false,
            },
        }
    }

    /// The service name, for reporters (Zipkin's `localEndpoint`, OTLP's `service.name`).
    pub fn service_name(&self) -> &str {
        &self.inner.service_name
    }

    /// The propagation settings.
    pub fn propagator(&self) -> &Propagator {
        &self.inner.propagator
    }

    fn context_for(&self, options: &mut SpanOptions) -> SpanContext {
        let join = self.inner.join_shared_spans && is_server(options);
        options.resolve_parent();
        let name = options.operation_name();
        let (context, joined) = match options.parent() {
            Some(parent) if join && parent.is_remote() && parent.origin() == Some("b3") => {
                // The caller may have deferred the decision to us: this hop decides.
                let sampling = self.decide(Some(parent.sampling()), parent.trace_id(), name);
                (parent.joined().with_sampling(sampling), true)
            }
            Some(parent) => {
                let sampling = self.decide(Some(parent.sampling()), parent.trace_id(), name);
                (
                    parent.child(random_span_id()).with_sampling(sampling),
                    false,
                )
            }
            None => {
                let trace_id = random_trace_id();
                let hint = options.parent_decision();
                let sampling = self.decide(hint.map(Decision::sampling), trace_id, name);
                let mut root = SpanContext::new(trace_id, random_span_id())
                    .with_sampling(sampling)
                    .with_random_trace_id(true);
                if let Some(hint) = hint {
                    root = root
                        .with_baggage(hint.baggage().clone())
                        .answering_in(hint.origin());
                }
                (root, false)
            }
        };
        if joined {
            options.remove_parent_reference();
        }
        context
    }

    /// The sampler's decision, except that a debug parent forces debug (B3 and Jaeger: debug
    /// means "trace this whatever the sampler says").
    fn decide(&self, parent: Option<Sampling>, trace_id: TraceId, name: &str) -> Sampling {
        if parent == Some(Sampling::Debug) {
            return Sampling::Debug;
        }
        self.inner
            .sampler
            .sample(&SamplingInput::new(parent, trace_id, name))
    }
}

impl Tracer for ReferenceTracer {
    #[inline]
    fn start_span_with_options(&self, mut options: SpanOptions) -> Span {
        if self.inner.pass_through {
            return match options.resolve_parent() {
                Some(parent) => Span::non_recording(parent.clone()),
                None => Span::noop(),
            };
        }
        let context = self.context_for(&mut options);
        options.set_service_name(self.inner.service_name.clone());
        Span::with_limits(
            context,
            options,
            self.inner.recorder.clone(),
            self.inner.limits,
        )
    }

    fn inject(
        &self,
        context: &SpanContext,
        carrier: InjectCarrier<'_>,
    ) -> Result<(), PropagationError> {
        let propagator = &self.inner.propagator;
        inject_standard(context, carrier, |context, map| {
            propagator.inject(context, map)
        })
    }

    fn extract(&self, carrier: ExtractCarrier<'_>) -> Result<Option<Extracted>, PropagationError> {
        extract_standard(carrier, |map| self.inner.propagator.extract(map))
    }
}

/// Builds a [`ReferenceTracer`].
#[must_use]
pub struct ReferenceTracerBuilder {
    inner: Inner,
}

impl ReferenceTracerBuilder {
    /// The sampler (default: follow the caller, sample every new trace).
    pub fn sampler(mut self, sampler: impl Sampler + 'static) -> Self {
        self.inner.sampler = Box::new(sampler);
        self
    }

    /// The codecs (default: W3C Trace Context and baggage).
    pub fn propagator(mut self, propagator: Propagator) -> Self {
        self.inner.propagator = propagator;
        self
    }

    /// Whether a server span continuing a B3 trace reuses the caller's span id, as Zipkin's
    /// own instrumentation does (a "shared" span), instead of starting a child. Off by
    /// default: W3C and OpenTracing expect a child.
    ///
    /// # Errors
    ///
    /// [`SharedSpansUnsupported`] when joining is asked for and the recorder cannot record
    /// such spans ([`Recorder::supports_shared_spans`]): a reporter speaking OTLP, which has
    /// no shared flag, would send two spans with one id.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use opentracing_core::InMemoryRecorder;
    /// use opentracing_core::reference::ReferenceTracer;
    ///
    /// # fn main() -> Result<(), opentracing_core::reference::SharedSpansUnsupported> {
    /// let tracer = ReferenceTracer::builder("edge", Arc::new(InMemoryRecorder::new()))
    ///     .join_shared_spans(true)?
    ///     .build();
    /// # drop(tracer);
    /// # Ok(())
    /// # }
    /// ```
    pub fn join_shared_spans(mut self, join: bool) -> Result<Self, SharedSpansUnsupported> {
        if join && !self.inner.recorder.supports_shared_spans() {
            return Err(SharedSpansUnsupported);
        }
        self.inner.join_shared_spans = join;
        Ok(self)
    }

    /// What each span keeps at most (default: [`SpanLimits::default`]).
    pub fn span_limits(mut self, limits: SpanLimits) -> Self {
        self.inner.limits = limits;
        self
    }

    /// Whether the tracer starts no span of its own (off by default): a span with a parent
    /// then carries the parent's context unchanged, records nothing and is injected as the
    /// parent was; one without a parent carries nothing. Traces pass through the service
    /// as if it were not traced, which is what `OTEL_SDK_DISABLED=true` asks for.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use opentracing_core::{InMemoryRecorder, SpanContext, SpanId, TraceId, Tracer};
    /// use opentracing_core::reference::ReferenceTracer;
    ///
    /// let recorder = Arc::new(InMemoryRecorder::new());
    /// let tracer = ReferenceTracer::builder("shop", recorder.clone())
    ///     .pass_through(true)
    ///     .build();
    /// let caller = SpanContext::new(TraceId::MIN, SpanId::MIN);
    /// let span = tracer.span_builder("work").child_of(&caller).start();
    /// assert_eq!(span.context(), Some(caller));
    /// assert!(tracer.start_span("root").context().is_none());
    /// span.finish();
    /// assert!(recorder.spans().is_empty());
    /// ```
    pub fn pass_through(mut self, pass_through: bool) -> Self {
        self.inner.pass_through = pass_through;
        self
    }

    /// The tracer.
    pub fn build(self) -> ReferenceTracer {
        ReferenceTracer {
            inner: Arc::new(self.inner),
        }
    }
}

/// Why [`join_shared_spans`](ReferenceTracerBuilder::join_shared_spans) was refused: the
/// recorder cannot record spans that share their caller's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedSpansUnsupported;

impl fmt::Display for SharedSpansUnsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "join_shared_spans: the recorder cannot record spans that share their caller's id \
             (OTLP has no shared flag: a backend would get two spans with one id); report in \
             Zipkin's encoding, or leave joining off",
        )
    }
}

impl std::error::Error for SharedSpansUnsupported {}

fn is_server(options: &SpanOptions) -> bool {
    options.tags().any(|(key, value)| {
        key == tags::SPAN_KIND && value.as_str() == Some(tags::SPAN_KIND_RPC_SERVER)
    })
}

/// A random, non-zero span id. (Drawing from the full range and retrying on zero avoids the
/// division a ranged draw costs.)
fn random_span_id() -> SpanId {
    loop {
        if let Some(id) = SpanId::new(fastrand::u64(..)) {
            return id;
        }
    }
}

/// A random, non-zero trace id.
fn random_trace_id() -> TraceId {
    loop {
        if let Some(id) = TraceId::new(fastrand::u128(..)) {
            return id;
        }
    }
}

impl fmt::Debug for ReferenceTracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReferenceTracer")
            .field("service_name", &self.inner.service_name)
            .field("sampler", &self.inner.sampler)
            .field("propagator", &self.inner.propagator)
            .field("join_shared_spans", &self.inner.join_shared_spans)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ReferenceTracerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReferenceTracerBuilder")
            .field("service_name", &self.inner.service_name)
            .finish_non_exhaustive()
    }
}
