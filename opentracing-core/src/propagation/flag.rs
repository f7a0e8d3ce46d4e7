//! Boolean flags in trace headers.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ones_zeros_and_words_in_any_case() {
        assert_eq!(parse_flag("TRUE"), Some(true));
        assert_eq!(parse_flag("1"), Some(true));
        assert_eq!(parse_flag("0"), Some(false));
        assert_eq!(parse_flag("False"), Some(false));
        assert_eq!(parse_flag("yes"), None);
    }
}
