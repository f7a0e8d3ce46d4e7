//! The binary format: a small, versioned, bounded encoding of a span context.
//!
//! Layout (all integers big-endian):
//!
//! | bytes | field |
//! |---|---|
//! | 1 | version, `0` |
//! | 16 | trace id |
//! | 8 | span id |
//! | 1 | flags: bit 0 = sampled |
//! | 1 | baggage item count, at most 64 |
//! | per item | `u16` key length, key, `u16` value length, value (UTF-8) |
//!
//! Baggage beyond 64 items or 8192 bytes of keys and values (the W3C baggage minimums) is
//! dropped whole items at a time on encode, and rejected on decode. Only the sampled flag
//! travels: a deferred decision arrives as "not sampled", and the W3C trace state and
//! random-id flag are not carried.

use super::baggage_limits::{MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ITEMS, baggage_within_limits};
use super::{Format, PropagationError};
use crate::baggage::Baggage;
use crate::context::SpanContext;
use crate::ids::{SpanId, TraceId};

const VERSION: u8 = 0;
const SAMPLED: u8 = 1;

/// Appends the binary form of `context` to `out`.
pub fn encode_binary(context: &SpanContext, out: &mut Vec<u8>) {
    out.push(VERSION);
    out.extend_from_slice(&context.trace_id().get().to_be_bytes());
    out.extend_from_slice(&context.span_id().get().to_be_bytes());
    out.push(if context.is_sampled() { SAMPLED } else { 0 });
    let count_at = out.len();
    out.push(0);
    let mut count = 0u8;
    for (key, value) in baggage_within_limits(context.baggage()) {
        for part in [key, value] {
            // Fits: the byte budget is far below u16::MAX.
            out.extend_from_slice(&(part.len() as u16).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        count += 1;
    }
    out[count_at] = count;
}

/// Reads a context from the start of `bytes` (bytes after it are left alone). Empty input
/// is no context.
///
/// # Errors
///
/// `SpanContextCorrupted` for an unknown version, zero ids, truncated input, baggage over
/// the limits, or text that is not UTF-8.
pub fn decode_binary(bytes: &[u8]) -> Result<Option<SpanContext>, PropagationError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let mut reader = Reader(bytes);
    if reader.take::<1>()? != [VERSION] {
        return Err(corrupted("unknown version"));
    }
    let trace_id = TraceId::new(u128::from_be_bytes(reader.take()?))
        .ok_or_else(|| corrupted("zero trace id"))?;
    let span_id =
        SpanId::new(u64::from_be_bytes(reader.take()?)).ok_or_else(|| corrupted("zero span id"))?;
    let [flags] = reader.take()?;
    let [count] = reader.take()?;
    if usize::from(count) > MAX_BAGGAGE_ITEMS {
        return Err(corrupted("too many baggage items"));
    }
    let mut baggage = Baggage::new();
    let mut budget = MAX_BAGGAGE_BYTES;
    for _ in 0..count {
        let key = reader.text(&mut budget)?;
        let value = reader.text(&mut budget)?;
        // Items without a key are never sent (see `baggage_within_limits`): skip them here too.
        if !key.is_empty() {
            baggage.set(key, value);
        }
    }
    let context = SpanContext::new(trace_id, span_id)
        .with_sampled(flags & SAMPLED != 0)
        .with_baggage(baggage);
    Ok(Some(context))
}

fn corrupted(reason: &'static str) -> PropagationError {
    PropagationError::corrupted(Format::Binary, reason)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], PropagationError> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or_else(|| corrupted("truncated"))?;
        self.0 = rest;
        Ok(*head)
    }

    fn text(&mut self, budget: &mut usize) -> Result<&'a str, PropagationError> {
        let len = usize::from(u16::from_be_bytes(self.take()?));
        *budget = budget
            .checked_sub(len)
            .ok_or_else(|| corrupted("baggage too large"))?;
        if self.0.len() < len {
            return Err(corrupted("truncated"));
        }
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(text).map_err(|_| corrupted("baggage is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn context() -> SpanContext {
        SpanContext::new(TraceId::new(7).unwrap(), SpanId::new(9).unwrap())
    }

    #[test]
    fn round_trips_after_existing_bytes_are_skipped() {
        let cx = context().with_sampled(false).with_baggage_item("k", "v");
        let mut out = Vec::new();
        encode_binary(&cx, &mut out);
        out.extend_from_slice(b"trailing");
        assert_eq!(decode_binary(&out), Ok(Some(cx)));
    }

    #[test]
    fn items_without_a_key_are_skipped() {
        // Found by the fuzzer: decode, encode and decode again must agree.
        let mut bytes = Vec::new();
        encode_binary(&context(), &mut bytes);
        let count_at = bytes.len() - 1;
        bytes[count_at] = 1;
        bytes.extend_from_slice(&[0, 0, 0, 0]); // empty key, empty value
        let decoded = decode_binary(&bytes).unwrap().unwrap();
        assert!(decoded.baggage().is_empty());
        let mut again = Vec::new();
        encode_binary(&decoded, &mut again);
        assert_eq!(decode_binary(&again), Ok(Some(decoded)));
    }

    #[test]
    fn empty_is_no_context() {
        assert_eq!(decode_binary(&[]), Ok(None));
    }

    #[test]
    fn malformed_input_is_corrupted() {
        let mut good = Vec::new();
        encode_binary(&context().with_baggage_item("key", "value"), &mut good);
        for cut in 1..good.len() {
            assert!(decode_binary(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad_version = good.clone();
        bad_version[0] = 1;
        assert!(decode_binary(&bad_version).is_err());
        let mut zero_span = good.clone();
        zero_span[17..25].fill(0);
        assert!(decode_binary(&zero_span).is_err());
        let mut too_many = good.clone();
        too_many[26] = 200;
        assert!(decode_binary(&too_many).is_err());
    }

    #[test]
    fn oversized_baggage_is_dropped_whole_items_at_a_time() {
        let big = "x".repeat(5000);
        let cx = context()
            .with_baggage_item("a", big.clone())
            .with_baggage_item("b", big);
        let mut out = Vec::new();
        encode_binary(&cx, &mut out);
        let decoded = decode_binary(&out).unwrap().unwrap();
        assert_eq!(decoded.baggage().len(), 1);
        assert_eq!(decoded.baggage_item("a").map(str::len), Some(5000));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_binary(&bytes);
        }

        #[test]
        fn round_trips(trace in 1u128.., span in 1u64.., sampled: bool,
                       items in proptest::collection::btree_map(".{1,8}", ".{0,8}", 0..8)) {
            let cx = SpanContext::new(TraceId::new(trace).unwrap(), SpanId::new(span).unwrap())
                .with_sampled(sampled)
                .with_baggage(items.into_iter().collect());
            let mut out = Vec::new();
            encode_binary(&cx, &mut out);
            prop_assert_eq!(decode_binary(&out), Ok(Some(cx)));
        }
    }
}
