//! Helpers for comma-separated header lists (`tracestate`, `baggage`), read with bounded
//! work.

/// The first `budget` bytes of `value`, cut back to a character boundary, and whether
/// anything was cut.
///
/// Readers keep a budget of bytes for all the values of a header together and pass what is
/// left of it; when this returns `true`, the last piece of the head is incomplete.
fn head_within(value: &str, budget: usize) -> (&str, bool) {
    if value.len() <= budget {
        return (value, false);
    }
    let mut end = budget;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    (value.get(..end).unwrap_or_default(), true)
}

/// One piece of a comma-separated header list, as a [`ListScanner`] yields it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// A member (untrimmed; it may be empty).
    Member(&'a str),
    /// The list runs past the scan budget here; nothing after it is read.
    PastBudget,
}

/// Splits the values of a repeated list header into members, with a byte budget for all
/// the values together (the `,` joining two values counts too).
#[derive(Debug)]
pub(crate) struct ListScanner {
    budget: usize,
    scanned: usize,
}

impl ListScanner {
    /// A scanner that reads at most `budget` bytes.
    pub(crate) const fn new(budget: usize) -> Self {
        Self { budget, scanned: 0 }
    }

    /// The pieces of the next header value, in order.
    pub(crate) fn pieces<'a>(
        &mut self,
        value: &'a str,
    ) -> impl Iterator<Item = Piece<'a>> + use<'a> {
        let (head, cut) = head_within(value, self.budget - self.scanned);
        self.scanned = (self.scanned + head.len() + 1).min(self.budget);
        let mut rest = Some(head);
        std::iter::from_fn(move || {
            let current = rest?;
            let member = match split_once_byte(current, b',') {
                Some((member, tail)) => {
                    rest = Some(tail);
                    member
                }
                None => {
                    rest = None;
                    current
                }
            };
            Some(if cut && rest.is_none() {
                Piece::PastBudget
            } else {
                Piece::Member(member)
            })
        })
    }
}

/// `s` without the optional whitespace (`OWS`: spaces and tabs) around it.
pub(crate) fn trim_ows(s: &str) -> &str {
    let is_ows = |byte: u8| matches!(byte, b' ' | b'\t');
    let start = s.bytes().position(|byte| !is_ows(byte)).unwrap_or(s.len());
    let end = s
        .bytes()
        .rposition(|byte| !is_ows(byte))
        .map_or(start, |last| last + 1);
    // Spaces and tabs are ASCII, so both ends are on character boundaries.
    s.get(start..end).unwrap_or_default()
}

/// `s` split at the first `separator`, an ASCII byte (both sides are then on character
/// boundaries).
pub(crate) fn split_once_byte(s: &str, separator: u8) -> Option<(&str, &str)> {
    let at = memchr::memchr(separator, s.as_bytes())?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_splits_values_within_one_budget() {
        let mut scanner = ListScanner::new(8);
        let first: Vec<_> = scanner.pieces("a,b").collect();
        assert_eq!(first, [Piece::Member("a"), Piece::Member("b")]);
        // 4 of 8 bytes used (3 and the joining comma): "cd,efgh" is cut after "cd,e".
        let second: Vec<_> = scanner.pieces("cd,efgh").collect();
        assert_eq!(second, [Piece::Member("cd"), Piece::PastBudget]);
        assert_eq!(scanner.pieces("x").collect::<Vec<_>>(), [Piece::PastBudget]);
    }

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
    fn splits_at_the_first_separator() {
        assert_eq!(split_once_byte("k=v=w", b'='), Some(("k", "v=w")));
        assert_eq!(split_once_byte("é=ü", b'='), Some(("é", "ü")));
        assert_eq!(split_once_byte("kv", b'='), None);
    }

    #[test]
    fn trim_ows_trims_spaces_and_tabs_only() {
        assert_eq!(trim_ows(" \t a b \t "), "a b");
        assert_eq!(trim_ows("\t"), "");
        assert_eq!(trim_ows("\na\r"), "\na\r");
        assert_eq!(trim_ows("\u{a0}a"), "\u{a0}a");
        assert_eq!(trim_ows(" é "), "é");
        assert_eq!(trim_ows(""), "");
    }
}
