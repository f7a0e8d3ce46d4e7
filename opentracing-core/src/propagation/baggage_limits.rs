//! How much baggage the codecs without limits of their own send and read.

use crate::baggage::Baggage;

/// The most baggage items encoded (the W3C baggage minimum).
pub(crate) const MAX_BAGGAGE_ITEMS: usize = 64;
/// The most bytes of baggage keys and values encoded (the W3C baggage minimum).
pub(crate) const MAX_BAGGAGE_BYTES: usize = 8192;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_items_within_the_bytes_and_the_count() {
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
