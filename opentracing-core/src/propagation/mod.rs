//! Propagation: moving span contexts in and out of carriers.
//!
//! opentracing-python names three formats, each with its own carrier type; here the format
//! and its carrier travel together, so a carrier of the wrong type cannot be passed:
//!
//! | opentracing-python | inject | extract |
//! |---|---|---|
//! | `Format.TEXT_MAP`, a `dict` | [`InjectCarrier::TextMap`] over any [`Injector`] | [`ExtractCarrier::TextMap`] over any [`Extractor`] |
//! | `Format.HTTP_HEADERS`, a `dict` | [`InjectCarrier::HttpHeaders`] (an `http::HeaderMap` with the `http` feature, or any text map) | [`ExtractCarrier::HttpHeaders`] |
//! | `Format.BINARY`, a `bytearray` | [`InjectCarrier::Binary`]: appends to a `Vec<u8>` | [`ExtractCarrier::Binary`]: reads a `&[u8]` |
//! | any other format | [`InjectCarrier::Custom`] with a name and an `Any` carrier | [`ExtractCarrier::Custom`] |

mod b3;
mod baggage_limits;
mod binary;
mod carrier;
mod error;
mod flag;
mod header_text;
mod jaeger;
pub(crate) mod list;
mod ot_headers;
mod sole;
mod trace_state;
mod w3c_baggage;
mod w3c_trace_context;

use std::any::Any;
use std::fmt;

pub use b3::{B3, B3Encoding};
pub use binary::{decode_binary, encode_binary};
pub use carrier::{Extractor, Injector, Repeated};
pub use error::{PropagationError, PropagationErrorKind};
pub use jaeger::Jaeger;
pub use ot_headers::OtHeaders;
pub use trace_state::{InvalidTraceStateEntry, TraceState};
pub use w3c_baggage::W3cBaggage;
pub use w3c_trace_context::W3cTraceContext;

use crate::context::SpanContext;
use crate::extracted::Extracted;

/// A propagation format: opentracing-python's `Format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// String keys and values; tracers prefix their keys.
    TextMap,
    /// HTTP headers: keys are case-insensitive, values header-safe.
    HttpHeaders,
    /// An opaque byte sequence.
    Binary,
    /// A format only some tracers know, by name.
    Custom(&'static str),
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TextMap => "text_map",
            Self::HttpHeaders => "http_headers",
            Self::Binary => "binary",
            Self::Custom(name) => name,
        })
    }
}

/// Where [`Tracer::inject`](crate::Tracer::inject) writes a context, with its format.
#[non_exhaustive]
pub enum InjectCarrier<'a> {
    /// A text map.
    TextMap(&'a mut dyn Injector),
    /// HTTP headers.
    HttpHeaders(&'a mut dyn Injector),
    /// Bytes; the context is appended.
    Binary(&'a mut Vec<u8>),
    /// A custom format and its carrier.
    Custom(&'static str, &'a mut dyn Any),
}

impl InjectCarrier<'_> {
    /// The format.
    pub fn format(&self) -> Format {
        match self {
            Self::TextMap(_) => Format::TextMap,
            Self::HttpHeaders(_) => Format::HttpHeaders,
            Self::Binary(_) => Format::Binary,
            Self::Custom(name, _) => Format::Custom(name),
        }
    }
}

/// Where [`Tracer::extract`](crate::Tracer::extract) reads a context from, with its format.
#[non_exhaustive]
pub enum ExtractCarrier<'a> {
    /// A text map.
    TextMap(&'a dyn Extractor),
    /// HTTP headers.
    HttpHeaders(&'a dyn Extractor),
    /// Bytes.
    Binary(&'a [u8]),
    /// A custom format and its carrier.
    Custom(&'static str, &'a dyn Any),
}

impl ExtractCarrier<'_> {
    /// The format.
    pub fn format(&self) -> Format {
        match self {
            Self::TextMap(_) => Format::TextMap,
            Self::HttpHeaders(_) => Format::HttpHeaders,
            Self::Binary(_) => Format::Binary,
            Self::Custom(name, _) => Format::Custom(name),
        }
    }
}

impl fmt::Debug for InjectCarrier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("InjectCarrier")
            .field(&self.format())
            .finish()
    }
}

impl fmt::Debug for ExtractCarrier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ExtractCarrier")
            .field(&self.format())
            .finish()
    }
}

/// [`Tracer::inject`](crate::Tracer::inject) for the usual tracer: both text formats go
/// through `text`, bytes use the [binary format](encode_binary), custom formats are
/// unsupported.
///
/// # Errors
///
/// `UnsupportedFormat` for a custom format.
pub fn inject_standard(
    context: &SpanContext,
    carrier: InjectCarrier<'_>,
    text: impl FnOnce(&SpanContext, &mut dyn Injector),
) -> Result<(), PropagationError> {
    match carrier {
        InjectCarrier::TextMap(map) | InjectCarrier::HttpHeaders(map) => text(context, map),
        InjectCarrier::Binary(bytes) => encode_binary(context, bytes),
        InjectCarrier::Custom(..) => {
            return Err(PropagationError::unsupported_format(carrier.format()));
        }
    }
    Ok(())
}

/// [`Tracer::extract`](crate::Tracer::extract) for the usual tracer, the counterpart of
/// [`inject_standard`]. Errors from `text` are reported in the carrier's format; contexts
/// from bytes get the origin `binary`.
///
/// # Errors
///
/// `UnsupportedFormat` for a custom format, and what `text` or the binary decoder report.
pub fn extract_standard(
    carrier: ExtractCarrier<'_>,
    text: impl FnOnce(&dyn Extractor) -> Result<Option<Extracted>, PropagationError>,
) -> Result<Option<Extracted>, PropagationError> {
    let format = carrier.format();
    match carrier {
        ExtractCarrier::TextMap(map) | ExtractCarrier::HttpHeaders(map) => {
            text(map).map_err(|error| error.in_format(format))
        }
        ExtractCarrier::Binary(bytes) => {
            Ok(decode_binary(bytes)?.map(|context| Extracted::Span(context.with_origin("binary"))))
        }
        ExtractCarrier::Custom(..) => Err(PropagationError::unsupported_format(format)),
    }
}

/// A text codec: one wire format for span contexts in text-map or header carriers.
///
/// Codecs never panic on input. Tracers keep an ordered list of them; see
/// `ReferenceTracer` (feature `reference`).
pub trait Codec: Send + Sync + fmt::Debug {
    /// A short, stable name (`w3c`, `b3`, `jaeger`, `ot`), recorded as the
    /// [origin](SpanContext::origin) of the contexts it extracts.
    fn name(&self) -> &'static str;

    /// Writes `context` into `carrier`.
    fn inject(&self, context: &SpanContext, carrier: &mut dyn Injector);

    /// Reads a context, or only a [`Decision`](crate::Decision), from `carrier`; `Ok(None)`
    /// when this codec's keys are absent.
    ///
    /// # Errors
    ///
    /// [`SpanContextCorrupted`](PropagationErrorKind::SpanContextCorrupted) when the keys are
    /// present but malformed.
    fn extract(&self, carrier: &dyn Extractor) -> Result<Option<Extracted>, PropagationError>;
}
