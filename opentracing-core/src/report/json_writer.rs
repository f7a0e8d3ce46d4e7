//! Writing JSON straight into the output buffer, for the encoders' hot path: keys are
//! literals, strings are copied whole unless they need escaping, and ids and numbers are
//! written without the formatting machinery.

use std::fmt;
#[cfg(feature = "zipkin")]
use std::net::Ipv4Addr;

use crate::ids::hex_digits8;
use crate::value::Value;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `text` as a JSON string.
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    escaped(out, text);
    out.push(b'"');
}

/// Appends `text` as a JSON string, in lower case (Zipkin stores names so).
#[cfg(feature = "zipkin")]
pub(crate) fn lower_case_string(out: &mut Vec<u8>, text: &str) {
    if !text.is_ascii() {
        return string(out, &text.to_lowercase());
    }
    out.push(b'"');
    let start = out.len();
    escaped(out, text);
    // Escapes are written in lower case already, so only the text's own letters change.
    out[start..].make_ascii_lowercase();
    out.push(b'"');
}

/// Appends the characters of `text`, escaped as RFC 8259 requires inside a string: the
/// quotation mark, the reverse solidus and the control characters.
#[inline]
pub(crate) fn escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    // Most text needs no escape and is copied in one go.
    if any_needs_escape(bytes) {
        escape_each(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
}

#[cold]
#[inline(never)]
fn escape_each(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut copied = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if !needs_escape(byte) {
            continue;
        }
        out.extend_from_slice(&bytes[copied..at]);
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            }
        }
        copied = at + 1;
    }
    out.extend_from_slice(&bytes[copied..]);
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Whether any byte needs an escape, eight bytes at a time: a word has a byte below `0x20`,
/// or equal to `"` or `\`, exactly when these classic bit tricks leave a high bit set.
#[inline]
fn any_needs_escape(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    if words.any(|word| word_needs_escape(word.try_into().unwrap_or_default())) {
        return true;
    }
    match bytes.last_chunk::<8>() {
        // The last bytes again, as one word that overlaps the one before.
        Some(last) => word_needs_escape(*last),
        // Shorter than a word.
        None => bytes.iter().any(|&byte| needs_escape(byte)),
    }
}

fn word_needs_escape(word: [u8; 8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let word = u64::from_ne_bytes(word);
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    below_space
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\')))
}

/// Appends a tag or field value's text, escaped (the inside of a JSON string).
pub(crate) fn escaped_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::String(text) => escaped(out, text),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::I64(number) => {
            if *number < 0 {
                out.push(b'-');
            }
            decimal(out, number.unsigned_abs());
        }
        // Digits, sign, point, exponent, `inf` or `NaN`: nothing to escape.
        Value::F64(number) => display(out, number),
    }
}

/// Appends `number` in decimal, eight digits at a time (timestamps have sixteen).
pub(crate) fn decimal(out: &mut Vec<u8>, number: u64) {
    const EIGHT: u64 = 100_000_000;
    // Each part is below 10^8, so the casts keep it whole.
    if number < EIGHT {
        leading(out, number as u32);
    } else if number < EIGHT * EIGHT {
        leading(out, (number / EIGHT) as u32);
        out.extend_from_slice(&digits8((number % EIGHT) as u32));
    } else {
        let high = number / EIGHT;
        leading(out, (high / EIGHT) as u32);
        out.extend_from_slice(&digits8((high % EIGHT) as u32));
        out.extend_from_slice(&digits8((number % EIGHT) as u32));
    }
}

/// Appends `number` (below 10^8) without leading zeros.
fn leading(out: &mut Vec<u8>, number: u32) {
    let digits = digit_values8(number);
    // Leading zero digits are the low zero bytes; the last digit is always written.
    let zeros = (digits.trailing_zeros() / 8).min(7) as usize;
    out.extend_from_slice(&ascii8(digits)[zeros..]);
}

/// `number` (below 10^8) as eight decimal digits.
fn digits8(number: u32) -> [u8; 8] {
    ascii8(digit_values8(number))
}

fn ascii8(digit_values: u64) -> [u8; 8] {
    (digit_values + u64::from_ne_bytes([b'0'; 8])).to_le_bytes()
}

/// The eight decimal digits of `number` (below 10^8), one a byte, the first in the low
/// byte, computed side by side in one word: split into two halves of four digits, each into
/// two pairs, each into two digits, a multiplication by a reciprocal dividing every lane at
/// once.
fn digit_values8(number: u32) -> u64 {
    let number = u64::from(number);
    // Two 32-bit lanes, the first four digits in the low one.
    let quads = (number / 10_000) | ((number % 10_000) << 32);
    // `x * 10486 >> 20` is `x / 100` for every x below 10 000.
    let high = ((quads * 10_486) >> 20) & 0x0000_007f_0000_007f;
    let pairs = high | ((quads - high * 100) << 16);
    // `x * 103 >> 10` is `x / 10` for every x below 100.
    let tens = ((pairs * 103) >> 10) & 0x000f_000f_000f_000f;
    tens | ((pairs - tens * 10) << 8)
}

/// Appends `id` as 16 lower-hex digits.
pub(crate) fn hex64(out: &mut Vec<u8>, id: u64) {
    // The high and low 32 bits: `as` keeps exactly the low ones.
    out.extend_from_slice(&hex_digits8((id >> 32) as u32));
    out.extend_from_slice(&hex_digits8(id as u32));
}

/// Appends an IPv4 address in dotted decimal.
#[cfg(feature = "zipkin")]
pub(crate) fn ipv4(out: &mut Vec<u8>, ip: Ipv4Addr) {
    let (text, len) = crate::value::dotted_decimal(ip);
    out.extend_from_slice(&text[..len]);
}

/// Appends a value's `Display` that needs no escaping (numbers, addresses).
pub(crate) fn display(out: &mut Vec<u8>, value: &impl fmt::Display) {
    struct Bytes<'a>(&'a mut Vec<u8>);
    impl fmt::Write for Bytes<'_> {
        fn write_str(&mut self, text: &str) -> fmt::Result {
            self.0.extend_from_slice(text.as_bytes());
            Ok(())
        }
    }
    // Writing to a `Vec` cannot fail.
    let _ = fmt::write(&mut Bytes(out), format_args!("{value}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_reads_them() {
        for text in [
            "plain /users/{id}",
            "quote \" and \\ back",
            "line\nbreak\ttab\r\u{1}\u{1f}",
            "ünïcödé ✓",
            "",
        ] {
            let json = written(|out| string(out, text));
            assert_eq!(
                serde_json::from_str::<String>(&json).unwrap(),
                text,
                "{json}"
            );
        }
    }

    #[test]
    fn every_byte_that_needs_an_escape_is_found_wherever_it_is() {
        for at in 0..20 {
            for byte in (0..0x20).chain([b'"', b'\\']) {
                let mut text = vec![b'a'; 20];
                text[at] = byte;
                assert!(any_needs_escape(&text), "{byte:#x} at {at}");
            }
            let clean: Vec<u8> = (0x20..=0xff).filter(|b| !needs_escape(*b)).collect();
            assert!(!any_needs_escape(&clean[at..]));
        }
    }

    #[test]
    #[cfg(feature = "zipkin")]
    fn lower_case_strings_keep_escapes_readable() {
        assert_eq!(
            written(|out| lower_case_string(out, "GET /A\u{1}")),
            r#""get /a\u0001""#
        );
        assert_eq!(written(|out| lower_case_string(out, "ÉTÉ")), r#""été""#);
    }

    #[test]
    fn numbers_and_ids() {
        assert_eq!(written(|out| decimal(out, 0)), "0");
        assert_eq!(written(|out| decimal(out, u64::MAX)), u64::MAX.to_string());
        assert_eq!(
            written(|out| escaped_value(out, &Value::I64(i64::MIN))),
            i64::MIN.to_string()
        );
        assert_eq!(written(|out| escaped_value(out, &Value::F64(1.5))), "1.5");
        for number in [0, 7, 10, 99, 100, 101, 1_000_000, 1_732_000_000_123_456] {
            assert_eq!(written(|out| decimal(out, number)), number.to_string());
        }
        // Every value of one lane, in the high and the low half.
        for quad in 0..10_000 {
            for number in [quad, quad * 10_000] {
                assert_eq!(digits8(number), *format!("{number:08}").as_bytes());
            }
        }
        for digits in 1..=20 {
            for number in [10u64.pow(digits - 1), 10u64.saturating_pow(digits) - 1] {
                assert_eq!(written(|out| decimal(out, number)), number.to_string());
            }
        }
        assert_eq!(written(|out| hex64(out, 0xab)), "00000000000000ab");
        assert_eq!(written(|out| hex64(out, u64::MAX - 1)), "fffffffffffffffe");
    }

    proptest::proptest! {
        #[test]
        fn decimal_is_to_string(number: u64, small in 0..100_000_000u64) {
            proptest::prop_assert_eq!(written(|out| decimal(out, number)), number.to_string());
            proptest::prop_assert_eq!(written(|out| decimal(out, small)), small.to_string());
        }
    }

    #[test]
    #[cfg(feature = "zipkin")]
    fn ipv4_addresses() {
        // Every octet is checked where the text is made (`value::dotted_decimal`).
        let ip = Ipv4Addr::new(10, 0, 255, 7);
        assert_eq!(written(|out| ipv4(out, ip)), "10.0.255.7");
    }
}
