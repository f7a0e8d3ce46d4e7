//! W3C Trace Context, Levels 1 and 2: the `traceparent` and `tracestate` headers.

use super::header_text::HeaderText;
use super::trace_state::TraceStateParser;
use super::{Codec, Extractor, Format, Injector, PropagationError};
use crate::context::SpanContext;
use crate::extracted::Extracted;
use crate::ids::{HexCase, SpanId, TraceId, hex_value};

pub(super) const TRACEPARENT: &str = "traceparent";
pub(super) const TRACESTATE: &str = "tracestate";
/// The length of a version `00` `traceparent`, and of the part of a later version we read.
const TRACEPARENT_LEN: usize = 55;
/// Version `ff` is forbidden.
const INVALID_VERSION: u8 = 0xff;
/// Trace flags: bit 0 is "sampled", bit 1 (Level 2) "the trace id is random".
const FLAG_SAMPLED: u8 = 0x01;
const FLAG_RANDOM: u8 = 0x02;

/// W3C Trace Context: `traceparent: 00-{trace id}-{parent id}-{flags}` and `tracestate`.
///
/// Reading:
/// - `traceparent` must be lower-case hex with non-zero ids; version `00` is exactly 55
///   characters, version `ff` is refused, and a later version is read by the `00` layout
///   when its first 55 characters fit it and are followed by the end or a `-`. Anything
///   else, or more than one `traceparent`, is a corrupted context, and `tracestate` is then
///   not read: the caller starts a new trace.
/// - The sampled flag gives [`Sampling::Accept`](crate::Sampling::Accept) or
///   [`Deny`](crate::Sampling::Deny); the Level 2 random flag gives
///   [`has_random_trace_id`](SpanContext::has_random_trace_id). Other flags are ignored.
/// - `tracestate` is read as [`TraceState::parse`](crate::TraceState::parse) says: several
///   values joined in order; of a repeated key the first entry is kept. A malformed member
///   or a 33rd member discards the whole trace state (the spec allows it, the W3C test
///   service at its default strictness requires it), but never the `traceparent`: the
///   context is still extracted, with an empty trace state, and no `tracestate` is sent on.
///   Keys follow the current (Level 2) grammar: a lower-case letter or digit, then up to
///   255 of `a-z 0-9 _ - * / @`, with no `tenant@system` split.
///
/// Writing sends version `00` with only the two known flags, and `tracestate` only when it
/// has members. This format has no way to carry a bare [`Decision`](crate::Decision).
#[derive(Clone, Copy, Debug, Default)]
pub struct W3cTraceContext;

impl Codec for W3cTraceContext {
    fn name(&self) -> &'static str {
        "w3c"
    }

    fn inject(&self, context: &SpanContext, carrier: &mut dyn Injector) {
        carrier.set_owned(TRACEPARENT, traceparent(context));
        if let Some(state) = context.trace_state().header() {
            carrier.set_owned(TRACESTATE, state.to_owned());
        }
    }

    fn extract(&self, carrier: &dyn Extractor) -> Result<Option<Extracted>, PropagationError> {
        let Some(parent) = read_traceparent(carrier)? else {
            // A `tracestate` without `traceparent` is discarded.
            return Ok(None);
        };
        let mut trace_state = TraceStateParser::default();
        carrier.for_each_value(TRACESTATE, &mut |value| trace_state.push(value));
        Ok(Some(Extracted::Span(
            SpanContext::new(parent.trace_id, parent.span_id)
                .with_sampled(parent.flags & FLAG_SAMPLED != 0)
                .with_random_trace_id(parent.flags & FLAG_RANDOM != 0)
                .with_trace_state(trace_state.finish()),
        )))
    }
}

/// The `traceparent` of `context`, version `00`, in one allocation.
fn traceparent(context: &SpanContext) -> String {
    let mut flags = 0;
    if context.is_sampled() {
        flags |= FLAG_SAMPLED;
    }
    if context.has_random_trace_id() {
        flags |= FLAG_RANDOM;
    }
    let mut text = HeaderText::<TRACEPARENT_LEN>::new();
    text.push(b"00-");
    text.push_hex(context.trace_id().get(), 32);
    text.push(b"-");
    text.push_hex(context.span_id().get().into(), 16);
    text.push(b"-");
    text.push_hex(flags.into(), 2);
    text.into_string()
}

/// The fields of a valid `traceparent`.
#[derive(Debug, PartialEq, Eq)]
struct Traceparent {
    trace_id: TraceId,
    span_id: SpanId,
    flags: u8,
}

/// The one `traceparent`, `None` when absent.
fn read_traceparent(carrier: &dyn Extractor) -> Result<Option<Traceparent>, PropagationError> {
    let mut count = 0usize;
    let mut first = None;
    carrier.for_each_value(TRACEPARENT, &mut |value| {
        count += 1;
        if count == 1 {
            first = Some(parse_traceparent(value));
        }
    });
    // The spec does not say what two `traceparent` headers mean; the W3C test service
    // expects a new trace, so they are corrupted.
    let reason = match first {
        None => return Ok(None),
        Some(_) if count > 1 => "repeated traceparent",
        Some(Ok(parent)) => return Ok(Some(parent)),
        Some(Err(reason)) => reason,
    };
    Err(PropagationError::corrupted(Format::HttpHeaders, reason))
}

/// Parses a `traceparent` value. Work is constant: at most 56 bytes are looked at.
fn parse_traceparent(value: &str) -> Result<Traceparent, &'static str> {
    // Whitespace around a field value is not part of it (RFC 9110, section 5.5); HTTP
    // parsers strip it, other carriers may not, and the W3C test service sends some.
    let bytes = value.trim_matches([' ', '\t']).as_bytes();
    let version = hex_u8_at(bytes, 0)
        .filter(|_| dash_at(bytes, 2))
        .ok_or("malformed traceparent version")?;
    if version == INVALID_VERSION {
        return Err("traceparent version ff");
    }
    if bytes.len() < TRACEPARENT_LEN {
        return Err("traceparent too short");
    }
    let trace_id = hex_at(bytes, 3, 32)
        .filter(|_| dash_at(bytes, 35))
        .ok_or("malformed trace id")?;
    let span_id = hex_at(bytes, 36, 16)
        .filter(|_| dash_at(bytes, 52))
        .and_then(|id| u64::try_from(id).ok())
        .ok_or("malformed parent id")?;
    let flags = hex_u8_at(bytes, 53).ok_or("malformed trace flags")?;
    // Version 00 ends here. A later version may carry more fields after a `-`, which we
    // must not interpret; we write version 00 back.
    let ends_right =
        bytes.len() == TRACEPARENT_LEN || (version != 0 && dash_at(bytes, TRACEPARENT_LEN));
    if !ends_right {
        return Err("traceparent too long");
    }
    Ok(Traceparent {
        trace_id: TraceId::new(trace_id).ok_or("all-zero trace id")?,
        span_id: SpanId::new(span_id).ok_or("all-zero parent id")?,
        flags,
    })
}

fn dash_at(bytes: &[u8], at: usize) -> bool {
    bytes.get(at) == Some(&b'-')
}

/// Two lower-case hex digits at `at`.
fn hex_u8_at(bytes: &[u8], at: usize) -> Option<u8> {
    hex_at(bytes, at, 2).and_then(|byte| u8::try_from(byte).ok())
}

/// `len` (at most 32) lower-case hex digits at `at`; upper case is not allowed.
fn hex_at(bytes: &[u8], at: usize, len: usize) -> Option<u128> {
    hex_value(bytes.get(at..at.checked_add(len)?)?, HexCase::Lower)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::propagation::PropagationErrorKind;
    use crate::propagation::TraceState;
    use crate::sampling::Sampling;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SPAN: &str = "00f067aa0ba902b7";

    fn carrier(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn extract(pairs: &[(&str, &str)]) -> Result<Option<SpanContext>, PropagationError> {
        let extracted = W3cTraceContext.extract(&carrier(pairs))?;
        Ok(extracted.map(|extracted| extracted.into_span_context().expect("W3C sends spans")))
    }

    /// The context read from one `traceparent` value, or `None` when it is refused.
    fn read(traceparent: &str) -> Option<SpanContext> {
        match extract(&[("traceparent", traceparent)]) {
            Ok(context) => Some(context.expect("present")),
            Err(error) => {
                assert_eq!(error.kind(), PropagationErrorKind::SpanContextCorrupted);
                assert_eq!(error.format(), Format::HttpHeaders);
                None
            }
        }
    }

    fn context(trace: u128, span: u64) -> SpanContext {
        SpanContext::new(TraceId::new(trace).unwrap(), SpanId::new(span).unwrap())
    }

    #[test]
    fn reads_the_spec_examples() {
        let cx = read(&format!("00-{TRACE}-{SPAN}-01")).unwrap();
        assert_eq!(cx.trace_id().to_string(), TRACE);
        assert_eq!(cx.span_id().to_string(), SPAN);
        assert_eq!(cx.sampling(), Sampling::Accept);
        assert!(!cx.has_random_trace_id());
        assert!(cx.trace_state().is_empty());
        assert_eq!(cx.origin(), None, "the tracer records the origin");
        let cx = read(&format!("00-{TRACE}-{SPAN}-00")).unwrap();
        assert_eq!(cx.sampling(), Sampling::Deny);
    }

    #[test]
    fn traceparent_table() {
        let t = "12345678901234567890123456789012";
        let p = "1234567890123456";
        let ok = |value: String| read(&value).is_some();
        // Valid, and the field values read back.
        for (flags, sampled, random) in [
            ("00", false, false),
            ("01", true, false),
            ("02", false, true), // Level 2: random trace id
            ("03", true, true),
            ("09", true, false), // a bit field: test bit 0, do not compare the byte
            ("fe", false, true), // unknown flags are ignored
            ("ff", true, true),
        ] {
            let cx = read(&format!("00-{t}-{p}-{flags}")).unwrap();
            assert_eq!(cx.is_sampled(), sampled, "{flags}");
            assert_eq!(cx.has_random_trace_id(), random, "{flags}");
            assert_eq!(cx.trace_id().to_string(), t);
        }
        let accepted = [
            // Whitespace around the value is not part of it.
            format!(" 00-{t}-{p}-01"),
            format!("\t00-{t}-{p}-01"),
            format!("00-{t}-{p}-01 "),
            format!("00-{t}-{p}-01\t"),
            format!("\t 00-{t}-{p}-01 \t"),
            // A later version: read by the 00 layout, the rest after a `-` ignored.
            format!("cc-{t}-{p}-01"),
            format!("cc-{t}-{p}-01-what-the-future-will-be-like"),
            format!("01-{t}-{p}-01-"),
            format!("fe-{t}-{p}-01-{}", "x".repeat(64 * 1024)),
        ];
        for value in &accepted {
            assert!(ok(value.clone()), "{value:?}");
        }
        let refused = [
            // Version 00 is exactly 55 characters.
            format!("00-{t}-{p}-01."),
            format!("00-{t}-{p}-01-what-the-future-will-be-like"),
            format!("00-{t}-{p}-01-"),
            format!("00-{t}-{p}-01{}", "0".repeat(64 * 1024)),
            // A later version must still fit the 00 layout, then end or go on with `-`.
            format!("cc-{t}-{p}-01.what-the-future-will-be-like"),
            format!("cc-{t}-{p}-1"),
            format!("cc-{t}-{p}-001"),
            format!("cc-{t}-{p}"),
            // Version ff is forbidden.
            format!("ff-{t}-{p}-01"),
            // The version is two lower-case hex digits and a `-`.
            format!(".0-{t}-{p}-01"),
            format!("0.-{t}-{p}-01"),
            format!("000-{t}-{p}-01"),
            format!("0000-{t}-{p}-01"),
            format!("0-{t}-{p}-01"),
            format!("0A-{t}-{p}-01"),
            // The trace id: 32 lower-case hex digits, not all zero.
            format!("00-{}-{p}-01", "0".repeat(32)),
            format!("00-.2345678901234567890123456789012-{p}-01"),
            format!("00-1234567890123456789012345678901.-{p}-01"),
            format!("00-{t}3-{p}-01"),
            format!("00-{}-{p}-01", &t[1..]),
            format!("00-{}-{p}-01", TRACE.to_uppercase()),
            // The parent id: 16 lower-case hex digits, not all zero.
            format!("00-{t}-0000000000000000-01"),
            format!("00-{t}-.234567890123456-01"),
            format!("00-{t}-123456789012345.-01"),
            format!("00-{t}-{p}7-01"),
            format!("00-{t}-{}-01", &p[1..]),
            format!("00-{t}-00F067AA0BA902B7-01"),
            // The flags: 2 lower-case hex digits.
            format!("00-{t}-{p}-.0"),
            format!("00-{t}-{p}-0."),
            format!("00-{t}-{p}-001"),
            format!("00-{t}-{p}-1"),
            format!("00-{t}-{p}-0A"),
            // Other separators, signs, whitespace inside, non-ASCII.
            format!("00_{t}_{p}_01"),
            format!("00-+2345678901234567890123456789012-{p}-01"),
            format!("00-{t}-{p} -01"),
            format!("00-{t}-{p}-é"),
            format!("0é-{t}-{p}-01"),
            "é".repeat(40),
            String::new(),
            " ".to_owned(),
        ];
        for value in &refused {
            assert!(!ok(value.clone()), "{value:?}");
        }
    }

    #[test]
    fn headers_table() {
        let parent = format!("00-{TRACE}-{SPAN}-01");
        // No traceparent: no context, and a lone tracestate is discarded.
        assert_eq!(extract(&[]), Ok(None));
        assert_eq!(extract(&[("tracestate", "foo=1")]), Ok(None));
        // Wrong header names are other headers.
        assert_eq!(
            extract(&[("trace-parent", &parent), ("trace.parent", &parent)]),
            Ok(None)
        );
        // Header names are case-insensitive.
        for name in ["TraceParent", "TRACEPARENT", "TrAcEpArEnT"] {
            assert!(extract(&[(name, &parent)]).unwrap().is_some(), "{name}");
        }
        // Two traceparent headers, even equal ones: corrupted.
        assert!(extract(&[("traceparent", &parent), ("traceparent", &parent)]).is_err());
        assert!(extract(&[("traceparent", &parent), ("TraceParent", "x")]).is_err());
        // A corrupted traceparent: tracestate is not read.
        assert!(extract(&[("traceparent", "00-x"), ("tracestate", "foo=1")]).is_err());
        // tracestate: values joined in order, names case-insensitive, wrong names ignored
        // (the malformed `trace-state` value would discard everything if it were read).
        let cx = extract(&[
            ("traceparent", &parent),
            ("tracestate", "foo=1,bar=2"),
            ("TraceState", ""),
            ("trace-state", "BAD=1"),
            ("TRACESTATE", "rojo=1,congo=2"),
            ("tracestate", " baz=3 ,"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            cx.trace_state().header(),
            Some("foo=1,bar=2,rojo=1,congo=2,baz=3")
        );
        // One malformed member in any of the values discards the whole trace state.
        let cx = extract(&[
            ("traceparent", &parent),
            ("tracestate", "foo=1,bar=2"),
            ("TRACESTATE", "rojo=1,congo=2"),
            ("tracestate", " baz=3 ,BAD=4"),
        ])
        .unwrap()
        .unwrap();
        assert!(cx.trace_state().is_empty());
        // An empty tracestate header is accepted and gives an empty trace state.
        let cx = extract(&[("traceparent", &parent), ("tracestate", "")])
            .unwrap()
            .unwrap();
        assert!(cx.trace_state().is_empty());
        // A bad tracestate never spoils traceparent.
        let cx = extract(&[("traceparent", &parent), ("tracestate", "=,;=\u{7f}")])
            .unwrap()
            .unwrap();
        assert_eq!(cx.trace_id().to_string(), TRACE);
        // A huge tracestate (more than 32 members, past the scan limit) is discarded.
        let huge = (0..10_000)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(",");
        let cx = extract(&[("traceparent", &parent), ("tracestate", &huge)])
            .unwrap()
            .unwrap();
        assert_eq!(cx.trace_id().to_string(), TRACE);
        assert!(cx.trace_state().is_empty());
    }

    #[test]
    fn a_broken_tracestate_keeps_the_traceparent() {
        let parent = format!("00-{TRACE}-{SPAN}-01");
        let bars_33 = (1..=33)
            .map(|i| format!("bar{i:02}={i:02}"))
            .collect::<Vec<_>>()
            .join(",");
        let broken: &[&[&str]] = &[
            &["foo=1,FOO=2"],         // invalid key
            &["foo=1,@bar=2"],        // `@` first
            &["foo=1,bar=,baz=3"],    // empty value
            &["foo=1,bar=a=b"],       // `=` in a value
            &["foo=1,bar"],           // no `=`
            &["foo=1", "=,;=\u{7f}"], // garbage
            &[&bars_33],              // 33 members
        ];
        let unbroken = read(&parent).unwrap();
        for values in broken {
            let mut pairs = vec![("traceparent", parent.as_str())];
            pairs.extend(values.iter().map(|value| ("tracestate", *value)));
            let cx = extract(&pairs).expect("not corrupted").expect("extracted");
            // The traceparent is read as if there were no tracestate.
            assert_eq!(cx, unbroken, "{values:?}");
            assert_eq!(cx.trace_id().to_string(), TRACE);
            assert_eq!(cx.span_id().to_string(), SPAN);
            assert!(cx.is_sampled());
            assert!(cx.trace_state().is_empty(), "{values:?}");
            // Nothing of it is sent on: inject writes no `tracestate`.
            let mut map = HashMap::new();
            W3cTraceContext.inject(&cx, &mut map);
            assert_eq!(map.len(), 1, "{values:?}");
            assert_eq!(map["traceparent"], parent);
        }
        // A valid member list is kept and sent on.
        let cx = extract(&[("traceparent", &parent), ("tracestate", "foo=1,bar=2")])
            .unwrap()
            .unwrap();
        let mut map = HashMap::new();
        W3cTraceContext.inject(&cx, &mut map);
        assert_eq!(map["tracestate"], "foo=1,bar=2");
    }

    #[test]
    fn writes_version_00() {
        let cx = SpanContext::new(
            TraceId::from_hex(TRACE).unwrap(),
            SpanId::from_hex(SPAN).unwrap(),
        );
        let write = |cx: &SpanContext| {
            let mut map = HashMap::new();
            W3cTraceContext.inject(cx, &mut map);
            map
        };
        // Sampled; no tracestate header when there is no trace state.
        let map = write(&cx);
        assert_eq!(map["traceparent"], format!("00-{TRACE}-{SPAN}-01"));
        assert!(!map.contains_key("tracestate"));
        // Not sampled, random; Defer is not sampled either.
        let cx = cx.with_sampled(false).with_random_trace_id(true);
        assert_eq!(write(&cx)["traceparent"], format!("00-{TRACE}-{SPAN}-02"));
        let cx = cx
            .with_sampling(Sampling::Defer)
            .with_random_trace_id(false);
        assert!(write(&cx)["traceparent"].ends_with("-00"));
        let cx = cx.with_sampling(Sampling::Debug);
        assert!(write(&cx)["traceparent"].ends_with("-01"));
        // Small ids are zero-padded.
        assert_eq!(
            write(&context(1, 2))["traceparent"],
            "00-00000000000000000000000000000001-0000000000000002-01"
        );
        // The trace state, canonical.
        let state = TraceState::parse(["b=2 , a=1"]);
        let map = write(&context(1, 2).with_trace_state(state));
        assert_eq!(map["tracestate"], "b=2,a=1");
        assert_eq!(W3cTraceContext.name(), "w3c");
    }

    #[test]
    fn later_versions_are_written_back_as_00() {
        let cx = read(&format!("cc-{TRACE}-{SPAN}-03-future")).unwrap();
        let mut map = HashMap::new();
        W3cTraceContext.inject(&cx, &mut map);
        assert_eq!(map["traceparent"], format!("00-{TRACE}-{SPAN}-03"));
    }

    /// A context with random ids and flags and a valid trace state: 0 to 32 members with
    /// distinct valid keys (`@` anywhere but first), so that it is not discarded.
    fn any_context() -> impl Strategy<Value = SpanContext> {
        let key = "[a-z0-9][a-z0-9_*/@-]{0,16}";
        let value = "[ -+--<>-~]{0,8}[!-+--<>-~]";
        (
            1u128..,
            1u64..,
            any::<bool>(),
            any::<bool>(),
            proptest::collection::btree_map(key, value, 0..=32),
        )
            .prop_map(|(trace, span, sampled, random, members)| {
                let header = members
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",");
                context(trace, span)
                    .with_sampled(sampled)
                    .with_random_trace_id(random)
                    .with_trace_state(TraceState::parse([header.as_str()]))
            })
    }

    proptest! {
        #[test]
        fn round_trips_through_maps(cx in any_context()) {
            let mut map = HashMap::new();
            W3cTraceContext.inject(&cx, &mut map);
            prop_assert_eq!(W3cTraceContext.extract(&map), Ok(Some(Extracted::Span(cx))));
        }

        #[cfg(feature = "http")]
        #[test]
        fn round_trips_through_header_maps(cx in any_context()) {
            let mut headers = http::HeaderMap::new();
            W3cTraceContext.inject(&cx, &mut headers);
            prop_assert_eq!(W3cTraceContext.extract(&headers), Ok(Some(Extracted::Span(cx))));
        }

        #[test]
        fn reads_every_valid_version_00(trace in 1u128.., span in 1u64.., flags: u8) {
            let value = format!("00-{trace:032x}-{span:016x}-{flags:02x}");
            let parent = parse_traceparent(&value);
            prop_assert_eq!(parent, Ok(Traceparent {
                trace_id: TraceId::new(trace).unwrap(),
                span_id: SpanId::new(span).unwrap(),
                flags,
            }));
        }

        #[test]
        fn reads_later_versions(version in 1u8..0xff, trace in 1u128.., span in 1u64.., flags: u8,
                                rest in "(-[ -~]{0,20})?") {
            let value = format!("{version:02x}-{trace:032x}-{span:016x}-{flags:02x}{rest}");
            prop_assert!(parse_traceparent(&value).is_ok());
        }

        #[test]
        fn refuses_upper_case(trace in 0xa_u128 << 124.., span in 1u64..) {
            let value = format!("00-{trace:032X}-{span:016x}-01");
            prop_assert!(parse_traceparent(&value).is_err());
        }

        #[test]
        fn never_panics(traceparent in any::<String>(), tracestate in any::<String>()) {
            let _ = extract(&[("traceparent", &traceparent), ("tracestate", &tracestate)]);
        }

        #[test]
        fn never_panics_near_valid(
            traceparent in "[ \t]?[0-9a-fA-F.]{1,3}-[0-9a-fA-F]{30,34}-[0-9a-f]{14,17}-[0-9a-fé]{1,3}(-.{0,4})?[ \t]?",
            tracestate in "([ \t]*[a-z0-9@*/_-]{0,6}=?[ -~]{0,6}[ \t]*,?){0,8}",
        ) {
            let _ = extract(&[("traceparent", &traceparent), ("tracestate", &tracestate)]);
        }
    }
}
