//! The span handle.

use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use crate::context::SpanContext;
use crate::finished::{FinishedSpan, Key, Limited, SpanData};
use crate::ids::SpanId;
use crate::limits::SpanLimits;
use crate::options::SpanOptions;
use crate::recorder::Recorder;
use crate::value::Value;
use crate::{logs, tags};

/// A span: one timed operation in a trace.
///
/// A `Span` is a cheap handle (`Clone` shares the same span), so it can be stored, moved to
/// other threads and tasks, and finished there. Every setter takes `&self` and returns
/// `&Self`, so calls chain:
///
/// ```
/// # use opentracing_core::{Span, tags};
/// # let span = Span::noop();
/// span.set_tag(tags::HTTP_METHOD, "GET").set_tag(tags::HTTP_STATUS_CODE, 200);
/// span.finish();
/// ```
///
/// A span finishes once: later `finish` calls, and tags or logs after the finish, are ignored.
/// When the last handle is dropped before `finish`, the span finishes then, and is tagged as
/// an error if the thread is panicking. A no-op span ([`Span::noop`]) holds nothing and
/// allocates nothing.
///
/// Two handles are equal when they refer to the same span (all no-op spans are equal).
#[derive(Clone, Default)]
pub struct Span {
    inner: Option<Arc<SpanInner>>,
}

struct SpanInner {
    /// `None` for an unsampled span: it propagates, but records nothing.
    recorder: Option<Arc<dyn Recorder>>,
    state: Mutex<State>,
}

struct State {
    context: SpanContext,
    parent_id: Option<SpanId>,
    /// `None` once finished.
    data: Option<SpanData>,
}

impl Span {
    /// A span that does nothing, for the no-op tracer and for code that has no span.
    pub const fn noop() -> Self {
        Self { inner: None }
    }

    /// Starts a span with the given context and options, reporting to `recorder` when it
    /// finishes. Tracer implementations call this from
    /// [`Tracer::start_span_with_options`](crate::Tracer::start_span_with_options) after
    /// choosing the ids; an unsampled `context` gives a span that records nothing.
    #[inline]
    pub fn new(context: SpanContext, options: SpanOptions, recorder: Arc<dyn Recorder>) -> Self {
        Self::with_limits(context, options, recorder, SpanLimits::default())
    }

    /// [`Span::new`], keeping what `limits` allow.
    #[inline]
    pub(crate) fn with_limits(
        context: SpanContext,
        options: SpanOptions,
        recorder: Arc<dyn Recorder>,
        limits: SpanLimits,
    ) -> Self {
        let recorder = context.is_sampled().then_some(recorder);
        let parent_id = context
            .shared_parent_id()
            .unwrap_or_else(|| options.parent().map(SpanContext::span_id));
        let over_limits = options.tags_over_limits();
        let data = options.into_data();
        let span = Self {
            inner: Some(Arc::new(SpanInner {
                recorder,
                state: Mutex::new(State {
                    context,
                    parent_id,
                    data: Some(data),
                }),
            })),
        };
        // Rare: set after the start, so that the usual span is built in place.
        if limits != SpanLimits::default() {
            span.record(|data| {
                data.limited = Limited::new(limits);
                data.limit_tags();
            });
        } else if over_limits {
            span.record(SpanData::limit_tags);
        }
        span
    }

    /// A span that carries `context` and records nothing. Made active, it passes the context
    /// on: spans started under it are children of `context`'s span. For code that must
    /// propagate a caller's context without a span of its own, such as a filtered health
    /// check in server middleware.
    ///
    /// ```
    /// use opentracing_core::{MockTracer, SpanContext, SpanId, Span, TraceId, Tracer, in_span};
    ///
    /// let tracer = MockTracer::new();
    /// let caller = SpanContext::new(TraceId::MIN, SpanId::MIN);
    /// let child = in_span(&Span::non_recording(caller.clone()), || tracer.start_span("call"));
    /// assert_eq!(child.parent_id(), Some(caller.span_id()));
    /// assert_eq!(child.context().unwrap().trace_id(), caller.trace_id());
    /// ```
    pub fn non_recording(context: SpanContext) -> Self {
        Self {
            inner: Some(Arc::new(SpanInner {
                recorder: None,
                state: Mutex::new(State {
                    context,
                    parent_id: None,
                    data: Some(SpanOptions::new("").into_data()),
                }),
            })),
        }
    }

    /// Whether this is a no-op span.
    pub fn is_noop(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether tags and logs set now are kept: the span is sampled and not finished.
    pub fn is_recording(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|inner| inner.recorder.is_some() && inner.lock().data.is_some())
    }

    /// Whether the span has finished. A no-op span never finishes.
    pub fn is_finished(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|inner| inner.lock().data.is_none())
    }

    /// The span's context, to propagate or reference; `None` for a no-op span.
    pub fn context(&self) -> Option<SpanContext> {
        Some(self.inner.as_ref()?.lock().context.clone())
    }

    /// The parent's span id: that of the first reference, whatever its type.
    pub fn parent_id(&self) -> Option<SpanId> {
        self.inner.as_ref()?.lock().parent_id
    }

    /// Renames the operation.
    pub fn set_operation_name(&self, name: impl Into<Key>) -> &Self {
        self.record(|data| data.operation_name = name.into())
    }

    /// Sets a tag; for a repeated key, the latest value wins.
    pub fn set_tag(&self, key: impl Into<Key>, value: impl Into<Value>) -> &Self {
        self.record(|data| data.set_tag(key.into(), value.into()))
    }

    /// Logs key/value fields, timestamped now: pairs of one value type
    /// (`[("event", "rows")]`), or of mixed types with [`kv!`](crate::kv)
    /// (`kv!["event" => "rows", "count" => 3]`).
    pub fn log_kv<K, V>(&self, fields: impl IntoIterator<Item = (K, V)>) -> &Self
    where
        K: Into<Key>,
        V: Into<Value>,
    {
        self.log_kv_at(SystemTime::now(), fields)
    }

    /// Logs key/value fields with an explicit timestamp.
    pub fn log_kv_at<K, V>(
        &self,
        timestamp: SystemTime,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> &Self
    where
        K: Into<Key>,
        V: Into<Value>,
    {
        self.record(|data| {
            let fields = fields
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect();
            data.push_log(timestamp, fields);
        })
    }

    /// Records `error` the way opentracing-python does when a `with` block raises: the tag
    /// `error=true` and one log with `event=error`, `error.kind` (the type name), `message`
    /// (its `Display`) and `error.object` (its `Debug`).
    pub fn record_error<E: Error + ?Sized>(&self, error: &E) -> &Self {
        self.record(|data| {
            data.set_tag(tags::ERROR.into(), true.into());
            let fields = vec![
                (logs::EVENT.into(), "error".into()),
                (logs::ERROR_KIND.into(), std::any::type_name::<E>().into()),
                (logs::MESSAGE.into(), error.to_string().into()),
                (logs::ERROR_OBJECT.into(), format!("{error:?}").into()),
            ];
            data.push_log(SystemTime::now(), fields);
        })
    }

    /// Sets a baggage item, which travels with the context to every descendant started
    /// afterwards (and across process boundaries: keep baggage small).
    pub fn set_baggage_item(&self, key: impl Into<String>, value: impl Into<String>) -> &Self {
        if let Some(inner) = &self.inner {
            inner.lock().context.baggage_mut().set(key, value);
        }
        self
    }

    /// The value of a baggage item.
    pub fn baggage_item(&self, key: &str) -> Option<String> {
        let state = self.inner.as_ref()?.lock();
        state.context.baggage_item(key).map(str::to_owned)
    }

    /// Records that the thread is panicking: `error=true` and a log `event=error`,
    /// `message=panicked`. Scopes and instrumented futures call it when unwinding.
    pub(crate) fn record_panic(&self) -> &Self {
        self.record(SpanData::record_panic)
    }

    /// Finishes the span now. Only the first call counts.
    pub fn finish(&self) {
        self.finish_with(None);
    }

    /// Finishes the span at the given time. Only the first call counts.
    pub fn finish_at(&self, finish_time: SystemTime) {
        self.finish_with(Some(finish_time));
    }

    fn finish_with(&self, finish_time: Option<SystemTime>) {
        let Some(inner) = &self.inner else { return };
        let mut state = inner.lock();
        let Some(data) = state.data.take() else {
            return;
        };
        let Some(recorder) = &inner.recorder else {
            return;
        };
        let context = state.context.clone();
        drop(state);
        let finish_time = finish_time.unwrap_or_else(|| data.finish_time_now());
        // Built in the call, so that the span's state is not copied once more on its way.
        recorder.record(FinishedSpan::new(context, data, finish_time));
    }

    /// Runs `f` on the span's data if it is recording.
    fn record(&self, f: impl FnOnce(&mut SpanData)) -> &Self {
        if let Some(inner) = &self.inner
            && inner.recorder.is_some()
            && let Some(data) = &mut inner.lock().data
        {
            f(data);
        }
        self
    }
}

impl SpanInner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-written in a way that
        // matters for tracing, so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for SpanInner {
    /// The last handle is gone: finish the span if nobody did.
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        let Some(mut data) = state.data.take() else {
            return;
        };
        let Some(recorder) = &self.recorder else {
            return;
        };
        if std::thread::panicking() {
            data.record_panic();
        }
        let context = state.context.clone();
        let finish_time = data.finish_time_now();
        recorder.record(FinishedSpan::new(context, data, finish_time));
    }
}

impl PartialEq for Span {
    fn eq(&self, other: &Self) -> bool {
        match (&self.inner, &other.inner) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Eq for Span {}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            None => f.write_str("Span(noop)"),
            Some(inner) => {
                let state = inner.lock();
                f.debug_struct("Span")
                    .field("context", &state.context)
                    .field(
                        "operation_name",
                        &state.data.as_ref().map(|d| &d.operation_name),
                    )
                    .field("finished", &state.data.is_none())
                    .finish()
            }
        }
    }
}
