//! opentracing-python's `APICompatibilityCheckMixin`, check by check.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, SystemTime};

use crate::context::SpanContext;
use crate::ids::{SpanId, TraceId};
use crate::propagation::{ExtractCarrier, InjectCarrier, PropagationErrorKind};
use crate::references::Reference;
use crate::span::Span;
use crate::tracer::Tracer;

/// The API checks, run against one tracer.
///
/// The two switches mirror opentracing-python's hooks: turn them off for a tracer whose spans
/// keep no baggage or whose scope activation is not observable. Parentage is checked with
/// [`Span::parent_id`].
#[derive(Debug)]
pub struct ApiCheck<T> {
    tracer: T,
    check_baggage_values: bool,
    check_scope_manager: bool,
}

impl<T: Tracer> ApiCheck<T> {
    /// Checks for `tracer`, with every assertion on.
    pub fn new(tracer: T) -> Self {
        Self {
            tracer,
            check_baggage_values: true,
            check_scope_manager: true,
        }
    }

    /// Whether baggage values must read back (`check_baggage_values` in opentracing-python).
    pub fn check_baggage_values(mut self, check: bool) -> Self {
        self.check_baggage_values = check;
        self
    }

    /// Whether activation, parentage and finish-on-close are asserted
    /// (`check_scope_manager`).
    pub fn check_scope_manager(mut self, check: bool) -> Self {
        self.check_scope_manager = check;
        self
    }

    fn is_parent(&self, parent: Option<&Span>, span: &Span) -> bool {
        let parent_id = parent.and_then(Span::context).map(|cx| cx.span_id());
        span.parent_id() == parent_id
    }

    /// A context to inject when the tracer's spans have none (the no-op tracer).
    fn context_of(span: &Span) -> SpanContext {
        span.context()
            .unwrap_or_else(|| SpanContext::new(TraceId::new(1).unwrap(), SpanId::new(1).unwrap()))
    }

    fn assert_no_active_span(&self) {
        if self.check_scope_manager {
            assert_eq!(
                self.tracer.active_span(),
                None,
                "a span is active before the check"
            );
        }
    }

    /// A started span is not active; inside `activate` it is.
    pub fn active_span(&self) {
        self.assert_no_active_span();
        let span = self.tracer.start_span("Fry");
        if self.check_scope_manager {
            assert_eq!(self.tracer.active_span(), None);
            assert_eq!(self.tracer.scope_manager().active_span(), None);
        }
        let scope = self.tracer.scope_manager().activate(span.clone(), true);
        if self.check_scope_manager {
            assert_eq!(self.tracer.active_span(), Some(span.clone()));
            assert_eq!(self.tracer.scope_manager().active_span(), Some(span));
        }
        drop(scope);
    }

    /// `start_active_span` gives a scope with a span, a root.
    pub fn start_active_span(&self) {
        self.assert_no_active_span();
        let scope = self.tracer.start_active_span("Fry");
        if self.check_scope_manager {
            assert!(
                self.is_parent(None, scope.span()),
                "the span must be a root"
            );
        }
    }

    /// A nested active span is a child of the outer one.
    pub fn start_active_span_parent(&self) {
        let parent = self.tracer.start_active_span("Fry");
        let child = self.tracer.start_active_span("Farnsworth");
        if self.check_scope_manager {
            assert!(self.is_parent(Some(parent.span()), child.span()));
        }
    }

    /// With `ignore_active_span`, a nested span is not a child of the active one.
    pub fn start_active_span_ignore_active_span(&self) {
        let parent = self.tracer.start_active_span("Fry");
        let child = self
            .tracer
            .span_builder("Farnsworth")
            .ignore_active_span()
            .start_active(true);
        if self.check_scope_manager {
            assert!(!self.is_parent(Some(parent.span()), child.span()));
        }
    }

    /// `finish_on_close = false`: closing never finishes the span.
    pub fn start_active_span_not_finish_on_close(&self) {
        let scope = self.tracer.span_builder("Fry").start_active(false);
        let span = scope.span().clone();
        scope.close();
        assert!(!span.is_finished(), "closing must not finish the span");
        span.finish();
    }

    /// `finish_on_close = true`: closing finishes the span.
    pub fn start_active_span_finish_on_close(&self) {
        let scope = self.tracer.span_builder("Fry").start_active(true);
        let span = scope.span().clone();
        scope.close();
        if self.check_scope_manager {
            assert!(span.is_finished(), "closing must finish the span");
        }
    }

    /// `start_active_span` without a flag finishes on close.
    pub fn start_active_span_default_finish_on_close(&self) {
        let scope = self.tracer.start_active_span("Fry");
        let span = scope.span().clone();
        scope.close();
        if self.check_scope_manager {
            assert!(
                span.is_finished(),
                "closing must finish the span by default"
            );
        }
    }

    /// A span starts and finishes, with tags, and logs an event.
    pub fn start_span(&self) {
        let span = self.tracer.start_span("Fry");
        span.finish();
        let span = self
            .tracer
            .span_builder("Fry")
            .tag("birthday", "August 14 1974")
            .start();
        span.log_kv([("event", "birthplace"), ("payload", "Mars")]);
        span.finish();
    }

    /// A plain span started inside an active scope is its child.
    pub fn start_span_propagation(&self) {
        let parent = self.tracer.start_active_span("Bender");
        let child = self.tracer.start_span("Bender");
        if self.check_scope_manager {
            assert!(self.is_parent(Some(parent.span()), &child));
        }
        child.finish();
    }

    /// With `ignore_active_span`, a plain span started inside an active scope is not its child.
    pub fn start_span_propagation_ignore_active_span(&self) {
        let parent = self.tracer.start_active_span("Bender");
        let child = self
            .tracer
            .span_builder("Bender")
            .ignore_active_span()
            .start();
        if self.check_scope_manager {
            assert!(!self.is_parent(Some(parent.span()), &child));
        }
        child.finish();
    }

    /// Explicit parents: `child_of` a span, `follows_from` a context, with tags.
    pub fn start_span_with_parent(&self) {
        let parent = self.tracer.start_span("parent");
        let child = self.tracer.span_builder("Leela").child_of(&parent).start();
        child.finish();
        let follower = self
            .tracer
            .span_builder("Leela")
            .reference(Reference::follows_from(Self::context_of(&parent)))
            .tag("birthplace", "sewers")
            .start();
        follower.finish();
        parent.finish();
        if self.check_scope_manager {
            assert!(self.is_parent(Some(&parent), &child));
        }
    }

    /// The `start_child_span` helper: a builder with `child_of`.
    pub fn start_child_span(&self) {
        let parent = self.tracer.start_span("parent");
        let child = self.tracer.span_builder("Leela").child_of(&parent).start();
        if self.check_scope_manager {
            assert!(self.is_parent(Some(&parent), &child));
        }
        child.finish();
        parent.finish();
    }

    /// A span can be renamed, in a chain, and then finished.
    pub fn set_operation_name(&self) {
        let span = self.tracer.start_span("");
        span.set_operation_name("Farnsworth").set_tag("x", 1);
        span.finish();
    }

    /// A scope used as a guard finishes its span when dropped, also while panicking, and
    /// the panic goes on.
    pub fn span_as_context_manager(&self) {
        let scope = self.tracer.start_active_span("antiquing");
        let span = scope.span().clone();
        drop(scope);
        if self.check_scope_manager {
            assert!(span.is_finished());
        }
        let mut span = None;
        let result = catch_unwind(AssertUnwindSafe(|| {
            let scope = self.tracer.start_active_span("antiquing");
            span = Some(scope.span().clone());
            panic!("the harness raises on purpose");
        }));
        assert!(result.is_err(), "the panic must propagate");
        if self.check_scope_manager {
            assert!(span.is_some_and(|span| span.is_finished()));
        }
    }

    /// Tags take integers, bools and strings, and chain.
    pub fn span_tag_value_types(&self) {
        let span = self.tracer.start_span("ManyTypes");
        span.set_tag("an_int", 9)
            .set_tag("a_bool", true)
            .set_tag("a_string", "aoeuidhtns")
            .set_tag("a_float", 0.5);
        span.finish();
    }

    /// Chained tags, with Unicode keys and values.
    pub fn span_tags_with_chaining(&self) {
        let span = self.tracer.start_span("Farnsworth");
        span.set_tag("birthday", "9 April, 2841")
            .set_tag("loves", "different lengths of wires");
        span.set_tag("unicode_val", "non-ascii: \u{200b}")
            .set_tag("unicode_key_\u{200b}", "ascii val");
        span.finish();
    }

    /// Logs with and without a timestamp, chained.
    pub fn span_logs(&self) {
        let span = self.tracer.start_span("Fry");
        span.log_kv([("frozen.year", 1999), ("frozen.place", 2)]);
        span.log_kv_at(
            SystemTime::now() - Duration::from_secs(7),
            [("frozen.year", "1999")],
        )
        .log_kv([("event", "frozen")])
        .log_kv([("event", "unfrozen"), ("payload", "3000")]);
        span.finish();
    }

    /// A new span has no baggage; a baggage item reads back.
    pub fn span_baggage(&self) {
        let span = self.tracer.start_span("Fry");
        if self.check_baggage_values {
            let context = span.context().expect("a recording span has a context");
            assert!(context.baggage().is_empty());
        }
        let same = span.set_baggage_item("Kiff-loves", "Amy");
        assert_eq!(same, &span, "set_baggage_item chains on the same span");
        if self.check_baggage_values {
            assert_eq!(span.baggage_item("Kiff-loves").as_deref(), Some("Amy"));
            assert_eq!(span.baggage_item("missing"), None);
        }
        span.finish();
    }

    /// A baggage item shows in the span's context.
    pub fn context_baggage(&self) {
        let span = self.tracer.start_span("Fry");
        span.set_baggage_item("Kiff-loves", "Amy");
        if self.check_baggage_values {
            let context = span.context().expect("a recording span has a context");
            let items: Vec<_> = context.baggage().iter().collect();
            assert_eq!(items, [("Kiff-loves", "Amy")]);
        }
        span.finish();
    }

    /// A context goes through a text map and back, with no baggage.
    pub fn text_propagation(&self) {
        let span = self.tracer.start_span("Bender");
        let mut carrier = HashMap::<String, String>::new();
        self.tracer
            .inject(
                &Self::context_of(&span),
                InjectCarrier::TextMap(&mut carrier),
            )
            .expect("text-map inject");
        let extracted = self
            .tracer
            .extract(ExtractCarrier::TextMap(&carrier))
            .expect("text-map extract");
        if self.check_baggage_values {
            let extracted = extracted.expect("the injected context extracts");
            assert!(extracted.baggage().is_empty());
        }
        span.finish();
    }

    /// A context goes through bytes and back, with no baggage.
    pub fn binary_propagation(&self) {
        let span = self.tracer.start_span("Bender");
        let mut carrier = Vec::new();
        self.tracer
            .inject(
                &Self::context_of(&span),
                InjectCarrier::Binary(&mut carrier),
            )
            .expect("binary inject");
        let extracted = self
            .tracer
            .extract(ExtractCarrier::Binary(&carrier))
            .expect("binary extract");
        if self.check_baggage_values {
            let extracted = extracted.expect("the injected context extracts");
            assert!(extracted.baggage().is_empty());
        }
        span.finish();
    }

    /// The three standard formats are supported: inject then extract succeeds for each.
    pub fn mandatory_formats(&self) {
        let span = self.tracer.start_span("Bender");
        let context = Self::context_of(&span);
        let mut text = HashMap::<String, String>::new();
        let mut headers = HashMap::<String, String>::new();
        let mut bytes = Vec::new();
        self.tracer
            .inject(&context, InjectCarrier::TextMap(&mut text))
            .unwrap();
        self.tracer
            .inject(&context, InjectCarrier::HttpHeaders(&mut headers))
            .unwrap();
        self.tracer
            .inject(&context, InjectCarrier::Binary(&mut bytes))
            .unwrap();
        self.tracer.extract(ExtractCarrier::TextMap(&text)).unwrap();
        self.tracer
            .extract(ExtractCarrier::HttpHeaders(&headers))
            .unwrap();
        self.tracer.extract(ExtractCarrier::Binary(&bytes)).unwrap();
        span.finish();
    }

    /// An unknown format is `UnsupportedFormat`, for inject and for extract.
    pub fn unknown_format(&self) {
        let span = self.tracer.start_span("Bender");
        let mut carrier = ();
        let injected = self.tracer.inject(
            &Self::context_of(&span),
            InjectCarrier::Custom("unknown format", &mut carrier),
        );
        assert_eq!(
            injected.map_err(|e| e.kind()),
            Err(PropagationErrorKind::UnsupportedFormat)
        );
        let extracted = self
            .tracer
            .extract(ExtractCarrier::Custom("unknown format", &carrier));
        assert_eq!(
            extracted.map_err(|e| e.kind()),
            Err(PropagationErrorKind::UnsupportedFormat)
        );
        span.finish();
    }

    /// `start_active_span` makes its scope the active one.
    pub fn tracer_start_active_span_scope(&self) {
        let scope = self.tracer.start_active_span("Fry");
        if self.check_scope_manager {
            assert!(scope.is_active());
            assert_eq!(self.tracer.active_span().as_ref(), Some(scope.span()));
        }
    }

    /// `start_span` does not activate anything.
    pub fn tracer_start_span_scope(&self) {
        self.assert_no_active_span();
        let span = self.tracer.start_span("Fry");
        if self.check_scope_manager {
            assert_eq!(self.tracer.active_span(), None);
        }
        span.finish();
    }
}
