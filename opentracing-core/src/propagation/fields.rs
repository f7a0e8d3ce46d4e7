//! Small field parsers and writers shared by the text codecs.

use super::Extractor;
use super::binary::{MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ITEMS};
use crate::baggage::Baggage;
use crate::ids::{TraceId, hex_digits8};

/// A boolean flag as trace headers write it: `1` or `0`, or `true` or `false` in any case
/// (older senders and the OpenTracing basic tracers).
pub(crate) fn parse_flag(value: &str) -> Option<bool> {
    if value == "1" || value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value == "0" || value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `key` without `prefix`, matched ignoring ASCII case (`Ot-Baggage-`, `UBERCTX-`).
pub(crate) fn strip_prefix_ignore_case<'a>(key: &'a str, prefix: &str) -> Option<&'a str> {
    let head = key.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| key.get(prefix.len()..))
        .flatten()
}

/// The baggage items a codec sends: at most 64 items and 8192 bytes of keys and values (the
/// W3C baggage minimums), items without a key skipped. An item that does not fit is dropped
/// whole, and smaller ones after it may still fit.
pub(crate) fn baggage_within_limits(baggage: &Baggage) -> impl Iterator<Item = (&str, &str)> {
    let mut bytes = 0;
    baggage
        .iter()
        .filter(|(key, _)| !key.is_empty())
        .filter(move |(key, value)| {
            let fits = bytes + key.len() + value.len() <= MAX_BAGGAGE_BYTES;
            if fits {
                bytes += key.len() + value.len();
            }
            fits
        })
        .take(MAX_BAGGAGE_ITEMS)
}

/// Appends the low `digits` (at most 32) hex digits of `value`, lower-case, zero-padded.
/// (Faster than `write!` with a width, which codecs would call for every injected id.)
pub(crate) fn push_hex(out: &mut String, value: u128, digits: u32) {
    let mut text = [0u8; 32];
    let start = text.len().saturating_sub(digits as usize);
    // Eight digits from the right, as far as `digits` reaches.
    for (chunk, eight) in text
        .rchunks_exact_mut(8)
        .enumerate()
        .take(digits.div_ceil(8) as usize)
    {
        // The 32 bits of this chunk: `as` keeps exactly them.
        eight.copy_from_slice(&hex_digits8((value >> (32 * chunk)) as u32));
    }
    // Hex digits are ASCII, so this never fails.
    if let Ok(text) = std::str::from_utf8(&text[start..]) {
        out.push_str(text);
    }
}

/// How many digits B3 and Jaeger write for a trace id: 16 for a 64-bit id, else 32.
pub(crate) fn trace_hex_len(trace_id: TraceId) -> usize {
    if trace_id.high() == 0 { 16 } else { 32 }
}

/// Appends a trace id as B3 and Jaeger write it: 16 digits for a 64-bit id, else 32.
pub(crate) fn push_trace_hex(out: &mut String, trace_id: TraceId) {
    // At most 32 digits.
    push_hex(out, trace_id.get(), trace_hex_len(trace_id) as u32);
}

/// `value` in lower-case hex without leading zeros (at least one digit).
pub(crate) fn unpadded_hex(value: u128) -> String {
    let digits = (128 - value.leading_zeros()).div_ceil(4).max(1);
    let mut out = String::with_capacity(digits as usize);
    push_hex(&mut out, value, digits);
    out
}

/// The value of a header that carries ids and must appear at most once: two of them leave
/// no way to tell which to trust, so they are an error (as two `traceparent` are).
pub(crate) fn sole_value<'c>(
    carrier: &'c dyn Extractor,
    key: &str,
) -> Result<Option<&'c str>, &'static str> {
    carrier
        .get_unique(key)
        .map_err(|_| "a trace header is repeated")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_written_like_format_at_every_width() {
        let values = [
            0u128,
            1,
            0x9,
            0xa,
            0xf,
            0x10,
            0x0123_4567_89ab_cdef,
            u128::MAX,
        ];
        let values = values.into_iter().chain((0..128).map(|bit| 1u128 << bit));
        for value in values.chain([0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736]) {
            for digits in [1, 2, 8, 15, 16, 17, 31, 32] {
                let mut out = String::from(">");
                push_hex(&mut out, value, digits);
                let full = format!("{value:032x}");
                assert_eq!(out[1..], full[32 - digits as usize..], "{value:x} {digits}");
            }
        }
    }

    #[test]
    fn flags_and_prefixes() {
        assert_eq!(parse_flag("TRUE"), Some(true));
        assert_eq!(parse_flag("0"), Some(false));
        assert_eq!(parse_flag("yes"), None);
        assert_eq!(
            strip_prefix_ignore_case("Ot-Baggage-Key", "ot-baggage-"),
            Some("Key")
        );
        assert_eq!(strip_prefix_ignore_case("ot-bag", "ot-baggage-"), None);
        assert_eq!(strip_prefix_ignore_case("é-baggage-k", "ot-baggage-"), None);
        for value in [0u128, 1, 0xf, 0x10, 0xab, u128::from(u64::MAX), u128::MAX] {
            assert_eq!(unpadded_hex(value), format!("{value:x}"));
        }
        let big = "x".repeat(5000);
        let baggage: Baggage = [
            ("a", big.as_str()),
            ("b", big.as_str()),
            ("c", "small"),
            ("", "no key"),
        ]
        .into_iter()
        .collect();
        let sent: Vec<_> = baggage_within_limits(&baggage).map(|(k, _)| k).collect();
        assert_eq!(sent, ["a", "c"]);
        let many: Baggage = (0..100).map(|i| (format!("k{i:03}"), "v")).collect();
        assert_eq!(baggage_within_limits(&many).count(), 64);
        let mut out = String::new();
        push_trace_hex(&mut out, TraceId::new(0xab).unwrap());
        assert_eq!(out, "00000000000000ab");
    }
}
