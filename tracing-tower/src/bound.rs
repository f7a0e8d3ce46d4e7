//! The bound on every tag value made from request or response data.

/// The longest tag value written from request or response data (method, URL, header values,
/// peer names, error messages), in bytes; longer values are cut at a character boundary and
/// end with `…`.
pub const MAX_TAG_VALUE_LEN: usize = 2048;

const ELLIPSIS: char = '…';

/// `value`, cut to at most [`MAX_TAG_VALUE_LEN`] bytes at a character boundary and ended
/// with `…` when cut.
///
/// ```
/// use tracing_tower::http_span::{MAX_TAG_VALUE_LEN, bounded};
///
/// assert_eq!(bounded("short".into()), "short");
/// let tag = bounded("é".repeat(MAX_TAG_VALUE_LEN));
/// assert!(tag.len() <= MAX_TAG_VALUE_LEN && tag.ends_with('…'));
/// ```
pub fn bounded(mut value: String) -> String {
    if let Some(end) = cut_at(&value) {
        value.truncate(end);
        value.push(ELLIPSIS);
    }
    value
}

/// [`bounded`] for borrowed text: copies only what is kept.
pub(crate) fn bounded_copy(value: &str) -> String {
    match cut_at(value) {
        Some(end) => {
            let mut kept = String::with_capacity(end + ELLIPSIS.len_utf8());
            kept.push_str(&value[..end]);
            kept.push(ELLIPSIS);
            kept
        }
        None => value.to_owned(),
    }
}

/// Where a value longer than the bound is cut, leaving room for the ellipsis.
fn cut_at(value: &str) -> Option<usize> {
    if value.len() <= MAX_TAG_VALUE_LEN {
        return None;
    }
    let mut end = MAX_TAG_VALUE_LEN - ELLIPSIS.len_utf8();
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        for unit in ["a", "é", "€", "😀"] {
            let long = unit.repeat(MAX_TAG_VALUE_LEN + 1);
            for tag in [bounded(long.clone()), bounded_copy(&long)] {
                assert!(tag.len() <= MAX_TAG_VALUE_LEN, "{unit}");
                assert!(tag.len() > MAX_TAG_VALUE_LEN - 8, "{unit}");
                assert!(tag.ends_with(ELLIPSIS));
                assert!(long.starts_with(tag.trim_end_matches(ELLIPSIS)));
            }
        }
        let exact = "a".repeat(MAX_TAG_VALUE_LEN);
        assert_eq!(bounded(exact.clone()), exact);
        assert_eq!(bounded_copy(&exact), exact);
        assert_eq!(bounded("short".into()), "short");
        assert_eq!(bounded_copy(""), "");
    }
}
