//! What a finished span looks like to a recorder or a test.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use smallvec::SmallVec;

use crate::context::SpanContext;
use crate::ids::SpanId;
use crate::limits::SpanLimits;
use crate::references::SpanReference;
use crate::value::Value;

/// A tag or log field key. Static keys, such as the constants in [`tags`](crate::tags),
/// are stored without allocating.
pub type Key = Cow<'static, str>;

/// A span's tags: inline up to four (starting a no-op span, or a small span, allocates
/// nothing for them).
pub(crate) type Tags = SmallVec<[(Key, Value); 4]>;

/// Room for the tags of a typical HTTP span, allocated at once when the inline room is full.
const SPILL_CAPACITY: usize = 16;

/// The latest value of each key, in the order the keys were last set. Tags are kept in the
/// order they were set; a repeated key is pushed again (comparing keys on every `set_tag`
/// costs more than it saves), and readers take the last value.
pub(crate) fn latest_tags(tags: &[(Key, Value)]) -> impl Iterator<Item = (&str, &Value)> + '_ {
    tags.iter()
        .enumerate()
        .filter(|(i, (key, _))| !tags[i + 1..].iter().any(|(later, _)| later == key))
        .map(|(_, (k, v))| (&**k, v))
}

/// One `log_kv` call: a timestamp and its fields, in the order given.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRecord {
    timestamp: SystemTime,
    fields: Vec<(Key, Value)>,
}

impl LogRecord {
    pub(crate) fn new(timestamp: SystemTime, fields: Vec<(Key, Value)>) -> Self {
        Self { timestamp, fields }
    }

    /// When the event happened.
    pub fn timestamp(&self) -> SystemTime {
        self.timestamp
    }

    /// The fields, in the order they were logged.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> + '_ {
        self.fields.iter().map(|(k, v)| (&**k, v))
    }

    /// The value of one field (the first, if a key repeats).
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// Everything recorded about a span while it runs.
#[derive(Clone, Debug)]
pub(crate) struct SpanData {
    pub(crate) operation_name: Key,
    pub(crate) references: SmallVec<[SpanReference; 2]>,
    /// The references are links only: the span started a new trace.
    pub(crate) new_trace: bool,
    /// The service of the tracer that started the span, when it names one.
    pub(crate) service_name: Option<Arc<str>>,
    pub(crate) tags: Tags,
    pub(crate) logs: Vec<LogRecord>,
    /// Limits other than the default, and what went past any limits; `None` for a span
    /// with the default limits that has dropped nothing.
    pub(crate) limited: Option<Box<Limited>>,
    pub(crate) start_time: SystemTime,
    /// The monotonic reading at the start, when the start time was not given explicitly.
    pub(crate) start_tick: Option<std::time::Instant>,
}

/// A span's limits, when not the default, and what it dropped past them: boxed, so that a
/// span within the default limits carries one empty pointer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Limited {
    pub(crate) limits: SpanLimits,
    /// The tags hold each key once: set when they first reach the limit.
    tags_deduplicated: bool,
    dropped_tags: u32,
    dropped_logs: u32,
}

impl Limited {
    /// Limits to keep; `None` for the default ones.
    pub(crate) fn new(limits: SpanLimits) -> Option<Box<Self>> {
        (limits != SpanLimits::default()).then(|| {
            Box::new(Self {
                limits,
                ..Self::default()
            })
        })
    }
}

/// The default limit of tags, checked without looking at a span's limits.
const DEFAULT_MAX_TAGS: usize = 128;

impl SpanData {
    /// The span's limits.
    fn limits(&self) -> SpanLimits {
        self.limited
            .as_ref()
            .map_or_else(SpanLimits::default, |limited| limited.limits)
    }

    /// The finish time of a span finishing now: its start plus the monotonic time since,
    /// or the wall clock for a span given an explicit start time.
    pub(crate) fn finish_time_now(&self) -> SystemTime {
        match self.start_tick {
            Some(tick) => crate::clock::since(self.start_time, tick),
            None => SystemTime::now(),
        }
    }

    /// Sets a tag; a repeated key's latest value wins. Within the limits: a string value
    /// is cut, and a new key past the most kept is dropped and counted.
    #[inline]
    pub(crate) fn set_tag(&mut self, key: Key, value: Value) {
        if self.limited.is_some() || self.tags.len() >= DEFAULT_MAX_TAGS {
            return self.set_tag_limited(key, value);
        }
        if self.tags.len() == self.tags.inline_size() {
            self.tags.reserve_exact(SPILL_CAPACITY - self.tags.len());
        }
        self.tags.push((key, value));
    }

    /// Sets the tags again within the limits: for tags given before the span started.
    #[cold]
    #[inline(never)]
    pub(crate) fn limit_tags(&mut self) {
        for (key, value) in std::mem::take(&mut self.tags) {
            self.set_tag_limited(key, value);
        }
    }

    /// [`set_tag`](Self::set_tag) when a limit may apply.
    #[cold]
    #[inline(never)]
    fn set_tag_limited(&mut self, key: Key, value: Value) {
        let limits = self.limits();
        let value = limits.cut(value);
        let max = limits.tags() as usize;
        if self.tags.len() < max && self.limited.as_ref().is_none_or(|l| !l.tags_deduplicated) {
            self.tags.push((key, value));
            return;
        }
        let limited = self.limited.get_or_insert_with(Box::default);
        if !limited.tags_deduplicated {
            limited.limits = limits;
            // From here on each key is kept once, so repeats cannot grow the tags.
            let mut at = 0;
            while at < self.tags.len() {
                let key = &self.tags[at].0;
                if self.tags[at + 1..].iter().any(|(later, _)| later == key) {
                    self.tags.remove(at);
                } else {
                    at += 1;
                }
            }
            limited.tags_deduplicated = true;
        }
        if let Some(at) = self.tags.iter().position(|(kept, _)| *kept == key) {
            self.tags.remove(at);
        } else if self.tags.len() >= max {
            limited.dropped_tags = limited.dropped_tags.saturating_add(1);
            return;
        }
        self.tags.push((key, value));
    }

    /// Adds a log; past the most kept it is dropped and counted. String values are cut.
    pub(crate) fn push_log(&mut self, timestamp: SystemTime, mut fields: Vec<(Key, Value)>) {
        let limits = self.limits();
        if self.logs.len() >= limits.logs() as usize {
            let limited = self.limited.get_or_insert_with(|| {
                Box::new(Limited {
                    limits,
                    ..Limited::default()
                })
            });
            limited.dropped_logs = limited.dropped_logs.saturating_add(1);
            return;
        }
        if limits.value_chars().is_some() {
            for (_, value) in &mut fields {
                *value = limits.cut(std::mem::replace(value, Value::Bool(false)));
            }
        }
        self.logs.push(LogRecord::new(timestamp, fields));
    }

    /// The error record of a span whose thread panicked.
    pub(crate) fn record_panic(&mut self) {
        self.set_tag(crate::tags::ERROR.into(), true.into());
        let fields = vec![
            (crate::logs::EVENT.into(), "error".into()),
            (crate::logs::MESSAGE.into(), "panicked".into()),
        ];
        self.push_log(SystemTime::now(), fields);
    }
}

/// A finished span, as handed to a [`Recorder`](crate::Recorder) and returned by the mock
/// tracer's `finished_spans`.
#[derive(Clone, Debug)]
pub struct FinishedSpan {
    context: SpanContext,
    data: SpanData,
    finish_time: SystemTime,
}

impl FinishedSpan {
    pub(crate) fn new(context: SpanContext, data: SpanData, finish_time: SystemTime) -> Self {
        Self {
            context,
            data,
            finish_time,
        }
    }

    /// The name of the service whose tracer started the span, when the tracer names one
    /// (the reference tracer does): Zipkin's `localEndpoint.serviceName`, OTLP's
    /// `service.name`.
    pub fn service_name(&self) -> Option<&str> {
        self.data.service_name.as_deref()
    }

    /// The operation name, as last set.
    pub fn operation_name(&self) -> &str {
        &self.data.operation_name
    }

    /// The span's context (ids, sampling, baggage as it was at finish).
    pub fn context(&self) -> &SpanContext {
        &self.context
    }

    /// The parent's span id: the first reference's, whatever its type, as in OpenTracing;
    /// for a [shared](SpanContext::is_shared) span, the caller's parent; none for a span that
    /// [started a new trace](crate::SpanBuilder::new_trace).
    pub fn parent_id(&self) -> Option<SpanId> {
        self.context.shared_parent_id().unwrap_or_else(|| {
            let links_only = self.data.new_trace;
            let first = self.data.references.first();
            first.filter(|_| !links_only).map(SpanReference::span_id)
        })
    }

    /// All references, the parent first.
    pub fn references(&self) -> &[SpanReference] {
        &self.data.references
    }

    /// The tags, each key once with its latest value, in the order they were last set.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        latest_tags(&self.data.tags)
    }

    /// A cheap guess of the span's size, encoded or kept, for byte limits: its strings plus
    /// room for what surrounds them (a tag set twice counts twice).
    #[cfg(any(feature = "reporter-plain", feature = "view"))]
    pub(crate) fn estimated_size(&self) -> usize {
        const FIXED: usize = 400;
        let field = |key: &str, value: &Value| key.len() + value.as_str().map_or(24, str::len) + 16;
        let tags: usize = self
            .data
            .tags
            .iter()
            .map(|(key, value)| field(key, value))
            .sum();
        let logs: usize = self
            .logs()
            .iter()
            .map(|log| 48 + log.fields().map(|(k, v)| field(k, v)).sum::<usize>())
            .sum();
        FIXED + self.operation_name().len() + tags + logs
    }

    /// The latest value of one tag.
    pub fn tag(&self, key: &str) -> Option<&Value> {
        let mut tags = self.data.tags.iter();
        tags.rfind(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether the span failed: its `error` tag is `true`.
    pub fn is_error(&self) -> bool {
        self.tag(crate::tags::ERROR).and_then(Value::as_bool) == Some(true)
    }

    /// The logs, in the order they were made.
    pub fn logs(&self) -> &[LogRecord] {
        &self.data.logs
    }

    /// How many new tag keys the span dropped past its [limits](crate::SpanLimits).
    pub fn dropped_tags(&self) -> u32 {
        self.data.limited.as_ref().map_or(0, |l| l.dropped_tags)
    }

    /// How many logs the span dropped past its [limits](crate::SpanLimits).
    pub fn dropped_logs(&self) -> u32 {
        self.data.limited.as_ref().map_or(0, |l| l.dropped_logs)
    }

    /// When the span started.
    pub fn start_time(&self) -> SystemTime {
        self.data.start_time
    }

    /// When the span finished.
    pub fn finish_time(&self) -> SystemTime {
        self.finish_time
    }

    /// How long the span took; zero when the finish time is before the start time.
    pub fn duration(&self) -> Duration {
        self.finish_time
            .duration_since(self.data.start_time)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::SpanOptions;

    #[test]
    fn repeated_and_new_keys_never_grow_the_tags_past_the_limit() {
        let mut data = SpanOptions::new("op").into_data();
        data.limited = Limited::new(SpanLimits::default().max_tags(8));
        for round in 0..10_000 {
            data.set_tag(format!("key{}", round % 20).into(), round.into());
            assert!(data.tags.len() <= 8, "{}", data.tags.len());
        }
        let mut data = SpanOptions::new("op").into_data();
        data.limited = Limited::new(SpanLimits::default().max_logs(3));
        for _ in 0..10_000 {
            data.record_panic();
        }
        let dropped = data.limited.as_ref().unwrap().dropped_logs;
        assert_eq!((data.logs.len(), dropped), (3, 9_997));
        assert!(data.tags.len() <= 128);
    }
}
