//! What every span encoding gives the reporter.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::finished::FinishedSpan;
use crate::{logs, tags};

/// Turns a batch of finished spans into the body of one HTTP request to a collector.
pub trait Encoder: Send + Sync + 'static {
    /// The `Content-Type` of an encoded batch.
    fn content_type(&self) -> &'static str;

    /// Appends the encoding of `spans` to `out`.
    fn encode(&self, spans: &[FinishedSpan], out: &mut Vec<u8>);
}

/// Time since the Unix epoch; zero for a time before it.
pub(crate) fn since_epoch(time: SystemTime) -> Duration {
    time.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// Whether the span is tagged `error=true`, and then the message of its first error log,
/// if any.
pub(crate) fn error_of(span: &FinishedSpan) -> Option<Option<&str>> {
    if span.tag(tags::ERROR)?.as_bool()? {
        let message = span.logs().iter().find_map(|log| {
            let is_error = log.field(logs::EVENT)?.as_str()? == "error";
            is_error
                .then(|| log.field(logs::MESSAGE)?.as_str())
                .flatten()
        });
        Some(message)
    } else {
        None
    }
}

/// The tag `error=false`: the span says it succeeded.
#[cfg(feature = "otlp")]
pub(crate) fn is_explicit_success(span: &FinishedSpan) -> bool {
    span.tag(tags::ERROR).and_then(|v| v.as_bool()) == Some(false)
}
