//! The reporter's errors: why it could not start, and why spans did not reach the collector.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

/// Why a reporter could not start.
#[derive(Debug)]
pub struct StartError {
    kind: StartErrorKind,
}

#[derive(Debug)]
enum StartErrorKind {
    /// What is wrong with the endpoint; never the URL itself, which may hold credentials.
    Endpoint(&'static str),
    #[cfg(feature = "tls")]
    Tls(super::tls::TlsError),
    Runtime(std::io::Error),
    Thread(std::io::Error),
}

impl StartError {
    pub(crate) fn endpoint(problem: &'static str) -> Self {
        Self {
            kind: StartErrorKind::Endpoint(problem),
        }
    }

    #[cfg(feature = "tls")]
    pub(crate) fn tls(error: super::tls::TlsError) -> Self {
        Self {
            kind: StartErrorKind::Tls(error),
        }
    }

    pub(crate) fn runtime(error: std::io::Error) -> Self {
        Self {
            kind: StartErrorKind::Runtime(error),
        }
    }

    pub(crate) fn thread(error: std::io::Error) -> Self {
        Self {
            kind: StartErrorKind::Thread(error),
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the span reporter cannot start: ")?;
        match &self.kind {
            StartErrorKind::Endpoint(problem) => f.write_str(problem),
            #[cfg(feature = "tls")]
            StartErrorKind::Tls(error) => write!(f, "TLS: {error}"),
            StartErrorKind::Runtime(_) => f.write_str("no runtime"),
            StartErrorKind::Thread(_) => f.write_str("no thread"),
        }
    }
}

impl Error for StartError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.kind {
            StartErrorKind::Endpoint(_) => None,
            #[cfg(feature = "tls")]
            StartErrorKind::Tls(error) => Some(error),
            StartErrorKind::Runtime(error) | StartErrorKind::Thread(error) => Some(error),
        }
    }
}

/// Why a message, or some of its spans, did not reach the collector: what
/// [`Reporter::last_error`](super::Reporter::last_error) keeps.
#[derive(Clone, Debug)]
pub struct ExportError {
    kind: ExportErrorKind,
    source: Option<Arc<dyn Error + Send + Sync>>,
    /// What the collector said: the start of its answer's body, or `grpc-message`.
    message: Option<Arc<str>>,
    /// How long the collector asked us to wait before trying again.
    retry_after: Option<Duration>,
}

/// What went wrong with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportErrorKind {
    /// The collector did not answer in time.
    Timeout,
    /// The collector could not be reached (the connection failed); the cause is the
    /// error's `source`.
    Unreachable,
    /// The collector answered with this status, not 2xx.
    Status(StatusCode),
    /// The collector answered a gRPC call with this `grpc-status` code, not `OK` (0).
    GrpcStatus(u32),
    /// The message could not be compressed; the cause is the error's `source`.
    Compression,
    /// The collector accepted the message but rejected this many of its spans.
    Rejected {
        /// Spans rejected.
        rejected: u64,
        /// Spans in the message.
        spans: u64,
    },
}

/// The most characters of a collector's message kept.
const MAX_MESSAGE_CHARS: usize = 256;

impl ExportError {
    pub(crate) fn new(kind: ExportErrorKind) -> Self {
        Self {
            kind,
            source: None,
            message: None,
            retry_after: None,
        }
    }

    /// The same error with what the collector said, cut to 256 characters and with
    /// control characters replaced, so that it fits one log line.
    pub(crate) fn with_message(mut self, message: &str) -> Self {
        let message: String = message
            .trim()
            .chars()
            .take(MAX_MESSAGE_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.message = (!message.is_empty()).then(|| message.into());
        self
    }

    /// The same error with the wait the collector asked for.
    pub(crate) fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }

    /// What the collector said with its answer, if anything.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// How long the collector asked to be left alone (`Retry-After`, gRPC's `RetryInfo`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    pub(crate) fn unreachable(source: impl Error + Send + Sync + 'static) -> Self {
        Self::caused(ExportErrorKind::Unreachable, source)
    }

    pub(crate) fn caused(
        kind: ExportErrorKind,
        source: impl Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            source: Some(Arc::new(source)),
            ..Self::new(kind)
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ExportErrorKind {
        self.kind
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_kind(f)?;
        match &self.message {
            Some(message) => write!(f, ": {message}"),
            None => Ok(()),
        }
    }
}

impl ExportError {
    fn fmt_kind(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ExportErrorKind::Timeout => f.write_str("the collector did not answer in time"),
            ExportErrorKind::Unreachable => match &self.source {
                Some(source) => write!(f, "the collector could not be reached: {source}"),
                None => f.write_str("the collector could not be reached"),
            },
            ExportErrorKind::Status(status) => write!(f, "the collector answered {status}"),
            ExportErrorKind::GrpcStatus(code) => write!(
                f,
                "the collector answered gRPC status {code} ({})",
                crate::grpc::status_name(code).unwrap_or("an unknown code")
            ),
            ExportErrorKind::Compression => match &self.source {
                Some(source) => write!(f, "the message could not be compressed: {source}"),
                None => f.write_str("the message could not be compressed"),
            },
            ExportErrorKind::Rejected { rejected, spans } => {
                write!(f, "the collector rejected {rejected} of {spans} spans")
            }
        }
    }
}

impl Error for ExportError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|source| source as _)
    }
}
