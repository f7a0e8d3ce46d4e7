//! Small field parsers and writers shared by the text codecs.

use super::Extractor;
use super::binary::{MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ITEMS};
use crate::baggage::Baggage;

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

/// A header that must not repeat, since which copy to trust cannot be told.
#[derive(Default)]
pub(crate) enum Sole<T> {
    #[default]
    Absent,
    Once(T),
    Repeated,
}

impl<T> Sole<T> {
    /// Notes one more copy of the header; `value` reads it, the first time only.
    pub(crate) fn see(&mut self, value: impl FnOnce() -> T) {
        *self = match self {
            Self::Absent => Self::Once(value()),
            _ => Self::Repeated,
        };
    }

    /// The value of the only copy, if any; an error for a repeated header.
    pub(crate) fn once(self) -> Result<Option<T>, &'static str> {
        match self {
            Self::Absent => Ok(None),
            Self::Once(value) => Ok(Some(value)),
            Self::Repeated => Err("a trace header is repeated"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
