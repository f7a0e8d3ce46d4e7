//! Jaeger's native headers: `uber-trace-id`, `uberctx-{key}` baggage, `jaeger-debug-id` and
//! `jaeger-baggage`.

use std::borrow::Cow;

use super::baggage_limits::{MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ITEMS, baggage_within_limits};
use super::carrier::strip_prefix_ignore_case;
use super::header_text::HeaderText;
use super::sole::Sole;
use super::{Codec, Extractor, Format, Injector, PropagationError};
use crate::baggage::Baggage;
use crate::context::SpanContext;
use crate::extracted::{Decision, Extracted};
use crate::ids::{HexCase, SpanId, TraceId, hex_value};
use crate::sampling::Sampling;

pub(super) const TRACE_CONTEXT: &str = "uber-trace-id";
const DEBUG_ID: &str = "jaeger-debug-id";
const BAGGAGE: &str = "jaeger-baggage";
const BAGGAGE_PREFIX: &str = "uberctx-";
/// The start of both [`TRACE_CONTEXT`] and [`BAGGAGE_PREFIX`].
const UBER: &str = "uber";

const FLAG_SAMPLED: u8 = 0x01;
const FLAG_DEBUG: u8 = 0x02;

/// The Jaeger codec (name `jaeger`), as the Jaeger client libraries propagate.
///
/// **`uber-trace-id: {trace}:{span}:{parent}:{flags}`.** Ids are hex of either case; short
/// ids are left-padded with zeros, so up to 32 digits for the trace id and 16 for the span
/// and parent ids. The parent id is deprecated: it is checked but ignored (`0` means none).
/// Flags are one byte in 1 or 2 hex digits: `0x01` sampled, `0x02` debug (read as
/// [`Sampling::Debug`]); other bits are ignored. The value may be percent-encoded (`%3A` for
/// `:`). A wrong number of fields, a zero trace or span id, a non-hex or over-long field is a
/// [corrupted](super::PropagationErrorKind::SpanContextCorrupted) context.
///
/// **Baggage** travels as one `uberctx-{key}` header per item; keys are lower-cased both
/// ways, values percent-encoded on inject and decoded on extract (`+` is read as a space, as
/// the Jaeger clients' URL decoding does; a value that does not decode is kept as is). Items
/// from a `jaeger-baggage: k1=v1, k2=v2` header are read too, after the `uberctx-` ones,
/// which win. Beyond 64 items or 8 KiB of keys and values, whole items are dropped.
///
/// **Without `uber-trace-id`**, a non-empty `jaeger-debug-id` gives a
/// [`Decision`]`(Debug)` so the next trace is forced into debug (the correlation id itself
/// is not kept), and baggage alone gives a `Decision(Defer)` that carries it.
///
/// **Inject** writes `{trace}:{span}:0:{flags}`, ids zero-padded to 16 digits (32 for a
/// trace id with non-zero high bits), flags `1` for accept, `3` for debug and `0` otherwise;
/// Jaeger has no "defer", so a deferred decision goes out as not sampled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Jaeger;

impl Codec for Jaeger {
    fn name(&self) -> &'static str {
        "jaeger"
    }

    fn inject(&self, context: &SpanContext, carrier: &mut dyn Injector) {
        carrier.set_owned(TRACE_CONTEXT, trace_context_value(context));
        inject_baggage(context.baggage(), carrier);
    }

    fn extract(&self, carrier: &dyn Extractor) -> Result<Option<Extracted>, PropagationError> {
        let (trace_context, mut baggage) = read_uber_headers(carrier);
        let context = trace_context
            .once()
            .and_then(Option::transpose)
            .map_err(|reason| PropagationError::corrupted(Format::HttpHeaders, reason))?;
        add_jaeger_baggage(carrier, &mut baggage);
        let baggage = baggage.baggage;
        let extracted = match context {
            Some(context) => Extracted::Span(context.with_baggage(baggage)),
            None if carrier
                .get(DEBUG_ID)
                .is_some_and(|id| !id.trim().is_empty()) =>
            {
                Extracted::Decision(Decision::new(Sampling::Debug).with_baggage(baggage))
            }
            None if !baggage.is_empty() => {
                Extracted::Decision(Decision::new(Sampling::Defer).with_baggage(baggage))
            }
            None => return Ok(None),
        };
        Ok(Some(extracted))
    }
}

fn trace_context_value(context: &SpanContext) -> String {
    let flags = match context.sampling() {
        Sampling::Defer | Sampling::Deny => 0,
        Sampling::Accept => FLAG_SAMPLED,
        Sampling::Debug => FLAG_SAMPLED | FLAG_DEBUG,
    };
    let mut value = HeaderText::<{ 32 + 1 + 16 + 3 + 2 }>::new();
    value.push_trace_id(context.trace_id());
    value.push(b":");
    value.push_hex(context.span_id().get().into(), 16);
    value.push(b":0:");
    // The flags (sampled, debug) fit one digit.
    value.push_hex(flags.into(), 1);
    value.into_string()
}

/// One `uberctx-` header per item, within the baggage limits.
fn inject_baggage(baggage: &Baggage, carrier: &mut dyn Injector) {
    // Allocated by the first item, if any.
    let (mut key, mut value) = (String::new(), String::new());
    for (name, item) in baggage_within_limits(baggage) {
        key.clear();
        key.push_str(BAGGAGE_PREFIX);
        key.extend(name.chars().map(|c| c.to_ascii_lowercase()));
        value.clear();
        push_percent_encoded(&mut value, item);
        carrier.set(&key, &value);
    }
}

/// Parses an `uber-trace-id` value as sent or, failing that, URL-decoded (some clients send
/// `%3A` for the colons). A value that parses as sent has only hex digits and colons, which
/// decoding leaves alone, so the common case skips the search for escapes.
fn parse_trace_context_value(value: &str) -> Result<SpanContext, &'static str> {
    parse_trace_context(value).or_else(|error| match percent_decode_or_raw(value) {
        Cow::Owned(decoded) => parse_trace_context(&decoded),
        Cow::Borrowed(_) => Err(error),
    })
}

/// Parses `{trace}:{span}:{parent}:{flags}`.
fn parse_trace_context(value: &str) -> Result<SpanContext, &'static str> {
    let Some([trace, span, parent, flags]) = colon_separated(value) else {
        return Err("uber-trace-id: expected {trace}:{span}:{parent}:{flags}");
    };
    let trace_id =
        TraceId::from_hex(trace).ok_or("uber-trace-id: trace id must be 1 to 32 hex, not 0")?;
    let span_id =
        SpanId::from_hex(span).ok_or("uber-trace-id: span id must be 1 to 16 hex, not 0")?;
    if !is_hex(parent, 16) {
        return Err("uber-trace-id: parent id must be 1 to 16 hex");
    }
    // Hex, as the spec and every writer say; jaeger-client-go's base-10 parse is a bug.
    let flags = (1..=2)
        .contains(&flags.len())
        .then(|| hex_value(flags.as_bytes(), HexCase::Either))
        .flatten()
        .and_then(|flags| u8::try_from(flags).ok())
        .ok_or("uber-trace-id: flags must be 1 or 2 hex")?;
    let sampling = if flags & FLAG_DEBUG != 0 {
        Sampling::Debug
    } else {
        Sampling::from_sampled(flags & FLAG_SAMPLED != 0)
    };
    Ok(SpanContext::new(trace_id, span_id).with_sampling(sampling))
}

/// Exactly `N` fields separated by `:`.
fn colon_separated<const N: usize>(value: &str) -> Option<[&str; N]> {
    let mut fields = [""; N];
    let mut rest = value;
    for field in fields.iter_mut().take(N - 1) {
        let colon = memchr::memchr(b':', rest.as_bytes())?;
        // `:` is ASCII, so both sides of it are on character boundaries.
        (*field, rest) = (rest.get(..colon)?, rest.get(colon + 1..)?);
    }
    if memchr::memchr(b':', rest.as_bytes()).is_some() {
        return None;
    }
    fields[N - 1] = rest;
    Some(fields)
}

/// 1 to `max` hex digits (either case), nothing else.
fn is_hex(value: &str, max: usize) -> bool {
    (1..=max).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The parsed `uber-trace-id` and the `uberctx-` baggage in carrier order, read in one pass
/// over the keys that start with `uber` rather than a lookup and then a pass.
fn read_uber_headers(
    carrier: &dyn Extractor,
) -> (Sole<Result<SpanContext, &'static str>>, BaggageReader) {
    let mut trace_context = Sole::default();
    let mut reader = BaggageReader::default();
    carrier.for_each_prefixed(UBER, &mut |key, value| {
        // Header maps keep names lower case: compared as they are first.
        if key == TRACE_CONTEXT || key.eq_ignore_ascii_case(TRACE_CONTEXT) {
            trace_context.see(|| parse_trace_context_value(value));
        } else if let Some(name) = strip_prefix_ignore_case(key, BAGGAGE_PREFIX) {
            reader.add(name.to_ascii_lowercase(), &percent_decode_or_raw(value));
        }
    });
    (trace_context, reader)
}

/// Adds the `jaeger-baggage` items not already set.
fn add_jaeger_baggage(carrier: &dyn Extractor, reader: &mut BaggageReader) {
    if let Some(list) = carrier.get(BAGGAGE) {
        for pair in percent_decode_or_raw(list).split(',') {
            if let Some((name, value)) = pair.split_once('=') {
                let name = name.trim();
                if reader.baggage.get(name).is_none() {
                    reader.add(name.to_owned(), value.trim());
                }
            }
        }
    }
}

/// Baggage read within the limits; once the byte budget is spent, later items are dropped.
#[derive(Default)]
struct BaggageReader {
    baggage: Baggage,
    bytes: usize,
}

impl BaggageReader {
    fn add(&mut self, name: String, value: &str) {
        if name.is_empty() {
            return;
        }
        self.bytes += name.len() + value.len();
        if self.baggage.len() < MAX_BAGGAGE_ITEMS && self.bytes <= MAX_BAGGAGE_BYTES {
            self.baggage.set(name, value);
        }
    }
}

/// `value` URL-decoded (`%XX` escapes, `+` as a space), or as is when an escape is
/// malformed or the result is not UTF-8.
fn percent_decode_or_raw(value: &str) -> Cow<'_, str> {
    if !value.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(value);
    }
    percent_decode(value).map_or(Cow::Borrowed(value), Cow::Owned)
}

fn percent_decode(value: &str) -> Option<String> {
    let mut out = Vec::with_capacity(value.len());
    let mut bytes = value.bytes();
    while let Some(b) = bytes.next() {
        out.push(match b {
            b'%' => hex_digit(bytes.next()?)? << 4 | hex_digit(bytes.next()?)?,
            b'+' => b' ',
            _ => b,
        });
    }
    String::from_utf8(out).ok()
}

fn hex_digit(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Appends `value` with every byte but RFC 3986's unreserved ones as `%XX`.
fn push_percent_encoded(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let escaped = value.bytes().filter(|b| !is_unreserved(*b)).count();
    out.reserve(value.len() + 2 * escaped);
    for b in value.bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

#[cfg(test)]
mod tests {
    use crate::sampling::any_sampling;
    use std::collections::{BTreeMap, HashMap};

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_header_value_is_built_at_its_exact_length() {
        for trace in [0xab, u128::MAX] {
            for sampling in [Sampling::Defer, Sampling::Accept, Sampling::Debug] {
                let id = crate::ids::TraceId::new(trace).unwrap();
                let span = crate::ids::SpanId::new(7).unwrap();
                let value =
                    trace_context_value(&SpanContext::new(id, span).with_sampling(sampling));
                assert_eq!(value.len(), value.capacity(), "{value}");
            }
        }
    }
    use crate::propagation::PropagationErrorKind;

    const T128: &str = "80f198ee56343ba864fe8b2a57d3eff7";
    const T64: &str = "64fe8b2a57d3eff7";
    const S: &str = "e457b5a2e4d86bd1";

    fn carrier(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn ids(trace: &str, span: &str, sampling: Sampling) -> SpanContext {
        SpanContext::new(
            TraceId::from_hex(trace).unwrap(),
            SpanId::from_hex(span).unwrap(),
        )
        .with_sampling(sampling)
    }

    fn uber(value: &str) -> Vec<(String, String)> {
        carrier(&[("uber-trace-id", value)])
    }

    /// A rule, the headers, and what `extract` gives.
    type Row<'a> = (&'a str, Vec<(String, String)>, Want);
    /// A rule, the context, and the headers `inject` writes.
    type InjectRow<'a> = (&'a str, SpanContext, &'a [(&'a str, &'a str)]);

    /// What a row expects from `extract`.
    #[derive(Debug)]
    enum Want {
        Nothing,
        Corrupted,
        Context(SpanContext),
        Decision(Decision),
    }

    fn check(rows: &[Row<'_>]) {
        for (rule, pairs, want) in rows {
            let got = Jaeger.extract(pairs);
            match want {
                Want::Nothing => assert_eq!(got, Ok(None), "{rule}"),
                Want::Context(context) => {
                    let want = Extracted::Span(context.clone());
                    assert_eq!(got.as_ref(), Ok(&Some(want)), "{rule}");
                }
                Want::Decision(decision) => {
                    let want = Extracted::Decision(decision.clone());
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

    #[test]
    fn trace_context_table() {
        use Sampling::*;
        use Want::{Context as Cx, Corrupted, Nothing};
        let t = format!("{T128}:{S}");
        #[rustfmt::skip]
        let rows = [
            ("no jaeger headers: no context", carrier(&[]), Nothing),
            ("unrelated headers: no context", carrier(&[("b3", "1")]), Nothing),
            ("128-bit trace, sampled", uber(&format!("{t}:0:1")), Cx(ids(T128, S, Accept))),
            ("64-bit trace", uber(&format!("{T64}:{S}:0:1")), Cx(ids(T64, S, Accept))),
            ("short ids are left-padded", uber("abc:1:0:1"), Cx(ids("abc", "1", Accept))),
            ("17 to 32 trace digits", uber("1234567890abcdef1:2:0:1"), Cx(ids("1234567890abcdef1", "2", Accept))),
            ("upper-case hex", uber(&format!("{}:{}:0:1", T128.to_uppercase(), S.to_uppercase())), Cx(ids(T128, S, Accept))),
            ("flags 0 is deny", uber(&format!("{t}:0:0")), Cx(ids(T128, S, Deny))),
            ("flags 3 is debug", uber(&format!("{t}:0:3")), Cx(ids(T128, S, Debug))),
            ("debug bit alone is debug", uber(&format!("{t}:0:2")), Cx(ids(T128, S, Debug))),
            ("firehose bit is ignored", uber(&format!("{t}:0:9")), Cx(ids(T128, S, Accept))),
            ("flags are hex, not decimal", uber(&format!("{t}:0:a")), Cx(ids(T128, S, Debug))),
            ("flags 10 is 0x10: not sampled", uber(&format!("{t}:0:10")), Cx(ids(T128, S, Deny))),
            ("two-digit flags", uber(&format!("{t}:0:0F")), Cx(ids(T128, S, Debug))),
            ("parent id is ignored", uber(&format!("{t}:05e3ac9a4f6e3b90:1")), Cx(ids(T128, S, Accept))),
            ("padded zero parent", uber(&format!("{t}:0000000000000000:1")), Cx(ids(T128, S, Accept))),
            ("percent-encoded colons", uber(&format!("{T128}%3A{S}%3a0%3A1")), Cx(ids(T128, S, Accept))),
            ("header name is case-insensitive", carrier(&[("Uber-Trace-Id", &format!("{t}:0:1"))]), Cx(ids(T128, S, Accept))),
            ("a repeated trace context is corrupted: which to trust cannot be told", carrier(&[("uber-trace-id", &format!("{t}:0:0")), ("Uber-Trace-Id", "junk")]), Corrupted),
            ("debug id is ignored with a trace context", carrier(&[("uber-trace-id", &format!("{t}:0:1")), ("jaeger-debug-id", "x")]), Cx(ids(T128, S, Accept))),
            ("debug id alone forces debug", carrier(&[("jaeger-debug-id", "my-request")]), Want::Decision(Decision::new(Debug))),
            ("empty debug id is absent", carrier(&[("jaeger-debug-id", " ")]), Nothing),
            ("empty value", uber(""), Corrupted),
            ("three fields", uber(&format!("{t}:0")), Corrupted),
            ("five fields", uber(&format!("{t}:0:1:0")), Corrupted),
            ("dashes are not colons", uber(&format!("{T128}-{S}-0-1")), Corrupted),
            ("empty trace id", uber(&format!(":{S}:0:1")), Corrupted),
            ("empty span id", uber(&format!("{T128}::0:1")), Corrupted),
            ("empty parent id", uber(&format!("{t}::1")), Corrupted),
            ("empty flags", uber(&format!("{t}:0:")), Corrupted),
            ("zero trace id", uber(&format!("0:{S}:0:1")), Corrupted),
            ("padded zero trace id", uber(&format!("{}:{S}:0:1", "0".repeat(32))), Corrupted),
            ("zero span id", uber(&format!("{T128}:0000:0:1")), Corrupted),
            ("33-digit trace id", uber(&format!("0{T128}:{S}:0:1")), Corrupted),
            ("17-digit span id", uber(&format!("{T128}:0{S}:0:1")), Corrupted),
            ("17-digit parent id", uber(&format!("{t}:0{S}:1")), Corrupted),
            ("three-digit flags", uber(&format!("{t}:0:001")), Corrupted),
            ("non-hex trace id", uber(&format!("xyz:{S}:0:1")), Corrupted),
            ("non-hex parent id", uber(&format!("{t}:-:1")), Corrupted),
            ("non-hex flags", uber(&format!("{t}:0:g")), Corrupted),
            ("signed flags", uber(&format!("{t}:0:+1")), Corrupted),
            ("0x prefix", uber(&format!("0x{T64}:{S}:0:1")), Corrupted),
            ("space inside", uber(&format!(" {t}:0:1")), Corrupted),
            ("malformed escape", uber(&format!("{T128}%3{S}:0:1")), Corrupted),
            ("malformed with a debug id", carrier(&[("uber-trace-id", "1:2:3"), ("jaeger-debug-id", "x")]), Corrupted),
        ];
        check(&rows);
    }

    #[test]
    fn baggage_table() {
        let t = format!("{T64}:{S}:0:1");
        let with = |items: &[(&str, &str)]| {
            Want::Context(
                ids(T64, S, Sampling::Accept).with_baggage(items.iter().copied().collect()),
            )
        };
        let baggage_only = |items: &[(&str, &str)]| {
            let baggage = items.iter().copied().collect();
            Want::Decision(Decision::new(Sampling::Defer).with_baggage(baggage))
        };
        let with_ctx = |pairs: &[(&str, &str)]| {
            let mut all = carrier(&[("uber-trace-id", &t)]);
            all.extend(carrier(pairs));
            all
        };
        #[rustfmt::skip]
        let rows = [
            ("uberctx- item", with_ctx(&[("uberctx-user", "ada")]), with(&[("user", "ada")])),
            ("keys are lower-cased", with_ctx(&[("Uberctx-User-Id", "7")]), with(&[("user-id", "7")])),
            ("values are percent-decoded", with_ctx(&[("uberctx-k", "value%201%20%2F%20blah")]), with(&[("k", "value 1 / blah")])),
            ("plus is a space", with_ctx(&[("uberctx-k", "a+b%2Bc")]), with(&[("k", "a b+c")])),
            ("UTF-8 escapes", with_ctx(&[("uberctx-k", "caf%C3%A9")]), with(&[("k", "café")])),
            ("malformed escape kept as is", with_ctx(&[("uberctx-k", "100%")]), with(&[("k", "100%")])),
            ("non-UTF-8 escape kept as is", with_ctx(&[("uberctx-k", "%ff+")]), with(&[("k", "%ff+")])),
            ("empty key is skipped", with_ctx(&[("uberctx-", "v")]), with(&[])),
            ("empty value is kept", with_ctx(&[("uberctx-k", "")]), with(&[("k", "")])),
            ("jaeger-baggage list", with_ctx(&[("jaeger-baggage", "k1=v1, k2 = v2,bad,=x")]), with(&[("k1", "v1"), ("k2", "v2")])),
            ("jaeger-baggage is percent-decoded", with_ctx(&[("jaeger-baggage", "k%3Dv%2C")]), with(&[("k", "v")])),
            ("uberctx- wins over jaeger-baggage", with_ctx(&[("jaeger-baggage", "k=list"), ("uberctx-k", "header")]), with(&[("k", "header")])),
            ("baggage alone defers", carrier(&[("uberctx-k", "v")]), baggage_only(&[("k", "v")])),
            ("jaeger-baggage alone defers", carrier(&[("jaeger-baggage", "k=v")]), baggage_only(&[("k", "v")])),
            ("debug id keeps baggage", carrier(&[("jaeger-debug-id", "x"), ("uberctx-k", "v")]),
                Want::Decision(Decision::new(Sampling::Debug).with_baggage_item("k", "v"))),
            ("unusable jaeger-baggage alone: no context", carrier(&[("jaeger-baggage", "junk")]), Want::Nothing),
        ];
        check(&rows);
    }

    #[test]
    fn baggage_is_bounded_on_extract() {
        let t = format!("{T64}:{S}:0:1");
        let mut many = carrier(&[("uber-trace-id", &t)]);
        many.extend((0..100).map(|i| (format!("uberctx-k{i:03}"), "v".to_owned())));
        let context = Jaeger.extract(&many).unwrap().unwrap();
        assert_eq!(context.baggage().len(), MAX_BAGGAGE_ITEMS, "item limit");

        let big = "x".repeat(5000);
        let pairs = carrier(&[
            ("uber-trace-id", &t),
            ("uberctx-a", &big),
            ("uberctx-b", &big),
            ("uberctx-c", "small"),
        ]);
        let context = Jaeger.extract(&pairs).unwrap().unwrap();
        assert_eq!(
            context.baggage().len(),
            1,
            "byte limit: later items dropped"
        );
        assert_eq!(context.baggage_item("a").map(str::len), Some(5000));
    }

    fn injected(context: &SpanContext) -> BTreeMap<String, String> {
        let mut map = HashMap::new();
        Jaeger.inject(context, &mut map);
        map.into_iter().collect()
    }

    #[test]
    fn inject_table() {
        use Sampling::*;
        #[rustfmt::skip]
        let rows: [InjectRow<'_>; 6] = [
            ("128-bit trace, accept", ids(T128, S, Accept), &[("uber-trace-id", "80f198ee56343ba864fe8b2a57d3eff7:e457b5a2e4d86bd1:0:1")]),
            ("64-bit trace as 16 digits", ids(T64, S, Deny), &[("uber-trace-id", "64fe8b2a57d3eff7:e457b5a2e4d86bd1:0:0")]),
            ("ids are zero-padded", ids("abc", "1", Debug), &[("uber-trace-id", "0000000000000abc:0000000000000001:0:3")]),
            ("defer goes out as not sampled", ids(T64, S, Defer), &[("uber-trace-id", "64fe8b2a57d3eff7:e457b5a2e4d86bd1:0:0")]),
            ("the remote parent is not written", ids(T64, S, Accept).with_parent_span_id(SpanId::new(5)),
                &[("uber-trace-id", "64fe8b2a57d3eff7:e457b5a2e4d86bd1:0:1")]),
            ("baggage is percent-encoded with lower-case keys", ids(T64, S, Accept).with_baggage_item("User-Id", "a b/é+~"),
                &[("uber-trace-id", "64fe8b2a57d3eff7:e457b5a2e4d86bd1:0:1"), ("uberctx-user-id", "a%20b%2F%C3%A9%2B~")]),
        ];
        for (rule, context, want) in rows {
            let want: BTreeMap<_, _> = carrier(want).into_iter().collect();
            assert_eq!(injected(&context), want, "{rule}");
        }
    }

    #[test]
    fn baggage_is_bounded_on_inject() {
        let baggage: Baggage = (0..100).map(|i| (format!("k{i:03}"), "v")).collect();
        let context = ids(T64, S, Sampling::Accept).with_baggage(baggage);
        assert_eq!(injected(&context).len(), 1 + MAX_BAGGAGE_ITEMS);
    }

    #[test]
    fn name() {
        assert_eq!(Jaeger.name(), "jaeger");
    }

    /// 64-bit and 128-bit trace ids, every decision, header-safe lower-case keys and any
    /// values.
    fn context() -> impl Strategy<Value = SpanContext> {
        let trace = prop_oneof![1..=u128::from(u64::MAX), (1u128 << 64)..];
        let baggage = proptest::collection::btree_map("[a-z0-9][a-z0-9_-]{0,8}", ".{0,12}", 0..6);
        (trace, 1u64.., any_sampling(), baggage).prop_map(|(trace, span, sampling, baggage)| {
            SpanContext::new(TraceId::new(trace).unwrap(), SpanId::new(span).unwrap())
                .with_sampling(sampling)
                .with_baggage(baggage.into_iter().collect())
        })
    }

    /// Jaeger has no "defer": it comes back as deny.
    fn expected(context: &SpanContext) -> SpanContext {
        match context.sampling() {
            Sampling::Defer => context.clone().with_sampling(Sampling::Deny),
            _ => context.clone(),
        }
    }

    fn header_key() -> impl Strategy<Value = String> {
        "(?i)(uber-trace-id|jaeger-debug-id|jaeger-baggage|uberctx-.{0,6}|[a-z-]{1,6})"
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_maps_read_the_trace_context_and_baggage_in_one_pass() {
        let value = |text: &[u8]| http::HeaderValue::from_bytes(text).unwrap();
        let mut headers = http::HeaderMap::new();
        headers.append("uberctx-a", value(b"1"));
        headers.append("uber-trace-id", value(b"\xff"));
        headers.append("uber-trace-id", value(b"2a:1:0:1"));
        headers.append("uberctx-b", value(b"2"));
        headers.append("jaeger-baggage", value(b"a=9,c=3"));
        // A copy that is not UTF-8 counts as absent, as `Extractor` documents for such
        // values: the other copy is the only one.
        let extracted = Jaeger.extract(&headers).unwrap().unwrap();
        let context = extracted.into_span_context().unwrap();
        assert_eq!(context.trace_id().get(), 0x2a);
        let baggage: Vec<_> = context.baggage().iter().collect();
        assert_eq!(baggage, [("a", "1"), ("b", "2"), ("c", "3")]);
        headers.append("uber-trace-id", value(b"2b:1:0:1"));
        assert!(Jaeger.extract(&headers).is_err());
    }

    fn header_value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9a-fA-F:%3+]{0,60}",
            "[0-9a-f]{1,33}:[0-9a-f]{1,17}:[0-9a-f]{1,17}:[0-9a-f]{1,3}",
            "([a-z%=+, ]|%[0-9a-fA-F]{0,2}){0,20}",
            ".{0,40}",
        ]
    }

    proptest! {
        #[test]
        fn round_trips_through_a_map(context in context()) {
            let mut map = HashMap::new();
            Jaeger.inject(&context, &mut map);
            prop_assert_eq!(Jaeger.extract(&map), Ok(Some(Extracted::Span(expected(&context)))));
        }

        #[cfg(feature = "http")]
        #[test]
        fn round_trips_through_a_header_map(context in context()) {
            let mut headers = http::HeaderMap::new();
            Jaeger.inject(&context, &mut headers);
            prop_assert_eq!(Jaeger.extract(&headers), Ok(Some(Extracted::Span(expected(&context)))));
        }

        #[test]
        fn never_panics(pairs in proptest::collection::vec((header_key(), header_value()), 0..8)) {
            let _ = Jaeger.extract(&pairs);
        }

        #[test]
        fn percent_encoding_round_trips(value in ".{0,40}") {
            let mut encoded = String::new();
            push_percent_encoded(&mut encoded, &value);
            prop_assert!(encoded.bytes().all(|b| is_unreserved(b) || b == b'%'));
            prop_assert_eq!(percent_decode_or_raw(&encoded), value.as_str());
        }
    }
}
