//! The OpenTracing basic-tracer text format: `ot-tracer-traceid`, `ot-tracer-spanid`,
//! `ot-tracer-sampled` and `ot-baggage-{key}`.

use super::baggage_limits::{MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ITEMS, baggage_within_limits};
use super::carrier::strip_prefix_ignore_case;
use super::flag::parse_flag;
use super::header_text::HeaderText;
use super::{Codec, Extractor, Format, Injector, PropagationError};
use crate::baggage::Baggage;
use crate::context::SpanContext;
use crate::extracted::Extracted;
use crate::ids::{SpanId, TraceId};

/// What every key below starts with.
const KEY_PREFIX: &str = "ot-";
pub(super) const TRACE_ID: &str = "ot-tracer-traceid";
pub(super) const SPAN_ID: &str = "ot-tracer-spanid";
pub(super) const SAMPLED: &str = "ot-tracer-sampled";
const BAGGAGE_PREFIX: &str = "ot-baggage-";

/// The OpenTracing basic-tracer headers, as written by basictracer-go and -python and by
/// opentracing-python's mock tracer.
///
/// Ids are lower-case hex without padding; `sampled` is `true` or `false` (`1` and `0` are
/// read too). All three state keys are needed: none is no context; one or two, a duplicate,
/// or a value that does not parse is a corrupted context. Baggage keys come back lower-cased;
/// baggage beyond 64 items or 8 KiB is dropped whole items at a time.
#[derive(Clone, Copy, Debug, Default)]
pub struct OtHeaders;

impl Codec for OtHeaders {
    fn name(&self) -> &'static str {
        "ot"
    }

    fn inject(&self, context: &SpanContext, carrier: &mut dyn Injector) {
        carrier.set_owned(TRACE_ID, unpadded_hex(context.trace_id().get()));
        carrier.set_owned(SPAN_ID, unpadded_hex(context.span_id().get().into()));
        let sampled = if context.is_sampled() {
            "true"
        } else {
            "false"
        };
        carrier.set_static(SAMPLED, sampled);
        // Allocated by the first item, if any.
        let mut key = String::new();
        for (name, value) in baggage_within_limits(context.baggage()) {
            key.clear();
            key.push_str(BAGGAGE_PREFIX);
            key.extend(name.chars().map(|c| c.to_ascii_lowercase()));
            carrier.set(&key, value);
        }
    }

    fn extract(&self, carrier: &dyn Extractor) -> Result<Option<Extracted>, PropagationError> {
        let mut state = State::default();
        carrier.for_each_prefixed(KEY_PREFIX, &mut |key, value| state.read(key, value));
        Ok(state.finish()?.map(Extracted::Span))
    }
}

#[derive(Default)]
struct State {
    trace_id: Field<TraceId>,
    span_id: Field<SpanId>,
    sampled: Field<bool>,
    baggage: Baggage,
    baggage_bytes: usize,
}

/// One state key: absent, read once, or malformed.
#[derive(Default)]
enum Field<T> {
    #[default]
    Absent,
    Read(T),
    Bad,
}

impl<T> Field<T> {
    fn set(&mut self, parsed: Option<T>) {
        *self = match (&*self, parsed) {
            (Self::Absent, Some(value)) => Self::Read(value),
            _ => Self::Bad,
        };
    }
}

impl State {
    fn read(&mut self, key: &str, value: &str) {
        if key.eq_ignore_ascii_case(TRACE_ID) {
            self.trace_id.set(TraceId::from_hex(value));
        } else if key.eq_ignore_ascii_case(SPAN_ID) {
            self.span_id.set(SpanId::from_hex(value));
        } else if key.eq_ignore_ascii_case(SAMPLED) {
            self.sampled.set(parse_flag(value));
        } else if let Some(name) = strip_prefix_ignore_case(key, BAGGAGE_PREFIX) {
            self.baggage_bytes += name.len() + value.len();
            let fits =
                self.baggage.len() < MAX_BAGGAGE_ITEMS && self.baggage_bytes <= MAX_BAGGAGE_BYTES;
            if fits && !name.is_empty() {
                self.baggage.set(name.to_ascii_lowercase(), value);
            }
        }
    }

    fn finish(self) -> Result<Option<SpanContext>, PropagationError> {
        let corrupted = |reason| Err(PropagationError::corrupted(Format::TextMap, reason));
        match (self.trace_id, self.span_id, self.sampled) {
            (Field::Read(trace_id), Field::Read(span_id), Field::Read(sampled)) => Ok(Some(
                SpanContext::new(trace_id, span_id)
                    .with_sampled(sampled)
                    .with_baggage(self.baggage),
            )),
            (Field::Absent, Field::Absent, Field::Absent) if self.baggage.is_empty() => Ok(None),
            (Field::Absent, Field::Absent, Field::Absent) => corrupted("baggage without ids"),
            _ => corrupted("missing, repeated or malformed ot-tracer fields"),
        }
    }
}

/// `value` in hex without leading zeros, as the basic tracers write ids.
fn unpadded_hex(value: u128) -> String {
    let mut text = HeaderText::<32>::new();
    text.push_unpadded_hex(value);
    text.into_string()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    fn carrier(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn writes_unpadded_hex_and_baggage() {
        let cx = SpanContext::new(TraceId::new(0xab).unwrap(), SpanId::new(0x1f).unwrap())
            .with_baggage_item("user", "ada");
        let mut map = HashMap::new();
        OtHeaders.inject(&cx, &mut map);
        assert_eq!(map["ot-tracer-traceid"], "ab");
        assert_eq!(map["ot-tracer-spanid"], "1f");
        assert_eq!(map["ot-tracer-sampled"], "true");
        assert_eq!(map["ot-baggage-user"], "ada");
        assert_eq!(OtHeaders.extract(&map), Ok(Some(Extracted::Span(cx))));
    }

    #[test]
    fn table() {
        let ok = |pairs: &[(&str, &str)]| {
            let extracted = OtHeaders.extract(&carrier(pairs)).unwrap();
            extracted.map(|extracted| extracted.into_span_context().unwrap())
        };
        let bad = |pairs: &[(&str, &str)]| OtHeaders.extract(&carrier(pairs)).is_err();
        assert_eq!(ok(&[]), None);
        assert_eq!(ok(&[("unrelated", "x")]), None);
        let cx = ok(&[
            ("Ot-Tracer-TraceId", "4BF92F3577B34DA6A3CE929D0E0E4736"),
            ("OT-TRACER-SPANID", "00f067aa0ba902b7"),
            ("ot-tracer-sampled", "0"),
            ("Ot-Baggage-MyKey", "v"),
        ])
        .unwrap();
        assert_eq!(
            cx.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert!(!cx.is_sampled());
        assert_eq!(cx.baggage_item("mykey"), Some("v"));
        let ids = [("ot-tracer-traceid", "1"), ("ot-tracer-spanid", "2")];
        assert!(bad(&ids), "sampled missing");
        assert!(bad(&[ids[0]]), "one field");
        assert!(bad(&[("ot-baggage-k", "v")]), "baggage without state");
        for sampled in ["yes", ""] {
            assert!(bad(&[ids[0], ids[1], ("ot-tracer-sampled", sampled)]));
        }
        assert!(bad(&[
            ids[0],
            ids[1],
            ("ot-tracer-sampled", "1"),
            ("OT-TRACER-TRACEID", "1")
        ]));
        for trace in ["0", "xyz", &"1".repeat(33)] {
            assert!(bad(&[
                ("ot-tracer-traceid", trace),
                ids[1],
                ("ot-tracer-sampled", "1")
            ]));
        }
    }

    proptest! {
        #[test]
        fn never_panics(pairs in proptest::collection::vec(("(?i)(ot-tracer-|ot-baggage-)?[a-z]{0,8}", ".{0,40}"), 0..8)) {
            let _ = OtHeaders.extract(&pairs);
        }

        #[test]
        fn round_trips(trace in 1u128.., span in 1u64.., sampled: bool,
                       items in proptest::collection::btree_map("[a-z]{1,8}", "[ -~]{0,8}", 0..4)) {
            let cx = SpanContext::new(TraceId::new(trace).unwrap(), SpanId::new(span).unwrap())
                .with_sampled(sampled)
                .with_baggage(items.into_iter().collect());
            let mut map = HashMap::new();
            OtHeaders.inject(&cx, &mut map);
            prop_assert_eq!(OtHeaders.extract(&map), Ok(Some(Extracted::Span(cx))));
        }
    }
}
