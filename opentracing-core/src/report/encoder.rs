//! What every span encoding gives the reporter.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::finished::FinishedSpan;
use crate::value::Value;
use crate::{logs, tags};

/// Turns a batch of finished spans into the body of one HTTP request to a collector.
pub trait Encoder: Send + Sync + 'static {
    /// The `Content-Type` of an encoded batch.
    fn content_type(&self) -> &'static str;

    /// Appends the encoding of `spans` to `out`.
    fn encode(&self, spans: &[FinishedSpan], out: &mut Vec<u8>);

    /// Whether the encoding can mark a span that shares its caller's span id (Zipkin's
    /// `shared`); `true` by default.
    fn supports_shared_spans(&self) -> bool {
        true
    }

    /// The spans of an accepted message that the collector's (2xx) `answer` says it
    /// rejected, and why, such as OTLP's `partialSuccess`; none by default.
    fn rejection(&self, answer: &[u8]) -> Rejection {
        let _ = answer;
        Rejection::default()
    }

    /// The gRPC method (`/package.Service/Method`) that takes an encoded batch, for an
    /// encoding sent as a gRPC call over HTTP/2; `None`, an HTTP POST, by default.
    fn grpc_method(&self) -> Option<&'static str> {
        None
    }
}

/// Spans a collector rejected from a message it accepted, and its reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rejection {
    /// How many spans.
    pub spans: u64,
    /// What the collector said about them.
    pub message: Option<String>,
}

/// Time since the Unix epoch; zero for a time before it.
pub(crate) fn since_epoch(time: SystemTime) -> Duration {
    time.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// Whether the span failed, by its `error` tag (`true`, or a message other than `false`),
/// and then its message: the tag's text, or the first error log's.
pub(crate) fn error_of(span: &FinishedSpan) -> Option<Option<&str>> {
    match span.tag(tags::ERROR)? {
        Value::Bool(true) => Some(span.logs().iter().find_map(|log| {
            let is_error = log.field(logs::EVENT)?.as_str()? == "error";
            is_error
                .then(|| log.field(logs::MESSAGE)?.as_str())
                .flatten()
        })),
        Value::String(text) if !text.is_empty() && text != "false" => Some(Some(text)),
        _ => None,
    }
}

/// The tag `error=false`: the span says it succeeded.
#[cfg(feature = "otlp")]
pub(crate) fn is_explicit_success(span: &FinishedSpan) -> bool {
    match span.tag(tags::ERROR) {
        Some(Value::Bool(false)) => true,
        Some(Value::String(text)) => text == "false",
        _ => false,
    }
}
