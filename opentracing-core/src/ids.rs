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

/// The value of at most 32 hex digits (an empty slice reads as zero): ids of sixteen or
/// thirty-two digits eight digits at a time, other lengths digit by digit, in 64-bit
/// halves.
#[inline]
pub(crate) fn hex_value(digits: &[u8], case: HexCase) -> Option<u128> {
    // Ids as the codecs write them, sixteen or thirty-two digits, eight at a time.
    if let Ok(id) = <&[u8; 16]>::try_from(digits) {
        return hex16(id, case).map(u128::from);
    }
    if let Some((high, low)) = <&[u8; 32]>::try_from(digits)
        .ok()
        .and_then(|id| id.split_first_chunk::<16>())
        .and_then(|(high, low)| Some((high, <&[u8; 16]>::try_from(low).ok()?)))
    {
        return Some(u128::from(hex16(high, case)?) << 64 | u128::from(hex16(low, case)?));
    }
    let (high, low) = digits.split_at(digits.len().saturating_sub(16));
    if high.len() > 16 {
        return None;
    }
    Some(u128::from(hex_value64(high, case)?) << 64 | u128::from(hex_value64(low, case)?))
}

/// At most sixteen digits, one at a time through a table of digit values.
fn hex_value64(digits: &[u8], case: HexCase) -> Option<u64> {
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
    let values = match case {
        HexCase::Lower => &LOWER,
        HexCase::Either => &EITHER,
    };
    let mut acc = 0u64;
    let mut seen = 0u8;
    for &byte in digits {
        let value = values[usize::from(byte)];
        seen |= value;
        acc = acc << 4 | u64::from(value & 0xf);
    }
    (seen & INVALID == 0).then_some(acc)
}

#[inline]
fn hex16(digits: &[u8; 16], case: HexCase) -> Option<u64> {
    let (high, low) = digits.split_first_chunk::<8>()?;
    let low = <[u8; 8]>::try_from(low).ok()?;
    Some(u64::from(hex8(*high, case)?) << 32 | u64::from(hex8(low, case)?))
}

/// The value of eight hex digits, all eight bytes at once: each byte becomes a candidate
/// nibble, which is valid when it is below 16 and writing it back as a lower-case digit
/// gives the byte that was read (or, where `case` allows, its upper-case letter).
#[inline]
fn hex8(digits: [u8; 8], case: HexCase) -> Option<u32> {
    const EACH: u64 = u64::from_le_bytes([1; 8]);
    let word = u64::from_le_bytes(digits);
    // `0`-`9` have bit 6 clear and their value in the low four bits; `a`-`f` and `A`-`F`
    // have bit 6 set and their value minus 9 there. No byte exceeds 24, so no byte carries
    // into the next.
    let nibbles = (word & (EACH * 0x0f)) + ((word >> 6) & EACH) * 9;
    let letters = ((nibbles + EACH * 6) >> 4) & EACH;
    let written = nibbles + EACH * u64::from(b'0') + letters * u64::from(b'a' - b'0' - 10);
    // Upper and lower case letters differ in bit 5 alone.
    let case_bits = match case {
        HexCase::Lower => 0,
        HexCase::Either => letters * 0x20,
    };
    let too_big = (nibbles + EACH * 0x70) & (EACH * 0x80);
    if (written ^ word) & !case_bits != 0 || too_big != 0 {
        return None;
    }
    // Pairs of nibbles into bytes, then the four bytes together, first digit highest.
    let pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00ff_00ff_00ff_00ff;
    let quads = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    // The low 32 bits hold the four bytes, first digit in the lowest.
    Some(((quads | (quads >> 16)) as u32).swap_bytes())
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
    fn eight_digits_at_once_accept_exactly_hex_digits() {
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
                        .map(|text| u32::from_str_radix(text, 16).unwrap());
                    assert_eq!(hex8(digits, case), expected, "{digits:?}");
                }
            }
        }
        assert_eq!(hex8(*b"ffffffff", HexCase::Lower), Some(u32::MAX));
        assert_eq!(hex8(*b"FfFfFfFf", HexCase::Either), Some(u32::MAX));
        assert_eq!(hex8(*b"00000000", HexCase::Lower), Some(0));
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
