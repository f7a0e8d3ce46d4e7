//! Header values that codecs write: ids, separators and flags, assembled on the stack.

use crate::ids::TraceId;

/// A header value of ASCII text, at most `N` bytes, assembled on the stack and copied once
/// into a `String` of exactly its length (which a header map then keeps without copying).
pub(crate) struct HeaderText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> HeaderText<N> {
    pub(crate) fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    /// Appends ASCII text. What would not fit is left out: the codecs size their values
    /// exactly, so it never happens.
    #[inline]
    pub(crate) fn push(&mut self, text: &[u8]) {
        let end = self.len + text.len();
        if let Some(room) = self.bytes.get_mut(self.len..end) {
            room.copy_from_slice(text);
            self.len = end;
        }
    }

    /// Appends the low `digits` (at most 32) hex digits of `value`, lower-case, zero-padded.
    #[inline]
    pub(crate) fn push_hex(&mut self, value: u128, digits: usize) {
        let digits = digits.min(32);
        // Only the bytes that hold the digits asked for.
        let bytes = digits.div_ceil(2);
        let mut text = [0; 32];
        let text = &mut text[..2 * bytes];
        // `2 * bytes` digits always hold `bytes` bytes.
        let _ = hex::encode_to_slice(&value.to_be_bytes()[16 - bytes..], &mut *text);
        self.push(&text[2 * bytes - digits..]);
    }

    /// Appends a trace id as B3 and Jaeger write it: 16 digits for a 64-bit id, else 32.
    pub(crate) fn push_trace_id(&mut self, trace_id: TraceId) {
        let digits = if trace_id.high() == 0 { 16 } else { 32 };
        self.push_hex(trace_id.get(), digits);
    }

    /// Appends `value` in hex without leading zeros (at least one digit).
    pub(crate) fn push_unpadded_hex(&mut self, value: u128) {
        let digits = (128 - value.leading_zeros()).div_ceil(4).max(1);
        self.push_hex(value, digits as usize);
    }

    pub(crate) fn into_string(self) -> String {
        // Only ASCII is ever pushed, so this never falls back.
        String::from_utf8(self.bytes[..self.len].to_vec()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_written_like_format_at_every_width() {
        let values = [
            0u128,
            1,
            0x9,
            0xa,
            0xf,
            0x10,
            0x0123_4567_89ab_cdef,
            u128::MAX,
        ];
        let values = values.into_iter().chain((0..128).map(|bit| 1u128 << bit));
        for value in values.chain([0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736]) {
            for digits in [1, 2, 8, 15, 16, 17, 31, 32] {
                let mut text = HeaderText::<33>::new();
                text.push(b">");
                text.push_hex(value, digits);
                let full = format!("{value:032x}");
                assert_eq!(
                    text.into_string()[1..],
                    full[32 - digits..],
                    "{value:x} {digits}"
                );
            }
            let mut text = HeaderText::<32>::new();
            text.push_unpadded_hex(value);
            assert_eq!(text.into_string(), format!("{value:x}"));
        }
    }

    #[test]
    fn trace_ids_and_overflow() {
        let mut text = HeaderText::<32>::new();
        text.push_trace_id(TraceId::new(0xab).unwrap());
        assert_eq!(text.into_string(), "00000000000000ab");
        let mut text = HeaderText::<4>::new();
        text.push(b"abc");
        text.push(b"de");
        text.push(b"f");
        assert_eq!(text.into_string(), "abcf");
    }
}
