//! gRPC's framing of messages over HTTP/2 and its status, for encodings sent as gRPC calls.

use http::HeaderMap;

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

/// The name of a gRPC status code, as the gRPC specification has it.
pub(crate) fn code_name(code: u32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|code| NAMES.get(code))
        .copied()
        .unwrap_or("an unknown code")
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
    fn status_is_read_from_grpc_status() {
        let mut trailers = HeaderMap::new();
        assert_eq!(status(&trailers), None);
        trailers.insert("grpc-status", "14".parse().unwrap());
        assert_eq!(status(&trailers), Some(14));
        assert_eq!(code_name(14), "UNAVAILABLE");
        assert_eq!(code_name(0), "OK");
        assert_eq!(code_name(99), "an unknown code");
        trailers.insert("grpc-status", "x".parse().unwrap());
        assert_eq!(status(&trailers), None);
    }
}
