//! gRPC's framing of messages over HTTP/2 and its status, for encodings sent as gRPC calls.

use std::time::Duration;

use http::HeaderMap;

use super::protobuf_writer::{Field, fields as fields_of};

/// The status of a call that succeeded.
pub(crate) const OK: u32 = 0;
/// The status of a call whose answer says nothing of it.
pub(crate) const UNKNOWN: u32 = 2;

/// `message` as the body of a unary call: a compressed flag, the length (4 bytes, big
/// endian), the message.
pub(crate) fn frame(message: &[u8], compressed: bool) -> Vec<u8> {
    let mut body = Vec::with_capacity(5 + message.len());
    body.push(compressed.into());
    // Batches are bounded far below 4 GiB (`max_batch_bytes`).
    body.extend_from_slice(
        &u32::try_from(message.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    body.extend_from_slice(message);
    body
}

/// The first message of an answer's body, if whole and not compressed.
pub(crate) fn unframe(body: &[u8]) -> Option<&[u8]> {
    let (&compressed, rest) = body.split_first()?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
    let message = rest.get(4..)?.get(..usize::try_from(len).ok()?)?;
    (compressed == 0).then_some(message)
}

/// The `grpc-status` of a trailers block (or of the headers of a trailers-only answer).
pub(crate) fn status(fields: &HeaderMap) -> Option<u32> {
    fields.get("grpc-status")?.to_str().ok()?.parse().ok()
}

/// `grpc-message`, percent-decoded; empty without one.
pub(crate) fn message(fields: &HeaderMap) -> String {
    let Some(value) = fields.get("grpc-message") else {
        return String::new();
    };
    percent_encoding::percent_decode(value.as_bytes())
        .decode_utf8_lossy()
        .into_owned()
}

/// The wait a `RetryInfo` in `grpc-status-details-bin` asks for: that header holds a
/// base64 `google.rpc.Status` whose `details` may include a
/// `type.googleapis.com/google.rpc.RetryInfo` with its `retry_delay`.
pub(crate) fn retry_delay(fields: &HeaderMap) -> Option<Duration> {
    use base64::Engine as _;
    let encoded = fields.get("grpc-status-details-bin")?.as_bytes();
    let status = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(
            encoded
                .strip_suffix(b"==")
                .or(encoded.strip_suffix(b"="))
                .unwrap_or(encoded),
        )
        .ok()?;
    // google.rpc.Status.details (3): Any { type_url (1), value (2) }
    fields_of(&status).find_map(|field| {
        let Field::Len(3, any) = field else {
            return None;
        };
        let mut type_url = None;
        let mut value = None;
        for field in fields_of(any) {
            match field {
                Field::Len(1, url) => type_url = Some(url),
                Field::Len(2, bytes) => value = Some(bytes),
                _ => {}
            }
        }
        if type_url? != b"type.googleapis.com/google.rpc.RetryInfo" {
            return None;
        }
        // RetryInfo.retry_delay (1): google.protobuf.Duration { seconds (1), nanos (2) }
        let delay = fields_of(value?).find_map(|field| match field {
            Field::Len(1, delay) => Some(delay),
            _ => None,
        })?;
        let (mut seconds, mut nanos) = (0, 0);
        for field in fields_of(delay) {
            match field {
                Field::Varint(1, value) => seconds = value,
                Field::Varint(2, value) => nanos = value,
                _ => {}
            }
        }
        // Both are signed: a negative one, past `i64::MAX` as a varint, is no delay.
        i64::try_from(seconds).ok()?;
        let nanos = u32::try_from(nanos).ok()?.min(999_999_999);
        Some(Duration::new(seconds, nanos))
    })
}

/// The `message` of a `google.rpc.Status` in protobuf, as OTLP/HTTP answers a failure.
pub(crate) fn status_message(status: &[u8]) -> Option<String> {
    // google.rpc.Status.message (2)
    fields_of(status).find_map(|field| match field {
        Field::Len(2, message) => Some(String::from_utf8_lossy(message).into_owned()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_bad_frames_give_nothing() {
        let body = frame(b"hello", false);
        assert_eq!(body, b"\0\0\0\0\x05hello");
        assert_eq!(unframe(&body), Some(&b"hello"[..]));
        assert_eq!(frame(b"", true), b"\x01\0\0\0\0");
        assert_eq!(unframe(&frame(b"zz", true)), None);
        for cut in 0..body.len() {
            assert_eq!(unframe(&body[..cut]), None);
        }
    }

    #[test]
    fn retry_info_and_message_are_read() {
        use super::super::protobuf_writer::{bytes, message as embedded, uint};
        use base64::Engine as _;
        let mut status = Vec::new();
        uint(&mut status, 1, 8);
        embedded(&mut status, 3, |any| {
            bytes(any, 1, b"type.googleapis.com/google.rpc.RetryInfo");
            embedded(any, 2, |info| {
                embedded(info, 1, |duration| {
                    uint(duration, 1, 2);
                    uint(duration, 2, 500_000_000);
                });
            });
        });
        let mut fields = HeaderMap::new();
        assert_eq!(retry_delay(&fields), None);
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
        ] {
            let encoded = engine.encode(&status);
            fields.insert("grpc-status-details-bin", encoded.parse().unwrap());
            assert_eq!(retry_delay(&fields), Some(Duration::from_millis(2_500)));
        }
        let mut negative = Vec::new();
        embedded(&mut negative, 3, |any| {
            bytes(any, 1, b"type.googleapis.com/google.rpc.RetryInfo");
            embedded(any, 2, |info| {
                embedded(info, 1, |duration| uint(duration, 1, (-5_i64) as u64));
            });
        });
        let encoded = base64::engine::general_purpose::STANDARD.encode(&negative);
        fields.insert("grpc-status-details-bin", encoded.parse().unwrap());
        assert_eq!(retry_delay(&fields), None, "a negative delay");
        fields.insert("grpc-status-details-bin", "!!".parse().unwrap());
        assert_eq!(retry_delay(&fields), None);
        fields.insert("grpc-message", "quota%20exceeded".parse().unwrap());
        assert_eq!(message(&fields), "quota exceeded");
    }

    #[test]
    fn a_status_message_is_read_from_protobuf() {
        use super::super::protobuf_writer::{bytes, uint};
        let mut status = Vec::new();
        uint(&mut status, 1, 3);
        bytes(&mut status, 2, b"span 2 has no name");
        assert_eq!(
            status_message(&status).as_deref(),
            Some("span 2 has no name")
        );
        assert_eq!(status_message(b"\xff\xff"), None);
        assert_eq!(status_message(b""), None);
    }

    #[test]
    fn status_is_read_from_grpc_status() {
        let mut trailers = HeaderMap::new();
        assert_eq!(status(&trailers), None);
        trailers.insert("grpc-status", "14".parse().unwrap());
        assert_eq!(status(&trailers), Some(14));
        trailers.insert("grpc-status", "x".parse().unwrap());
        assert_eq!(status(&trailers), None);
    }
}
