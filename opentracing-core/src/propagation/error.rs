//! Propagation errors.

use std::error::Error;
use std::fmt;

use super::Format;

/// Why `inject` or `extract` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PropagationErrorKind {
    /// The tracer does not know the format (opentracing-python's
    /// `UnsupportedFormatException`).
    UnsupportedFormat,
    /// The carrier is not of the type the format needs (`InvalidCarrierException`).
    InvalidCarrier,
    /// The carrier holds a context that cannot be read (`SpanContextCorruptedException`).
    SpanContextCorrupted,
}

/// A failed `inject` or `extract`: the kind, the format, and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropagationError {
    kind: PropagationErrorKind,
    format: Format,
    reason: &'static str,
}

impl PropagationError {
    /// An error of the given kind; `reason` says what was wrong, for logs.
    pub const fn new(kind: PropagationErrorKind, format: Format, reason: &'static str) -> Self {
        Self {
            kind,
            format,
            reason,
        }
    }

    /// `UnsupportedFormat` for `format`.
    pub const fn unsupported_format(format: Format) -> Self {
        Self::new(
            PropagationErrorKind::UnsupportedFormat,
            format,
            "unknown format",
        )
    }

    /// `SpanContextCorrupted` in `format`, because of `reason`.
    pub const fn corrupted(format: Format, reason: &'static str) -> Self {
        Self::new(PropagationErrorKind::SpanContextCorrupted, format, reason)
    }

    /// The kind of failure.
    pub const fn kind(&self) -> PropagationErrorKind {
        self.kind
    }

    /// The format of the carrier.
    pub const fn format(&self) -> Format {
        self.format
    }

    /// This error, for another format (codecs do not know which format carried them).
    #[must_use]
    pub const fn in_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }
}

impl fmt::Display for PropagationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            PropagationErrorKind::UnsupportedFormat => "unsupported propagation format",
            PropagationErrorKind::InvalidCarrier => "invalid carrier",
            PropagationErrorKind::SpanContextCorrupted => "span context corrupted",
        };
        write!(f, "{what} ({}): {}", self.format, self.reason)
    }
}

impl Error for PropagationError {}
