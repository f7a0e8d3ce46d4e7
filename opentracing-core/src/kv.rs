//! The [`kv!`](crate::kv) macro: log fields of mixed value types.

/// Key/value fields whose values may differ in type, for [`Span::log_kv`](crate::Span::log_kv)
/// or [`Span::log_kv_at`](crate::Span::log_kv_at).
///
/// Each key converts into a [`Key`](crate::Key) and each value into a [`Value`](crate::Value);
/// the result is an array of those pairs.
///
/// ```
/// use opentracing_core::{MockTracer, Tracer, Value, kv, logs};
///
/// let tracer = MockTracer::new();
/// let span = tracer.start_span("query");
/// span.log_kv(kv![logs::EVENT => "rows", "count" => 3, "cached" => false]);
/// span.finish();
///
/// let spans = tracer.finished_spans();
/// let fields: Vec<_> = spans[0].logs()[0].fields().collect();
/// assert_eq!(fields[1], ("count", &Value::from(3)));
/// ```
#[macro_export]
macro_rules! kv {
    () => {
        [] as [($crate::Key, $crate::Value); 0]
    };
    ($($key:expr => $value:expr),+ $(,)?) => {
        [$((<$crate::Key>::from($key), $crate::Value::from($value))),+]
    };
}
