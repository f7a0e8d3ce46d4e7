//! Headers that carry ids and must appear at most once.

use super::Extractor;

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
