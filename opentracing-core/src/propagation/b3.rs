//! Zipkin's B3 headers: the `X-B3-*` multi-header form and the single `b3` header.

use super::flag::parse_flag;
use super::header_text::HeaderText;
use super::sole::{Sole, sole_value};
use super::{Codec, Extractor, Format, Injector, PropagationError};
use crate::context::SpanContext;
use crate::extracted::{Decision, Extracted};
use crate::ids::{HexCase, SpanId, TraceId, hex_value};
use crate::sampling::Sampling;

pub(super) const SINGLE: &str = "b3";
pub(super) const TRACE_ID: &str = "x-b3-traceid";
pub(super) const SPAN_ID: &str = "x-b3-spanid";
pub(super) const PARENT_ID: &str = "x-b3-parentspanid";
pub(super) const SAMPLED: &str = "x-b3-sampled";
pub(super) const FLAGS: &str = "x-b3-flags";

/// Which headers [`B3`] writes. Extraction reads both forms whatever the choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum B3Encoding {
    /// One `x-b3-*` header per field: what every B3 reader understands.
    #[default]
    Multi,
    /// The single `b3` header only (for messaging, or to save header bytes).
    Single,
    /// Both forms, for peers in the middle of a migration.
    Both,
}

/// The B3 codec (name `b3`), as specified by openzipkin/b3-propagation.
///
/// **Extract** reads the `b3` header first; when it is absent the `x-b3-*` headers are read.
/// A `b3` header that does not parse falls back to valid `x-b3-*` headers (as Brave does),
/// and is otherwise a corrupted context. Ids are lower-case hex of exact length (trace 16 or
/// 32 digits, a 16-digit trace id filling the low 64 bits; span and parent 16) and never zero.
/// `x-b3-sampled` is `1` or `0` (legacy `true`/`false` are read, never written);
/// `x-b3-flags: 1` means [`Sampling::Debug`] and other flag values are ignored; no decision
/// is [`Sampling::Defer`]. A decision without ids gives a [`Decision`]; a
/// repeated header counts with its first value. Anything else present but malformed, such as
/// an empty value, a trace id without a span id, or a parent id without ids, is
/// [`SpanContextCorrupted`](super::PropagationErrorKind::SpanContextCorrupted): the caller
/// should start a new trace. The parent id becomes the context's
/// [`parent_span_id`](SpanContext::parent_span_id).
///
/// **Inject** writes the ids, the decision (`x-b3-flags: 1` and no `x-b3-sampled` for debug,
/// nothing for defer) and the parent id when the context has a `parent_span_id`: every
/// child does, roots do not (B3 wants it on children and never on a root). A trace id whose
/// high 64 bits are zero is written as 16 digits. The single header cannot carry a parent
/// without a decision, so for a deferred context the parent id is left out there.
///
/// B3 carries no baggage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct B3 {
    encoding: B3Encoding,
}

impl B3 {
    /// A codec that injects with `encoding`.
    pub const fn new(encoding: B3Encoding) -> Self {
        Self { encoding }
    }

    /// Injects `x-b3-*` headers (the default).
    pub const fn multi() -> Self {
        Self::new(B3Encoding::Multi)
    }

    /// Injects the single `b3` header.
    pub const fn single() -> Self {
        Self::new(B3Encoding::Single)
    }

    /// Injects both forms.
    pub const fn both() -> Self {
        Self::new(B3Encoding::Both)
    }

    /// How this codec injects.
    pub const fn encoding(&self) -> B3Encoding {
        self.encoding
    }
}

impl Codec for B3 {
    fn name(&self) -> &'static str {
        "b3"
    }

    fn inject(&self, context: &SpanContext, carrier: &mut dyn Injector) {
        if matches!(self.encoding, B3Encoding::Multi | B3Encoding::Both) {
            inject_multi(context, carrier);
        }
        if matches!(self.encoding, B3Encoding::Single | B3Encoding::Both) {
            carrier.set_owned(SINGLE, single_value(context));
        }
    }

    fn extract(&self, carrier: &dyn Extractor) -> Result<Option<Extracted>, PropagationError> {
        let corrupted = |reason| PropagationError::corrupted(Format::HttpHeaders, reason);
        let single = sole_value(carrier, SINGLE).map_err(corrupted)?;
        match single.map(parse_single) {
            Some(Ok(context)) => Ok(Some(context)),
            // Brave's fallback: an unreadable `b3` is overruled by readable multi headers.
            Some(Err(reason)) => match extract_multi(carrier) {
                Ok(Some(context)) => Ok(Some(context)),
                _ => Err(corrupted(reason)),
            },
            None => extract_multi(carrier).map_err(corrupted),
        }
    }
}

fn inject_multi(context: &SpanContext, carrier: &mut dyn Injector) {
    carrier.set_owned(TRACE_ID, trace_hex(context.trace_id()));
    carrier.set_owned(SPAN_ID, span_hex(context.span_id()));
    if let Some(parent) = context.parent_span_id() {
        carrier.set_owned(PARENT_ID, span_hex(parent));
    }
    match context.sampling() {
        Sampling::Defer => {}
        Sampling::Deny => carrier.set_static(SAMPLED, "0"),
        Sampling::Accept => carrier.set_static(SAMPLED, "1"),
        Sampling::Debug => carrier.set_static(FLAGS, "1"),
    }
}

/// The `b3` header for `context`.
fn single_value(context: &SpanContext) -> String {
    let sampling = match context.sampling() {
        Sampling::Defer => None,
        Sampling::Deny => Some(b'0'),
        Sampling::Accept => Some(b'1'),
        Sampling::Debug => Some(b'd'),
    };
    // `{trace}-{span}-{sampling}-{parent}` at most.
    let mut value = HeaderText::<{ 32 + 1 + 16 + 2 + 17 }>::new();
    value.push_trace_id(context.trace_id());
    value.push(b"-");
    value.push_hex(context.span_id().get().into(), 16);
    // `{trace}-{span}-{parent}` is not valid B3: without a decision the parent is dropped.
    if let Some(sampling) = sampling {
        value.push(&[b'-', sampling]);
        if let Some(parent) = context.parent_span_id() {
            value.push(b"-");
            value.push_hex(parent.get().into(), 16);
        }
    }
    value.into_string()
}

fn trace_hex(trace_id: TraceId) -> String {
    let mut text = HeaderText::<32>::new();
    text.push_trace_id(trace_id);
    text.into_string()
}

fn span_hex(span_id: SpanId) -> String {
    let mut text = HeaderText::<16>::new();
    text.push_hex(span_id.get().into(), 16);
    text.into_string()
}

/// Parses `{trace}-{span}[-{sampling}[-{parent}]]` or a bare sampling character.
fn parse_single(value: &str) -> Result<Extracted, &'static str> {
    if value.len() == 1 {
        return single_sampling(value)
            .map(|sampling| Extracted::Decision(Decision::new(sampling)))
            .ok_or("b3: a bare decision must be 0, 1 or d");
    }
    let mut fields = value.split('-');
    let (Some(trace), Some(span)) = (fields.next(), fields.next()) else {
        return Err("b3: expected {trace}-{span}");
    };
    let trace_id = parse_trace_id(trace).ok_or("b3: trace id must be 16 or 32 lower-hex")?;
    let span_id = parse_span_id(span).ok_or("b3: span id must be 16 lower-hex")?;
    let sampling = match fields.next() {
        None => Sampling::Defer,
        // Also rejects `{trace}-{span}-{parent}`, as zipkin-go does (Brave tolerates it).
        Some(field) => single_sampling(field).ok_or("b3: sampling must be 0, 1 or d")?,
    };
    let parent = match fields.next() {
        None => None,
        Some(field) => Some(parse_span_id(field).ok_or("b3: parent id must be 16 lower-hex")?),
    };
    if fields.next().is_some() {
        return Err("b3: too many fields");
    }
    Ok(Extracted::Span(
        SpanContext::new(trace_id, span_id)
            .with_sampling(sampling)
            .with_parent_span_id(parent),
    ))
}

fn single_sampling(field: &str) -> Option<Sampling> {
    match field {
        "0" => Some(Sampling::Deny),
        "1" => Some(Sampling::Accept),
        "d" => Some(Sampling::Debug),
        _ => None,
    }
}

/// Reads the `x-b3-*` headers.
fn extract_multi(carrier: &dyn Extractor) -> Result<Option<Extracted>, &'static str> {
    let headers = MultiHeaders::read(carrier);
    let sampled = headers
        .sampled
        .map(|value| value.ok_or("x-b3-sampled must be 1 or 0"))
        .transpose()?;
    // The spec lets readers ignore any flags value but `1`, so junk there is not an error.
    let sampling = if headers.debug == Some(true) {
        Some(Sampling::Debug)
    } else {
        sampled.map(Sampling::from_sampled)
    };
    let parent = headers.parent_id.once()?;
    match (headers.trace_id.once()?, headers.span_id.once()?) {
        (Some(trace_id), Some(span_id)) => {
            let trace_id = trace_id.ok_or("x-b3-traceid must be 16 or 32 lower-hex")?;
            let span_id = span_id.ok_or("x-b3-spanid must be 16 lower-hex")?;
            let parent = match parent {
                None => None,
                Some(parent) => Some(parent.ok_or("x-b3-parentspanid must be 16 lower-hex")?),
            };
            let context = SpanContext::new(trace_id, span_id)
                .with_sampling(sampling.unwrap_or(Sampling::Defer))
                .with_parent_span_id(parent);
            Ok(Some(Extracted::Span(context)))
        }
        (None, None) if parent.is_some() => Err("x-b3-parentspanid without trace and span ids"),
        (None, None) => Ok(sampling.map(|sampling| Extracted::Decision(Decision::new(sampling)))),
        _ => Err("x-b3-traceid and x-b3-spanid must come together"),
    }
}

/// The `x-b3-*` headers, read in one pass over the carrier's keys with that prefix rather
/// than a lookup each; each value is parsed as it is read (`None` when it does not parse).
#[derive(Default)]
struct MultiHeaders {
    trace_id: Sole<Option<TraceId>>,
    span_id: Sole<Option<SpanId>>,
    parent_id: Sole<Option<SpanId>>,
    /// The first `x-b3-sampled`.
    sampled: Option<Option<bool>>,
    /// Whether the first `x-b3-flags` is `1`.
    debug: Option<bool>,
}

impl MultiHeaders {
    fn read(carrier: &dyn Extractor) -> Self {
        let mut headers = Self::default();
        carrier.for_each_prefixed(PREFIX, &mut |key, value| match Field::named(key) {
            Some(Field::TraceId) => headers.trace_id.see(|| parse_trace_id(value)),
            Some(Field::SpanId) => headers.span_id.see(|| parse_span_id(value)),
            Some(Field::ParentId) => headers.parent_id.see(|| parse_span_id(value)),
            Some(Field::Sampled) => _ = headers.sampled.get_or_insert_with(|| parse_flag(value)),
            Some(Field::Flags) => _ = headers.debug.get_or_insert(value == "1"),
            None => {}
        });
        headers
    }
}

/// A multi header.
#[derive(Clone, Copy)]
enum Field {
    TraceId,
    SpanId,
    ParentId,
    Sampled,
    Flags,
}

impl Field {
    const ALL: [(&str, Self); 5] = [
        (TRACE_ID, Self::TraceId),
        (SPAN_ID, Self::SpanId),
        (PARENT_ID, Self::ParentId),
        (SAMPLED, Self::Sampled),
        (FLAGS, Self::Flags),
    ];

    /// The field a key names, ASCII case ignored.
    fn named(key: &str) -> Option<Self> {
        // Keys are mostly lower case already (header maps keep them so): compare them as
        // they are first.
        let exact = Self::ALL.iter().find(|(name, _)| key == *name);
        exact
            .or_else(|| {
                Self::ALL
                    .iter()
                    .find(|(name, _)| key.eq_ignore_ascii_case(name))
            })
            .map(|(_, field)| *field)
    }
}

/// The start of every multi header's name.
const PREFIX: &str = "x-b3-";

/// Exactly 16 or 32 lower-hex digits, not all zero.
fn parse_trace_id(value: &str) -> Option<TraceId> {
    if matches!(value.len(), 16 | 32) {
        TraceId::new(hex_value(value.as_bytes(), HexCase::Lower)?)
    } else {
        None
    }
}

/// Exactly 16 lower-hex digits, not all zero.
fn parse_span_id(value: &str) -> Option<SpanId> {
    if value.len() == 16 {
        // Sixteen digits fit in 64 bits.
        SpanId::new(hex_value(value.as_bytes(), HexCase::Lower)? as u64)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::sampling::any_sampling;
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn header_values_are_built_at_their_exact_length() {
        let span = SpanId::new(7).unwrap();
        for trace in [0xab, u128::MAX] {
            let trace = TraceId::new(trace).unwrap();
            assert_eq!(trace_hex(trace).len(), trace_hex(trace).capacity());
            for sampling in [
                Sampling::Defer,
                Sampling::Deny,
                Sampling::Accept,
                Sampling::Debug,
            ] {
                for parent in [None, Some(span)] {
                    let context = SpanContext::new(trace, span)
                        .with_sampling(sampling)
                        .with_parent_span_id(parent);
                    let value = single_value(&context);
                    assert_eq!(value.len(), value.capacity(), "{value}");
                }
            }
        }
    }
    use crate::propagation::PropagationErrorKind;
    use crate::propagation::ot_headers::OtHeaders;

    const T128: &str = "80f198ee56343ba864fe8b2a57d3eff7";
    const T64: &str = "64fe8b2a57d3eff7";
    const S: &str = "e457b5a2e4d86bd1";
    const P: &str = "05e3ac9a4f6e3b90";
    const Z16: &str = "0000000000000000";

    fn carrier(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn ids(trace: &str, span: &str, parent: Option<&str>, sampling: Sampling) -> SpanContext {
        SpanContext::new(
            TraceId::from_hex(trace).unwrap(),
            SpanId::from_hex(span).unwrap(),
        )
        .with_sampling(sampling)
        .with_parent_span_id(parent.map(|p| SpanId::from_hex(p).unwrap()))
    }

    /// A rule, the headers, and what `extract` gives.
    type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], Want);
    /// A rule, the codec, the context, and the headers `inject` writes.
    type InjectRow<'a> = (&'a str, B3, SpanContext, &'a [(&'a str, &'a str)]);

    /// What a row expects from `extract`.
    #[derive(Debug)]
    enum Want {
        Nothing,
        Corrupted,
        Context(SpanContext),
        Decision(Sampling),
    }

    fn check(rows: &[Row<'_>]) {
        for (rule, pairs, want) in rows {
            let got = B3::default().extract(&carrier(pairs));
            match want {
                Want::Nothing => assert_eq!(got, Ok(None), "{rule}"),
                Want::Context(context) => {
                    let want = Extracted::Span(context.clone());
                    assert_eq!(got.as_ref(), Ok(&Some(want)), "{rule}");
                }
                Want::Decision(sampling) => {
                    let want = Extracted::Decision(Decision::new(*sampling));
                    assert_eq!(got.as_ref(), Ok(&Some(want)), "{rule}");
                }
                Want::Corrupted => {
                    let err = got.expect_err(rule);
                    assert_eq!(
                        err.kind(),
                        PropagationErrorKind::SpanContextCorrupted,
                        "{rule}"
                    );
                    assert_eq!(err.format(), Format::HttpHeaders, "{rule}");
                }
            }
        }
    }

    fn only(sampling: Sampling) -> Want {
        Want::Decision(sampling)
    }

    #[test]
    fn multi_header_table() {
        use Sampling::*;
        use Want::{Context as Cx, Corrupted, Nothing};
        let t = ("x-b3-traceid", T128);
        let s = ("x-b3-spanid", S);
        #[rustfmt::skip]
        let rows: &[Row<'_>] = &[
            ("no b3 headers: no context", &[], Nothing),
            ("unrelated headers: no context", &[("traceparent", "x")], Nothing),
            ("128-bit ids, accept", &[t, s, ("x-b3-sampled", "1")], Cx(ids(T128, S, None, Accept))),
            ("64-bit trace id fills the low bits", &[("x-b3-traceid", T64), s], Cx(ids(T64, S, None, Defer))),
            ("32 digits with a zero high half", &[("x-b3-traceid", &format!("{Z16}{T64}")), s], Cx(ids(T64, S, None, Defer))),
            ("absent sampling is defer", &[t, s], Cx(ids(T128, S, None, Defer))),
            ("sampled 0 is deny", &[t, s, ("x-b3-sampled", "0")], Cx(ids(T128, S, None, Deny))),
            ("legacy true is read", &[t, s, ("x-b3-sampled", "true")], Cx(ids(T128, S, None, Accept))),
            ("legacy False is read", &[t, s, ("x-b3-sampled", "False")], Cx(ids(T128, S, None, Deny))),
            ("flags 1 is debug", &[t, s, ("x-b3-flags", "1")], Cx(ids(T128, S, None, Debug))),
            ("debug wins over sampled 0", &[t, s, ("x-b3-flags", "1"), ("x-b3-sampled", "0")], Cx(ids(T128, S, None, Debug))),
            ("other flags values are ignored", &[t, s, ("x-b3-flags", "0"), ("x-b3-sampled", "1")], Cx(ids(T128, S, None, Accept))),
            ("junk flags are ignored", &[t, s, ("x-b3-flags", "x")], Cx(ids(T128, S, None, Defer))),
            ("parent id becomes remote parent", &[t, s, ("x-b3-parentspanid", P), ("x-b3-sampled", "1")], Cx(ids(T128, S, Some(P), Accept))),
            ("header names are case-insensitive", &[("X-B3-TraceId", T128), ("X-B3-SpanId", S), ("X-B3-Sampled", "1")], Cx(ids(T128, S, None, Accept))),
            ("bare sampled 0 is a bare deny decision", &[("x-b3-sampled", "0")], only(Deny)),
            ("bare sampled 1 is a bare accept decision", &[("x-b3-sampled", "1")], only(Accept)),
            ("bare flags 1 is a bare debug decision", &[("x-b3-flags", "1")], only(Debug)),
            ("bare ignored flags: no context", &[("x-b3-flags", "0")], Nothing),
            ("first of repeated sampled headers wins", &[t, s, ("x-b3-sampled", "0"), ("X-B3-Sampled", "junk")], Cx(ids(T128, S, None, Deny))),
            ("a repeated id is corrupted: which to trust cannot be told", &[t, s, ("X-B3-SpanId", P)], Corrupted),
            ("empty sampled is malformed", &[t, s, ("x-b3-sampled", "")], Corrupted),
            ("junk sampled is malformed", &[t, s, ("x-b3-sampled", "yes")], Corrupted),
            ("d is single-header only", &[t, s, ("x-b3-sampled", "d")], Corrupted),
            ("bad sampled even with debug", &[t, s, ("x-b3-sampled", "2"), ("x-b3-flags", "1")], Corrupted),
            ("bare junk sampled is malformed", &[("x-b3-sampled", " 1")], Corrupted),
            ("trace id without span id", &[t], Corrupted),
            ("span id without trace id", &[s, ("x-b3-sampled", "1")], Corrupted),
            ("parent without ids", &[("x-b3-parentspanid", P)], Corrupted),
            ("empty trace id", &[("x-b3-traceid", ""), s], Corrupted),
            ("empty span id", &[t, ("x-b3-spanid", "")], Corrupted),
            ("upper-case trace id", &[("x-b3-traceid", "80F198EE56343BA864FE8B2A57D3EFF7"), s], Corrupted),
            ("upper-case span id", &[t, ("x-b3-spanid", "E457B5A2E4D86BD1")], Corrupted),
            ("trace id of 15 digits", &[("x-b3-traceid", &T64[1..]), s], Corrupted),
            ("trace id of 17 digits", &[("x-b3-traceid", &format!("0{T64}")), s], Corrupted),
            ("trace id of 31 digits", &[("x-b3-traceid", &T128[1..]), s], Corrupted),
            ("trace id of 33 digits", &[("x-b3-traceid", &format!("0{T128}")), s], Corrupted),
            ("zero 64-bit trace id", &[("x-b3-traceid", Z16), s], Corrupted),
            ("zero 128-bit trace id", &[("x-b3-traceid", &format!("{Z16}{Z16}")), s], Corrupted),
            ("span id of 15 digits", &[t, ("x-b3-spanid", &S[1..])], Corrupted),
            ("span id of 17 digits", &[t, ("x-b3-spanid", &format!("0{S}"))], Corrupted),
            ("zero span id", &[t, ("x-b3-spanid", Z16)], Corrupted),
            ("signed span id", &[t, ("x-b3-spanid", "+457b5a2e4d86bd1")], Corrupted),
            ("space-padded trace id", &[("x-b3-traceid", &format!(" {T64}")), s], Corrupted),
            ("junk parent id", &[t, s, ("x-b3-parentspanid", "-")], Corrupted),
            ("empty parent id", &[t, s, ("x-b3-parentspanid", "")], Corrupted),
            ("zero parent id", &[t, s, ("x-b3-parentspanid", Z16)], Corrupted),
            ("short parent id", &[t, s, ("x-b3-parentspanid", "5e3ac9a4f6e3b90")], Corrupted),
        ];
        check(rows);
    }

    #[test]
    fn single_header_table() {
        use Sampling::*;
        use Want::{Context as Cx, Corrupted};
        let full = format!("{T128}-{S}-1-{P}");
        #[rustfmt::skip]
        let rows: &[Row<'_>] = &[
            ("all four fields", &[("b3", &full)], Cx(ids(T128, S, Some(P), Accept))),
            ("ids only is defer", &[("b3", &format!("{T128}-{S}"))], Cx(ids(T128, S, None, Defer))),
            ("64-bit trace id", &[("b3", &format!("{T64}-{S}-1"))], Cx(ids(T64, S, None, Accept))),
            ("d is debug", &[("b3", &format!("{T128}-{S}-d"))], Cx(ids(T128, S, None, Debug))),
            ("0 is deny", &[("b3", &format!("{T128}-{S}-0"))], Cx(ids(T128, S, None, Deny))),
            ("debug with parent", &[("b3", &format!("{T64}-{S}-d-{P}"))], Cx(ids(T64, S, Some(P), Debug))),
            ("bare 0 is a bare deny decision", &[("b3", "0")], only(Deny)),
            ("bare 1 is a bare accept decision", &[("b3", "1")], only(Accept)),
            ("bare d is a bare debug decision", &[("b3", "d")], only(Debug)),
            ("header name is case-insensitive", &[("B3", "0")], only(Deny)),
            ("b3 wins over multi headers", &[("x-b3-traceid", T64), ("x-b3-spanid", P), ("b3", &full)], Cx(ids(T128, S, Some(P), Accept))),
            ("b3 wins over malformed multi headers", &[("b3", "0"), ("x-b3-sampled", "junk")], only(Deny)),
            ("bad b3 falls back to valid multi headers", &[("b3", "junk"), ("x-b3-traceid", T64), ("x-b3-spanid", S)], Cx(ids(T64, S, None, Defer))),
            ("bad b3 and no multi headers", &[("b3", "junk")], Corrupted),
            ("bad b3 and bad multi headers", &[("b3", "junk"), ("x-b3-traceid", T64)], Corrupted),
            ("empty", &[("b3", "")], Corrupted),
            ("bare 2", &[("b3", "2")], Corrupted),
            ("bare D is not d", &[("b3", "D")], Corrupted),
            ("bare true", &[("b3", "true")], Corrupted),
            ("bare dash", &[("b3", "-")], Corrupted),
            ("trace id alone", &[("b3", T128)], Corrupted),
            ("trailing dash after span", &[("b3", &format!("{T128}-{S}-"))], Corrupted),
            ("trailing dash after sampling", &[("b3", &format!("{T128}-{S}-1-"))], Corrupted),
            ("two-character sampling", &[("b3", &format!("{T128}-{S}-10"))], Corrupted),
            ("sampling true", &[("b3", &format!("{T128}-{S}-true"))], Corrupted),
            ("parent without sampling", &[("b3", &format!("{T128}-{S}-{P}"))], Corrupted),
            ("five fields", &[("b3", &format!("{full}-1"))], Corrupted),
            ("empty span field", &[("b3", &format!("{T128}--1"))], Corrupted),
            ("upper-case trace id", &[("b3", &format!("{}-{S}", T128.to_uppercase()))], Corrupted),
            ("trace id of 17 digits", &[("b3", &format!("0{T64}-{S}"))], Corrupted),
            ("span id of 15 digits", &[("b3", &format!("{T64}-{}", &S[1..]))], Corrupted),
            ("zero trace id", &[("b3", &format!("{Z16}-{S}-1"))], Corrupted),
            ("zero span id", &[("b3", &format!("{T64}-{Z16}-1"))], Corrupted),
            ("zero parent id", &[("b3", &format!("{T64}-{S}-1-{Z16}"))], Corrupted),
            ("leading space", &[("b3", &format!(" {T64}-{S}"))], Corrupted),
            ("trailing space", &[("b3", &format!("{T64}-{S}-1 "))], Corrupted),
            ("non-ASCII", &[("b3", "é")], Corrupted),
        ];
        check(rows);
    }

    fn injected(codec: B3, context: &SpanContext) -> Vec<(String, String)> {
        let mut map = HashMap::new();
        codec.inject(context, &mut map);
        let mut pairs: Vec<_> = map.into_iter().collect();
        pairs.sort();
        pairs
    }

    #[test]
    fn inject_table() {
        use Sampling::*;
        #[rustfmt::skip]
        let rows: &[InjectRow<'_>] = &[
            ("128-bit ids and accept", B3::multi(), ids(T128, S, None, Accept),
                &[("x-b3-sampled", "1"), ("x-b3-spanid", S), ("x-b3-traceid", T128)]),
            ("64-bit trace id as 16 digits", B3::multi(), ids(T64, S, None, Deny),
                &[("x-b3-sampled", "0"), ("x-b3-spanid", S), ("x-b3-traceid", T64)]),
            ("defer writes no decision", B3::multi(), ids(T64, S, None, Defer),
                &[("x-b3-spanid", S), ("x-b3-traceid", T64)]),
            ("debug is flags 1 without sampled", B3::multi(), ids(T64, S, None, Debug),
                &[("x-b3-flags", "1"), ("x-b3-spanid", S), ("x-b3-traceid", T64)]),
            ("remote parent is written", B3::multi(), ids(T64, S, Some(P), Accept),
                &[("x-b3-parentspanid", P), ("x-b3-sampled", "1"), ("x-b3-spanid", S), ("x-b3-traceid", T64)]),
            ("single with parent", B3::single(), ids(T128, S, Some(P), Accept),
                &[("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90")]),
            ("single debug", B3::single(), ids(T64, S, None, Debug), &[("b3", "64fe8b2a57d3eff7-e457b5a2e4d86bd1-d")]),
            ("single defer drops the parent", B3::single(), ids(T64, S, Some(P), Defer), &[("b3", "64fe8b2a57d3eff7-e457b5a2e4d86bd1")]),
            ("both forms", B3::both(), ids(T64, S, None, Deny),
                &[("b3", "64fe8b2a57d3eff7-e457b5a2e4d86bd1-0"), ("x-b3-sampled", "0"), ("x-b3-spanid", S), ("x-b3-traceid", T64)]),
        ];
        for (rule, codec, context, want) in rows {
            assert_eq!(injected(*codec, context), carrier(want), "{rule}");
        }
    }

    #[test]
    fn api() {
        assert_eq!(B3::default(), B3::multi());
        assert_eq!(B3::single().encoding(), B3Encoding::Single);
        assert_eq!(B3::new(B3Encoding::Both), B3::both());
        assert_eq!(B3::both().name(), "b3");
    }

    /// B3 ids and decision survive a hop through the OpenTracing headers (which only keep
    /// sampled or not).
    #[test]
    fn b3_to_ot_headers_keeps_ids_and_sampling() {
        for (sampled, sampling) in [("1", Sampling::Accept), ("0", Sampling::Deny)] {
            let inbound = carrier(&[
                ("X-B3-TraceId", T128),
                ("X-B3-SpanId", S),
                ("X-B3-ParentSpanId", P),
                ("X-B3-Sampled", sampled),
            ]);
            let from_b3 = B3::default().extract(&inbound).unwrap().unwrap();
            let from_b3 = from_b3.into_span_context().unwrap();
            let mut outbound = HashMap::new();
            OtHeaders.inject(&from_b3, &mut outbound);
            let from_ot = OtHeaders.extract(&outbound).unwrap().unwrap();
            let from_ot = from_ot.into_span_context().unwrap();
            assert_eq!(from_ot.trace_id(), from_b3.trace_id());
            assert_eq!(from_ot.trace_id().to_string(), T128);
            assert_eq!(from_ot.span_id(), from_b3.span_id());
            assert_eq!(from_ot.sampling(), sampling);
        }
    }

    fn encoding() -> impl Strategy<Value = B3> {
        prop_oneof![Just(B3::multi()), Just(B3::single()), Just(B3::both())]
    }

    /// 64-bit and 128-bit trace ids, with or without a remote parent.
    fn context() -> impl Strategy<Value = SpanContext> {
        let trace = prop_oneof![1..=u128::from(u64::MAX), (1u128 << 64)..];
        (trace, 1u64.., any_sampling(), proptest::option::of(1u64..)).prop_map(
            |(trace, span, sampling, parent)| {
                SpanContext::new(TraceId::new(trace).unwrap(), SpanId::new(span).unwrap())
                    .with_sampling(sampling)
                    .with_parent_span_id(parent.and_then(SpanId::new))
            },
        )
    }

    /// What extract gives back: a deferred context loses its parent in the single header
    /// (which `both` prefers).
    fn expected(codec: B3, context: &SpanContext) -> Option<Extracted> {
        let single = codec.encoding() != B3Encoding::Multi;
        if single && context.sampling() == Sampling::Defer {
            return Some(Extracted::Span(context.clone().with_parent_span_id(None)));
        }
        Some(Extracted::Span(context.clone()))
    }

    fn header_key() -> impl Strategy<Value = String> {
        "(?i)(b3|x-b3-(traceid|spanid|parentspanid|sampled|flags)|[a-z-]{1,6})"
    }

    fn header_value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9a-fdD-]{0,70}",
            "[0-9a-f]{16}(-[0-9a-f]{16}(-[01d](-[0-9a-f]{16})?)?)?",
            ".{0,40}",
        ]
    }

    proptest! {
        #[test]
        fn round_trips_through_a_map(codec in encoding(), context in context()) {
            let mut map = HashMap::new();
            codec.inject(&context, &mut map);
            prop_assert_eq!(codec.extract(&map), Ok(expected(codec, &context)));
        }

        #[cfg(feature = "http")]
        #[test]
        fn round_trips_through_a_header_map(codec in encoding(), context in context()) {
            let mut headers = http::HeaderMap::new();
            codec.inject(&context, &mut headers);
            prop_assert_eq!(codec.extract(&headers), Ok(expected(codec, &context)));
        }

        #[test]
        fn never_panics(pairs in proptest::collection::vec((header_key(), header_value()), 0..8)) {
            let _ = B3::default().extract(&pairs);
        }
    }
}
