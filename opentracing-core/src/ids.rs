//! Trace and span identifiers: validated newtypes that can never be zero.

use std::fmt;
use std::num::{NonZeroU64, NonZeroU128};

/// A 128-bit trace identifier, never zero.
///
/// 64-bit trace ids (B3, Jaeger, older tracers) are held in the low 64 bits.
/// `Option<TraceId>` is the same size as `TraceId`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(NonZeroU128);

impl TraceId {
    /// The smallest id, 1.
    pub const MIN: Self = Self(NonZeroU128::MIN);

    /// The id, or `None` for the invalid all-zero value.
    pub const fn new(id: u128) -> Option<Self> {
        match NonZeroU128::new(id) {
            Some(id) => Some(Self(id)),
            None => None,
        }
    }

    /// The id as a number.
    pub const fn get(self) -> u128 {
        self.0.get()
    }

    /// The high 64 bits (zero for a 64-bit trace id).
    pub const fn high(self) -> u64 {
        (self.0.get() >> 64) as u64
    }

    /// The low 64 bits.
    pub const fn low(self) -> u64 {
        self.0.get() as u64
    }

    /// Parses 1 to 32 hex digits (either case). Returns `None` for anything else or for zero.
    #[inline]
    pub fn from_hex(hex: &str) -> Option<Self> {
        parse_hex(hex, 32).and_then(Self::new)
    }
}

/// A 64-bit span identifier, never zero.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId(NonZeroU64);

impl SpanId {
    /// The smallest id, 1.
    pub const MIN: Self = Self(NonZeroU64::MIN);

    /// The id, or `None` for the invalid all-zero value.
    pub const fn new(id: u64) -> Option<Self> {
        match NonZeroU64::new(id) {
            Some(id) => Some(Self(id)),
            None => None,
        }
    }

    /// The id as a number.
    pub const fn get(self) -> u64 {
        self.0.get()
    }

    /// Parses 1 to 16 hex digits (either case). Returns `None` for anything else or for zero.
    #[inline]
    pub fn from_hex(hex: &str) -> Option<Self> {
        parse_hex(hex, 16).and_then(|id| Self::new(id as u64))
    }
}

/// Parses 1 to `max_digits` (at most 32) hex digits without allocating.
fn parse_hex(hex: &str, max_digits: usize) -> Option<u128> {
    let digits = hex.as_bytes();
    if digits.is_empty() || digits.len() > max_digits {
        return None;
    }
    hex_value(digits, HexCase::Either)
}

/// Which letters a hex field may use.
#[derive(Clone, Copy)]
pub(crate) enum HexCase {
    /// `a` to `f` only, as W3C Trace Context and B3 require.
    Lower,
    /// Either case.
    Either,
}

/// The value of at most 32 hex digits (an empty slice reads as zero), one digit at a time
/// through a table of digit values.
pub(crate) fn hex_value(digits: &[u8], case: HexCase) -> Option<u128> {
    // Digits map to their value, other bytes to a value with a high bit set; the bits of
    // every value are gathered so that one check at the end replaces one per digit.
    const INVALID: u8 = 0xf0;
    const fn table(letters: &[&[u8; 6]]) -> [u8; 256] {
        let mut values = [INVALID; 256];
        let mut digit = 0;
        while digit < 10 {
            values[b'0' as usize + digit] = digit as u8;
            digit += 1;
        }
        let mut set = 0;
        while set < letters.len() {
            let mut letter = 0;
            while letter < 6 {
                values[letters[set][letter] as usize] = 10 + letter as u8;
                letter += 1;
            }
            set += 1;
        }
        values
    }
    const LOWER: [u8; 256] = table(&[b"abcdef"]);
    const EITHER: [u8; 256] = table(&[b"abcdef", b"ABCDEF"]);
    if digits.len() > 32 {
        return None;
    }
    let values = match case {
        HexCase::Lower => &LOWER,
        HexCase::Either => &EITHER,
    };
    let mut acc = 0u128;
    let mut seen = 0u8;
    for &byte in digits {
        let value = values[usize::from(byte)];
        seen |= value;
        acc = acc << 4 | u128::from(value & 0xf);
    }
    (seen & INVALID == 0).then_some(acc)
}

/// Lower-case hex, zero-padded to 32 digits: the form used on the wire. `Display` is the same.
impl fmt::LowerHex for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.get())
    }
}

/// Lower-case hex, zero-padded to 16 digits. `Display` is the same.
impl fmt::LowerHex for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.get())
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(self, f)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(self, f)
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceId({self})")
    }
}

impl fmt::Debug for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpanId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_not_an_id() {
        assert_eq!(TraceId::new(0), None);
        assert_eq!(SpanId::new(0), None);
        assert_eq!(TraceId::from_hex("0000"), None);
        assert_eq!(SpanId::from_hex("0"), None);
    }

    #[test]
    fn hex_round_trip_is_fixed_width_lower_case() {
        let trace = TraceId::from_hex("4BF92F3577B34DA6A3CE929D0E0E4736").unwrap();
        assert_eq!(trace.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(
            SpanId::from_hex("ab").unwrap().to_string(),
            "00000000000000ab"
        );
        assert_eq!(TraceId::from_hex("1").unwrap().high(), 0);
    }

    #[test]
    fn every_length_parses_to_its_value() {
        let digits = "4bF92f3577b34dA6a3ce929d0e0e4736";
        for len in 1..=32 {
            let hex = &digits[..len];
            let expected = u128::from_str_radix(hex, 16).unwrap();
            assert_eq!(
                TraceId::from_hex(hex).map(TraceId::get),
                Some(expected),
                "{hex}"
            );
            if len <= 16 {
                let expected = u64::try_from(expected).unwrap();
                assert_eq!(
                    SpanId::from_hex(hex).map(SpanId::get),
                    Some(expected),
                    "{hex}"
                );
            }
        }
        let lower = digits.to_ascii_lowercase();
        for len in 1..=32 {
            let expected = u128::from_str_radix(&lower[..len], 16).ok();
            assert_eq!(
                hex_value(&lower.as_bytes()[..len], HexCase::Lower),
                expected
            );
            let upper = &digits.as_bytes()[..len];
            let any_upper = upper.iter().any(u8::is_ascii_uppercase);
            assert_eq!(
                hex_value(upper, HexCase::Lower).is_none(),
                any_upper,
                "{len}"
            );
        }
        assert_eq!(TraceId::from_hex("1g00000000000000000"), None);
        assert_eq!(TraceId::from_hex("10000000000000000g"), None);
    }

    #[test]
    fn accept_exactly_the_hex_digits_of_the_case() {
        for (case, letters) in [
            (HexCase::Lower, "abcdef"),
            (HexCase::Either, "abcdefABCDEF"),
        ] {
            for at in 0..8 {
                for byte in 0..=u8::MAX {
                    let mut digits = *b"0123abcd";
                    digits[at] = byte;
                    let expected = std::str::from_utf8(&digits)
                        .ok()
                        .filter(|text| {
                            text.chars()
                                .all(|c| c.is_ascii_digit() || letters.contains(c))
                        })
                        .map(|text| u128::from_str_radix(text, 16).unwrap());
                    assert_eq!(hex_value(&digits, case), expected, "{digits:?}");
                }
            }
        }
        assert_eq!(hex_value(b"ffffffff", HexCase::Lower), Some(0xffff_ffff));
        assert_eq!(hex_value(b"FfFfFfFf", HexCase::Either), Some(0xffff_ffff));
        assert_eq!(hex_value(b"00000000", HexCase::Lower), Some(0));
    }

    #[test]
    fn malformed_hex_is_rejected() {
        for bad in ["", "xyz", "+1", "-1", " 1", "0x1", "é"] {
            assert_eq!(SpanId::from_hex(bad), None, "{bad:?}");
        }
        assert_eq!(SpanId::from_hex(&"1".repeat(17)), None);
        assert_eq!(TraceId::from_hex(&"1".repeat(33)), None);
    }

    #[test]
    fn option_costs_nothing() {
        assert_eq!(size_of::<Option<TraceId>>(), size_of::<TraceId>());
        assert_eq!(size_of::<Option<SpanId>>(), 8);
    }
}
