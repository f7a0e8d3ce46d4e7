//! How to start a span: [`SpanOptions`] and the [`SpanBuilder`] that fills them in.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use smallvec::SmallVec;

use crate::context::SpanContext;
use crate::extracted::{Decision, Extracted};
use crate::finished::{Key, SpanData, Tags, latest_tags};
use crate::limits::SpanLimits;
use crate::references::{IntoReferenced, Reference, ReferenceType, SpanReference};
use crate::scope::{Scope, ScopeManager};
use crate::span::Span;
use crate::tracer::Tracer;
use crate::value::Value;

/// Everything a tracer needs to start a span: opentracing-python's `start_span` arguments.
#[derive(Clone, Debug)]
pub struct SpanOptions {
    operation_name: Key,
    references: SmallVec<[Reference; 1]>,
    tags: Tags,
    start_time: Option<SystemTime>,
    ignore_active_span: bool,
    new_trace: bool,
    parent_decision: Option<Decision>,
    service_name: Option<Arc<str>>,
}

impl SpanOptions {
    /// Options for a span named `operation_name`, with no references, tags or start time.
    #[inline]
    pub fn new(operation_name: impl Into<Key>) -> Self {
        Self {
            operation_name: operation_name.into(),
            references: SmallVec::new(),
            tags: Tags::new(),
            start_time: None,
            ignore_active_span: false,
            new_trace: false,
            parent_decision: None,
            service_name: None,
        }
    }

    /// The operation name.
    pub fn operation_name(&self) -> &str {
        &self.operation_name
    }

    /// The parent: the first reference's context, once [`resolve_parent`](Self::resolve_parent)
    /// has added the implicit one; none for a [new trace](Self::starts_new_trace).
    pub fn parent(&self) -> Option<&SpanContext> {
        if self.new_trace {
            return None;
        }
        self.references.first().map(Reference::context)
    }

    /// Whether the span starts a new trace whatever its references: they are kept, as links
    /// to the spans they name, but none is the parent.
    pub fn starts_new_trace(&self) -> bool {
        self.new_trace
    }

    /// The references given so far; the first one is the parent.
    pub fn references(&self) -> &[Reference] {
        &self.references
    }

    /// The tags given so far, each key once with its latest value.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        latest_tags(&self.tags)
    }

    /// The explicit start time, if any.
    #[inline]
    pub fn start_time(&self) -> Option<SystemTime> {
        self.start_time
    }

    /// A caller's bare [`Decision`], given where a parent goes (B3's `b3: 0`, Jaeger
    /// baggage without a trace): it is no reference, and the active span is ignored; the
    /// span is a root that should follow the decision and carry its baggage.
    pub fn parent_decision(&self) -> Option<&Decision> {
        self.parent_decision.as_ref()
    }

    /// Whether the active span must not become the implicit parent.
    pub fn ignores_active_span(&self) -> bool {
        self.ignore_active_span
    }

    /// Decides the parent, the way every tracer must: the first reference (of either type);
    /// failing that, unless `ignore_active_span` is set, the active span, which is then added
    /// as a `child_of` reference. Tracers call this once, before choosing ids.
    pub fn resolve_parent(&mut self) -> Option<&SpanContext> {
        if self.references.is_empty()
            && !self.ignore_active_span
            && !self.new_trace
            && let Some(active) = ScopeManager::new().active_span().and_then(|s| s.context())
        {
            self.references.push(Reference::child_of(active));
        }
        self.parent()
    }

    /// Forgets the parent reference (the first one, after
    /// [`resolve_parent`](Self::resolve_parent)): for a tracer whose span joins its remote
    /// parent (Zipkin's shared span, [`SpanContext::joined`]) and so is that span, not its
    /// child.
    pub fn remove_parent_reference(&mut self) {
        if !self.references.is_empty() {
            self.references.remove(0);
        }
    }

    #[inline]
    pub(crate) fn into_data(self) -> SpanData {
        let (start_time, start_tick) = match self.start_time {
            Some(explicit) => (explicit, None),
            None => {
                let (now, tick) = crate::clock::now();
                (now, Some(tick))
            }
        };
        SpanData {
            operation_name: self.operation_name,
            references: self.references.iter().map(SpanReference::from).collect(),
            new_trace: self.new_trace,
            service_name: self.service_name,
            tags: self.tags,
            logs: Vec::new(),
            limited: None,
            start_time,
            start_tick,
        }
    }

    /// Whether the tags are more than the default limits keep.
    #[inline]
    pub(crate) fn tags_over_limits(&self) -> bool {
        self.tags.len() > SpanLimits::default().tags() as usize
    }

    /// Names the service the span belongs to, which recorders and reporters write
    /// ([`FinishedSpan::service_name`](crate::FinishedSpan::service_name)): for a tracer
    /// that serves one service, before it starts the span.
    ///
    /// ```
    /// use opentracing_core::SpanOptions;
    ///
    /// let mut options = SpanOptions::new("checkout");
    /// options.set_service_name("shop".into());
    /// # drop(options);
    /// ```
    pub fn set_service_name(&mut self, service_name: Arc<str>) {
        self.service_name = Some(service_name);
    }

    /// Adds a tag, in place: for options filled by a visitor.
    #[cfg(feature = "tracing")]
    pub(crate) fn push_tag(&mut self, key: Key, value: Value) {
        self.tags.push((key, value));
    }

    /// Adds a reference; `first` puts it before the others (an explicit parent). A bare
    /// decision is not a reference: it becomes the parent decision.
    pub(crate) fn push_reference(
        &mut self,
        kind: ReferenceType,
        referenced: impl IntoReferenced,
        first: bool,
    ) {
        let context = match referenced.into_referenced() {
            None => return,
            Some(Extracted::Decision(decision)) => {
                self.parent_decision = Some(decision);
                self.ignore_active_span = true;
                return;
            }
            Some(Extracted::Span(context)) => context,
        };
        let reference = Reference::new(kind, context);
        if first {
            self.references.insert(0, reference);
        } else {
            self.references.push(reference);
        }
    }
}

/// Builds and starts a span; made by [`Tracer::span_builder`].
///
/// ```
/// use opentracing_core::{NoopTracer, Tracer, tags};
///
/// let tracer = NoopTracer::new();
/// let parent = tracer.start_span("parent");
/// let child = tracer
///     .span_builder("child")
///     .child_of(&parent)
///     .tag(tags::COMPONENT, "docs")
///     .start();
/// child.finish();
/// parent.finish();
/// ```
#[must_use = "a span builder does nothing until `start` or `start_active` is called"]
pub struct SpanBuilder<'t, T: ?Sized> {
    tracer: &'t T,
    options: SpanOptions,
}

impl<'t, T: Tracer + ?Sized> SpanBuilder<'t, T> {
    #[inline]
    pub(crate) fn new(tracer: &'t T, operation_name: Key) -> Self {
        Self {
            tracer,
            options: SpanOptions::new(operation_name),
        }
    }

    /// Makes the span a child of `parent` (a span or a context). The explicit parent wins over
    /// any other reference; `None` or a no-op span is ignored, so the active span stays the
    /// implicit parent.
    #[inline]
    pub fn child_of(mut self, parent: impl IntoReferenced) -> Self {
        self.options
            .push_reference(ReferenceType::ChildOf, parent, true);
        self
    }

    /// Adds a `follows_from` reference. Without a `child_of`, the first reference is the parent.
    #[inline]
    pub fn follows_from(mut self, cause: impl IntoReferenced) -> Self {
        self.options
            .push_reference(ReferenceType::FollowsFrom, cause, false);
        self
    }

    /// Adds a reference of any type, after those given before.
    #[inline]
    pub fn reference(mut self, reference: Reference) -> Self {
        let context = reference.context().clone();
        self.options
            .push_reference(reference.kind(), context, false);
        self
    }

    /// Sets a tag from the start, so samplers and recorders see it.
    #[inline]
    pub fn tag(mut self, key: impl Into<Key>, value: impl Into<Value>) -> Self {
        self.options.tags.push((key.into(), value.into()));
        self
    }

    /// Sets an explicit start time (for spans that describe work already done).
    #[inline]
    pub fn start_time(mut self, start_time: SystemTime) -> Self {
        self.options.start_time = Some(start_time);
        self
    }

    /// Starts a root span (or one with only the given references), even when a span is active.
    #[inline]
    pub fn ignore_active_span(mut self) -> Self {
        self.options.ignore_active_span = true;
        self
    }

    /// Starts a new trace (a root span) even with references or an active span. The
    /// references are still recorded, as links: a server at a public edge can start its own
    /// trace and keep a `follows_from` reference to the untrusted caller.
    ///
    /// ```
    /// use opentracing_core::{MockTracer, Tracer};
    ///
    /// let tracer = MockTracer::new();
    /// let caller = tracer.start_span("caller");
    /// let edge = tracer.span_builder("edge").follows_from(&caller).new_trace().start();
    /// edge.finish();
    /// let edge = &tracer.finished_spans()[0];
    /// assert_eq!(edge.parent_id(), None);
    /// assert_ne!(edge.context().trace_id(), caller.context().unwrap().trace_id());
    /// assert_eq!(edge.references()[0].span_id(), caller.context().unwrap().span_id());
    /// ```
    #[inline]
    pub fn new_trace(mut self) -> Self {
        self.options.new_trace = true;
        self
    }

    /// The options collected so far.
    pub fn options(&self) -> &SpanOptions {
        &self.options
    }

    /// Starts the span. It is not active: see [`start_active`](Self::start_active).
    #[inline]
    pub fn start(self) -> Span {
        self.tracer.start_span_with_options(self.options)
    }

    /// Starts the span and makes it active on this thread until the returned scope closes;
    /// with `finish_on_close`, closing the scope finishes the span.
    #[inline]
    pub fn start_active(self, finish_on_close: bool) -> Scope {
        let tracer = self.tracer;
        let span = self.start();
        tracer.scope_manager().activate(span, finish_on_close)
    }
}

impl<T: ?Sized> fmt::Debug for SpanBuilder<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanBuilder")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
