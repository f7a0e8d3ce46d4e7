//! Writing JSON straight into the output buffer, for the encoders: keys are literals,
//! strings are escaped by serde_json, integers are written by itoa.

use std::io::Write as _;
#[cfg(feature = "zipkin")]
use std::net::Ipv4Addr;

use crate::value::Value;

/// Appends `text` as a JSON string.
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    // Writing to a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Appends `text` as a JSON string, in lower case (Zipkin stores names so).
#[cfg(feature = "zipkin")]
pub(crate) fn lower_case_string(out: &mut Vec<u8>, text: &str) {
    if !text.is_ascii() {
        return string(out, &text.to_lowercase());
    }
    let start = out.len();
    string(out, text);
    // serde_json writes its escapes in lower case, so only the text's own letters change.
    out[start..].make_ascii_lowercase();
}

/// Appends the characters of `text` escaped as inside a JSON string, without the quotes
/// (for strings made of several pieces).
pub(crate) fn escaped(out: &mut Vec<u8>, text: &str) {
    let start = out.len();
    string(out, text);
    out.pop();
    out.remove(start);
}

/// Appends a tag or field value's text, escaped (the inside of a JSON string).
pub(crate) fn escaped_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::String(text) => escaped(out, text),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::I64(number) => out.extend_from_slice(itoa::Buffer::new().format(*number).as_bytes()),
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
    let _ = write!(out, "{id:016x}");
}

/// Appends an IPv4 address in dotted decimal.
#[cfg(feature = "zipkin")]
pub(crate) fn ipv4(out: &mut Vec<u8>, ip: Ipv4Addr) {
    display(out, &ip);
}

/// Appends a value's `Display` that needs no escaping (numbers, addresses).
pub(crate) fn display(out: &mut Vec<u8>, value: &impl std::fmt::Display) {
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
            let inside = written(|out| escaped(out, text));
            assert_eq!(format!("\"{inside}\""), json);
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

    #[test]
    #[cfg(feature = "zipkin")]
    fn ipv4_addresses() {
        let ip = Ipv4Addr::new(10, 0, 255, 7);
        assert_eq!(written(|out| ipv4(out, ip)), "10.0.255.7");
    }
}
