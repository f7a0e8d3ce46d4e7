//! Writing JSON straight into the output buffer, for the encoders: keys are literals,
//! strings are copied whole unless they need escaping, integers are written by itoa and ids
//! by the hex crate.

use std::io::Write as _;

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
            out.extend_from_slice(itoa::Buffer::new().format(*number).as_bytes());
        }
        // Digits, sign, point, exponent, `inf` or `NaN`: nothing to escape.
        Value::F64(number) => display(out, number),
    }
}

/// Appends `number` in decimal.
pub(crate) fn decimal(out: &mut Vec<u8>, number: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
}

/// Appends `id` as 16 lower-hex digits.
pub(crate) fn hex64(out: &mut Vec<u8>, id: u64) {
    let mut digits = [0; 16];
    // Eight bytes always fit sixteen digits.
    let _ = hex::encode_to_slice(id.to_be_bytes(), &mut digits);
    out.extend_from_slice(&digits);
}

/// Appends a value's `Display` that needs no escaping (numbers, addresses).
pub(crate) fn display(out: &mut Vec<u8>, value: &impl std::fmt::Display) {
    // Writing to a `Vec` cannot fail.
    let _ = write!(out, "{value}");
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
        assert_eq!(written(|out| hex64(out, 0xab)), "00000000000000ab");
        assert_eq!(written(|out| hex64(out, u64::MAX - 1)), "fffffffffffffffe");
    }
}
