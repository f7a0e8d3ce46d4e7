//! Writing and reading protocol buffers' wire format, for the OTLP protobuf encoding:
//! fields are written straight into the output buffer in field order, and a collector's
//! answer is read field by field.

/// A field's wire type.
#[derive(Clone, Copy)]
#[repr(u8)]
enum WireType {
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    Fixed32 = 5,
}

/// Appends `value` as a base-128 varint.
#[inline(always)]
pub(crate) fn varint(out: &mut Vec<u8>, value: u64) {
    if value < 0x80 {
        out.push(value as u8);
    } else {
        let (bytes, len) = long_varint(value);
        out.extend_from_slice(&bytes[..len]);
    }
}

/// The bytes of a varint, and how many there are.
fn long_varint(mut value: u64) -> ([u8; 10], usize) {
    let mut bytes = [0; 10];
    let mut len = 0;
    while value >= 0x80 {
        bytes[len] = value as u8 | 0x80;
        len += 1;
        value >>= 7;
    }
    bytes[len] = value as u8;
    (bytes, len + 1)
}

#[inline(always)]
fn key(out: &mut Vec<u8>, field: u32, wire_type: WireType) {
    varint(out, u64::from(field) << 3 | wire_type as u64);
}

/// Appends a `uint32`, `uint64` or enum field.
#[inline(always)]
pub(crate) fn uint(out: &mut Vec<u8>, field: u32, value: u64) {
    key(out, field, WireType::Varint);
    varint(out, value);
}

/// Appends an `int64` field (negative numbers take ten bytes, as the format says).
#[inline(always)]
pub(crate) fn int64(out: &mut Vec<u8>, field: u32, value: i64) {
    uint(out, field, value as u64);
}

/// Appends a `bool` field.
#[inline(always)]
pub(crate) fn boolean(out: &mut Vec<u8>, field: u32, value: bool) {
    uint(out, field, value.into());
}

/// Appends a `double` field.
#[inline(always)]
pub(crate) fn double(out: &mut Vec<u8>, field: u32, value: f64) {
    key(out, field, WireType::Fixed64);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends a `fixed64` field.
#[inline(always)]
pub(crate) fn fixed64(out: &mut Vec<u8>, field: u32, value: u64) {
    key(out, field, WireType::Fixed64);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends a `fixed32` field.
#[inline(always)]
pub(crate) fn fixed32(out: &mut Vec<u8>, field: u32, value: u32) {
    key(out, field, WireType::Fixed32);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends a `bytes` or `string` field.
#[inline(always)]
pub(crate) fn bytes(out: &mut Vec<u8>, field: u32, value: &[u8]) {
    len_prefix(out, field, value.len());
    out.extend_from_slice(value);
}

/// Appends the key and length of a length-delimited field, whose `len` bytes the caller
/// appends next.
#[inline(always)]
pub(crate) fn len_prefix(out: &mut Vec<u8>, field: u32, len: usize) {
    key(out, field, WireType::Len);
    varint(out, len as u64);
}

/// The length of `value` as a varint.
#[inline(always)]
pub(crate) const fn varint_len(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

/// Appends an embedded message field whose fields `write` appends. Its length goes first:
/// one byte is kept for it, and the message moves up when its length needs more.
pub(crate) fn message(out: &mut Vec<u8>, field: u32, write: impl FnOnce(&mut Vec<u8>)) {
    key(out, field, WireType::Len);
    let at = out.len();
    out.push(0);
    write(out);
    let len = out.len() - at - 1;
    if len < 0x80 {
        out[at] = len as u8;
        return;
    }
    let (prefix, prefix_len) = long_varint(len as u64);
    let end = out.len();
    out.resize(end + prefix_len - 1, 0);
    out.copy_within(at + 1..end, at + prefix_len);
    out[at..at + prefix_len].copy_from_slice(&prefix[..prefix_len]);
}

/// A field read from a message: its number and its value, if of a wire type kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Field<'a> {
    Varint(u32, u64),
    Len(u32, &'a [u8]),
    Other,
}

/// The fields of `message`, in order; reading stops at the first malformed one.
pub(crate) fn fields(mut message: &[u8]) -> impl Iterator<Item = Field<'_>> {
    std::iter::from_fn(move || {
        let key = read_varint(&mut message)?;
        let field = u32::try_from(key >> 3).ok()?;
        let field = match key & 7 {
            0 => Field::Varint(field, read_varint(&mut message)?),
            1 => skip(&mut message, 8)?,
            2 => {
                let len = usize::try_from(read_varint(&mut message)?).ok()?;
                let value = message.get(..len)?;
                message = &message[len..];
                Field::Len(field, value)
            }
            5 => skip(&mut message, 4)?,
            _ => return None,
        };
        Some(field)
    })
}

fn skip<'a>(message: &mut &'a [u8], len: usize) -> Option<Field<'a>> {
    *message = message.get(len..)?;
    Some(Field::Other)
}

fn read_varint(message: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for (i, &byte) in message.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            *message = &message[i + 1..];
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_take_seven_bits_a_byte() {
        for (value, expected) in [
            (0, &[0x00][..]),
            (1, &[0x01]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (300, &[0xac, 0x02]),
            (
                u64::MAX,
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ] {
            let mut out = Vec::new();
            varint(&mut out, value);
            assert_eq!(out, expected);
            let mut read = &out[..];
            assert_eq!(read_varint(&mut read), Some(value));
            assert!(read.is_empty());
        }
    }

    #[test]
    fn varint_lengths_are_what_is_written() {
        for value in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = Vec::new();
            varint(&mut out, value);
            assert_eq!(varint_len(value), out.len(), "{value}");
        }
    }

    #[test]
    fn a_long_message_moves_up_behind_its_length() {
        for len in [0, 1, 127, 128, 300, 20_000] {
            let mut out = vec![0xee];
            message(&mut out, 3, |out| out.extend(std::iter::repeat_n(7, len)));
            let mut expected = vec![0xee, 3 << 3 | 2];
            varint(&mut expected, len as u64);
            expected.extend(std::iter::repeat_n(7, len));
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn fields_are_read_back_and_malformed_input_ends_the_reading() {
        let mut out = Vec::new();
        uint(&mut out, 1, 5);
        fixed64(&mut out, 2, 9);
        bytes(&mut out, 3, b"abc");
        fixed32(&mut out, 4, 1);
        int64(&mut out, 5, -1);
        let read: Vec<_> = fields(&out).collect();
        assert_eq!(
            read,
            [
                Field::Varint(1, 5),
                Field::Other,
                Field::Len(3, b"abc"),
                Field::Other,
                Field::Varint(5, u64::MAX),
            ]
        );
        for cut in 0..out.len() {
            // Never a panic, and never a field beyond the cut.
            assert!(fields(&out[..cut]).count() <= read.len());
        }
        assert_eq!(fields(&[0x0a, 0x05, 1]).count(), 0);
        assert_eq!(fields(&[0x0b]).count(), 0);
    }
}
