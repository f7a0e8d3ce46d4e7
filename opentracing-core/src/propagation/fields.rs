//! Small field parsers shared by the text codecs.

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
    }
}
