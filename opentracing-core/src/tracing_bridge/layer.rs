//! The layer: `tracing` spans as OpenTracing spans, events as their logs.

use std::cell::RefCell;
use std::fmt;

use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::options::SpanOptions;
use crate::references::ReferenceType;
use crate::scope::{Scope, ScopeManager};
use crate::span::Span;
use crate::tracer::Tracer;
use crate::value::Value;
use crate::{Key, tags};

/// The log field that carries an event's level (`ERROR`, `WARN`, `INFO`, `DEBUG`, `TRACE`).
pub const LEVEL: &str = "level";

/// Makes `tracing` spans and events OpenTracing spans and logs of `tracer`; see the
/// [module](super) docs.
#[derive(Clone, Debug)]
pub struct OpenTracingLayer<T> {
    tracer: T,
    errors_mark_spans: bool,
}

impl<T: Tracer> OpenTracingLayer<T> {
    /// A layer that starts its spans with `tracer`.
    pub fn new(tracer: T) -> Self {
        Self {
            tracer,
            errors_mark_spans: true,
        }
    }

    /// Whether an `ERROR` event tags its span `error=true` (it does by default).
    #[must_use]
    pub fn error_events_mark_spans(mut self, mark: bool) -> Self {
        self.errors_mark_spans = mark;
        self
    }
}

impl<T> OpenTracingLayer<T> {
    /// `event` as a log of `span`, with its level; an error marks the span if so configured.
    fn log(&self, event: &Event<'_>, span: &Span) {
        if !span.is_recording() {
            return;
        }
        let level = *event.metadata().level();
        let mut fields = Vec::with_capacity(1 + event.metadata().fields().len());
        fields.push((Key::from(LEVEL), Value::from(level.as_str())));
        event.record(&mut Typed(|key, value| fields.push((key, value))));
        span.log_kv(fields);
        if level == Level::ERROR && self.errors_mark_spans {
            span.set_tag(tags::ERROR, true);
        }
    }
}

/// A `tracing` span's OpenTracing span, kept in its extensions.
struct Bridged(Span);

thread_local! {
    /// The activations of the `tracing` spans entered on this thread, the latest last.
    static ENTERED: RefCell<Vec<(Id, Scope)>> = const { RefCell::new(Vec::new()) };
}

impl<S, T> Layer<S> for OpenTracingLayer<T>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    T: Tracer + 'static,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        let Some(span) = context.span(id) else {
            return;
        };
        // The parent as this layer sees it: disabled spans are skipped.
        let parent = span.scope().skip(1).find_map(|ancestor| {
            let extensions = ancestor.extensions();
            extensions.get::<Bridged>().and_then(|b| b.0.context())
        });
        let mut options = SpanOptions::new(attributes.metadata().name());
        options.push_reference(ReferenceType::ChildOf, parent, true);
        attributes.record(&mut Typed(|key, value| options.push_tag(key, value)));
        let ours = self.tracer.start_span_with_options(options);
        span.extensions_mut().insert(Bridged(ours));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, context: Context<'_, S>) {
        if let Some(span) = bridged(&context, id).filter(Span::is_recording) {
            values.record(&mut Typed(|key, value| {
                span.set_tag(key, value);
            }));
        }
    }

    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        match context.event_span(event) {
            Some(owner) => {
                if let Some(Bridged(span)) = owner.extensions().get::<Bridged>() {
                    self.log(event, span);
                }
            }
            None => {
                if let Some(span) = ScopeManager::new().active_span() {
                    self.log(event, &span);
                }
            }
        }
    }

    fn on_enter(&self, id: &Id, context: Context<'_, S>) {
        if let Some(span) = bridged(&context, id) {
            let scope = ScopeManager::new().activate(span, false);
            let _ = ENTERED.try_with(|entered| entered.borrow_mut().push((id.clone(), scope)));
        }
    }

    fn on_exit(&self, id: &Id, _: Context<'_, S>) {
        let scope = ENTERED
            .try_with(|entered| {
                let mut entered = entered.borrow_mut();
                let at = entered.iter().rposition(|(entered, _)| entered == id)?;
                Some(entered.remove(at).1)
            })
            .ok()
            .flatten();
        // Closed outside the borrow: closing may look at the active span.
        drop(scope);
    }

    fn on_close(&self, id: Id, context: Context<'_, S>) {
        let Some(span) = context.span(&id) else {
            return;
        };
        let bridged = span.extensions_mut().remove::<Bridged>();
        if let Some(Bridged(ours)) = bridged {
            ours.finish();
        }
    }
}

/// The OpenTracing span of the `tracing` span `id`.
fn bridged<S>(context: &Context<'_, S>, id: &Id) -> Option<Span>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let span = context.span(id)?;
    let extensions = span.extensions();
    extensions.get::<Bridged>().map(|bridged| bridged.0.clone())
}

/// Each field, typed (integers, floats, booleans, strings; anything else as its `Debug`
/// text), handed to a sink: the tags a span starts with, later tags, or a log's fields.
struct Typed<F: FnMut(Key, Value)>(F);

impl<F: FnMut(Key, Value)> Visit for Typed<F> {
    fn record_i64(&mut self, field: &Field, value: i64) {
        (self.0)(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        (self.0)(field.name().into(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        (self.0)(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        (self.0)(field.name().into(), value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        (self.0)(field.name().into(), value.to_owned().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        (self.0)(field.name().into(), debug_text(value).into());
    }
}

/// A field's `Debug` text (an event's message among them), written into room for a
/// typical message so that it is allocated once.
fn debug_text(value: &dyn fmt::Debug) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(64);
    let _ = write!(text, "{value:?}");
    text
}
