//! Small serde helpers for the OTLP JSON encoding: values written straight into the
//! output, without a `String` each.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::ids::{SpanId, TraceId};

/// Writes its `Display` as a JSON string.
pub(crate) struct Text<T>(pub(crate) T);

impl<T: fmt::Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A span id as 16 lower-hex digits.
pub(crate) struct SpanHex(pub(crate) SpanId);

impl Serialize for SpanHex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{:016x}", self.0))
    }
}

/// A trace id as 32 lower-hex digits, or 16 when `short` and its upper half is zero.
pub(crate) struct TraceHex {
    pub(crate) id: TraceId,
    pub(crate) short: bool,
}

impl Serialize for TraceHex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.short && self.id.high() == 0 {
            serializer.collect_str(&format_args!("{:016x}", self.id.low()))
        } else {
            serializer.collect_str(&format_args!("{:032x}", self.id))
        }
    }
}
