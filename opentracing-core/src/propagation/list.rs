//! Helpers for comma-separated header lists (`tracestate`, `baggage`), read with bounded
//! work.

/// The first `budget` bytes of `value`, cut back to a character boundary, and whether
/// anything was cut.
///
/// Readers keep a budget of bytes for all the values of a header together and pass what is
/// left of it; when this returns `true`, the last piece of the head is incomplete.
pub(crate) fn head_within(value: &str, budget: usize) -> (&str, bool) {
    if value.len() <= budget {
        return (value, false);
    }
    let mut end = budget;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    (value.get(..end).unwrap_or_default(), true)
}

/// `s` without the optional whitespace (`OWS`: spaces and tabs) around it.
pub(crate) fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_within_cuts_at_a_character_boundary() {
        assert_eq!(head_within("abc", 3), ("abc", false));
        assert_eq!(head_within("abc", 4), ("abc", false));
        assert_eq!(head_within("abc", 2), ("ab", true));
        assert_eq!(head_within("abc", 0), ("", true));
        assert_eq!(head_within("", 0), ("", false));
        // `é` is two bytes: a budget that ends inside it cuts before it.
        assert_eq!(head_within("aé", 2), ("a", true));
        assert_eq!(head_within("aé", 3), ("aé", false));
        assert_eq!(head_within("éé", 1), ("", true));
    }

    #[test]
    fn trim_ows_trims_spaces_and_tabs_only() {
        assert_eq!(trim_ows(" \t a b \t "), "a b");
        assert_eq!(trim_ows("\t"), "");
        assert_eq!(trim_ows("\na\r"), "\na\r");
        assert_eq!(trim_ows("\u{a0}a"), "\u{a0}a");
    }
}
