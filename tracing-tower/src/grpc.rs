//! gRPC over HTTP/2, as the layers see it: which requests are calls (`content-type:
//! application/grpc`), their names, their deadlines, and the status in a response's
//! headers or trailers. The tags of a call's span, besides those of any HTTP request:
//!
//! | tag | value |
//! |---|---|
//! | [`RPC_SYSTEM`] | `grpc` |
//! | [`RPC_SERVICE`], [`RPC_METHOD`] | from the path `/package.Service/Method` (also the span's name) |
//! | [`RPC_GRPC_DEADLINE_MS`] | the caller's `grpc-timeout`, in milliseconds |
//! | [`RPC_GRPC_STATUS_CODE`] | the status, from the response headers or trailers ([`GrpcClassifier`](crate::classify::GrpcClassifier)) |

use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderMap, StatusCode};
use opentracing_core::Span;

use crate::bound::bounded_copy;

/// `rpc.system`: `grpc` on the spans of gRPC calls.
pub const RPC_SYSTEM: &str = "rpc.system";
/// `rpc.service`: the called service, with its package (`grpc.health.v1.Health`).
pub const RPC_SERVICE: &str = "rpc.service";
/// `rpc.method`: the called method (`Check`).
pub const RPC_METHOD: &str = "rpc.method";
/// `rpc.grpc.status_code`: the call's status, a number (`0` is `OK`).
pub const RPC_GRPC_STATUS_CODE: &str = "rpc.grpc.status_code";
/// The deadline the caller gave the call, in milliseconds (from `grpc-timeout`).
pub const RPC_GRPC_DEADLINE_MS: &str = "rpc.grpc.deadline_ms";

/// Whether these headers are a gRPC call's or answer's: `content-type: application/grpc`,
/// alone or with a `+proto`-like suffix or parameters.
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers.get(CONTENT_TYPE).is_some_and(|value| {
        let value = value.as_bytes();
        let prefix = b"application/grpc";
        value.len() >= prefix.len()
            && value[..prefix.len()].eq_ignore_ascii_case(prefix)
            && matches!(value.get(prefix.len()), None | Some(b'+' | b';'))
    })
}

/// The service and method of a call's path, `/package.Service/Method`.
pub(crate) fn service_and_method(path: &str) -> Option<(&str, &str)> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    let plain = |part: &str| !part.is_empty() && !part.contains('/');
    (plain(service) && plain(method)).then_some((service, method))
}

/// The span name of a gRPC request with these headers and path, `package.Service/Method`;
/// `None` when it is not one.
pub fn operation_name(headers: &HeaderMap, path: &str) -> Option<String> {
    if !is_grpc(headers) {
        return None;
    }
    service_and_method(path).map(|_| bounded_copy(&path[1..]))
}

/// Tags the span of a gRPC request (with these headers and path) with `rpc.system`,
/// `rpc.service`, `rpc.method` and its deadline; nothing for another request. Whether it
/// was one.
pub fn tag_request(span: &Span, headers: &HeaderMap, path: &str) -> bool {
    let grpc = is_grpc(headers);
    if grpc {
        tag_call(span, headers, path);
    }
    grpc
}

/// [`tag_request`] for a request known to be a gRPC call.
pub(crate) fn tag_call(span: &Span, headers: &HeaderMap, path: &str) {
    span.set_tag(RPC_SYSTEM, "grpc");
    if let Some((service, method)) = service_and_method(path) {
        span.set_tag(RPC_SERVICE, bounded_copy(service))
            .set_tag(RPC_METHOD, bounded_copy(method));
    }
    if let Some(timeout) = timeout(headers) {
        let millis = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        span.set_tag(RPC_GRPC_DEADLINE_MS, millis);
    }
}

/// `grpc-timeout`: up to eight digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`).
pub(crate) fn timeout(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.as_bytes();
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let amount: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(match unit {
        b"H" => Duration::from_secs(amount * 3600),
        b"M" => Duration::from_secs(amount * 60),
        b"S" => Duration::from_secs(amount),
        b"m" => Duration::from_millis(amount),
        b"u" => Duration::from_micros(amount),
        b"n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// `grpc-status`, if present and a number.
pub(crate) fn status(fields: &HeaderMap) -> Option<u32> {
    fields.get("grpc-status")?.to_str().ok()?.parse().ok()
}

/// `grpc-message`, percent-decoded, if present.
pub(crate) fn message(fields: &HeaderMap) -> Option<String> {
    let value = fields.get("grpc-message")?;
    let text = percent_encoding::percent_decode(value.as_bytes()).decode_utf8_lossy();
    Some(bounded_copy(&text))
}

/// The status a client takes from an answer that carries none, by its HTTP status, as
/// gRPC's "HTTP to gRPC status code mapping" says.
pub(crate) fn status_of_http(status: StatusCode) -> u32 {
    match status.as_u16() {
        400 => INTERNAL,
        401 => 16,             // UNAUTHENTICATED
        403 => 7,              // PERMISSION_DENIED
        404 => 12,             // UNIMPLEMENTED
        429 | 502..=504 => 14, // UNAVAILABLE
        _ => UNKNOWN,
    }
}

/// `UNKNOWN`: an answer without a status.
pub(crate) const UNKNOWN: u32 = 2;
/// `DEADLINE_EXCEEDED`: no answer by the caller's deadline.
pub(crate) const DEADLINE_EXCEEDED: u32 = 4;
const INTERNAL: u32 = 13;

/// Whether a server's span with this status is an error: the codes OpenTelemetry's RPC
/// conventions count as the server's failures (`UNKNOWN`, `DEADLINE_EXCEEDED`,
/// `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE`, `DATA_LOSS`); the others are the caller's.
pub(crate) fn is_server_error(code: u32) -> bool {
    matches!(code, 2 | 4 | 12 | 13 | 14 | 15)
}

/// The name of a status code, as the gRPC specification has it.
pub(crate) fn code_name(code: u32) -> &'static str {
    opentracing_core::grpc::status_name(code).unwrap_or("UNKNOWN_CODE")
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn grpc_is_told_by_its_content_type() {
        let mut headers = HeaderMap::new();
        assert!(!is_grpc(&headers));
        for (value, grpc) in [
            ("application/grpc", true),
            ("application/grpc+proto", true),
            ("Application/GRPC; charset=utf-8", true),
            ("application/grpc-web", false),
            ("application/json", false),
        ] {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(is_grpc(&headers), grpc, "{value}");
        }
    }

    #[test]
    fn paths_name_a_service_and_a_method() {
        assert_eq!(
            service_and_method("/grpc.health.v1.Health/Check"),
            Some(("grpc.health.v1.Health", "Check"))
        );
        for bad in [
            "/",
            "/Health",
            "/Health/",
            "//Check",
            "/a/b/c",
            "Health/Check",
        ] {
            assert_eq!(service_and_method(bad), None, "{bad}");
        }
    }

    #[test]
    fn timeouts_are_read_by_their_unit_and_bad_ones_ignored() {
        let mut headers = HeaderMap::new();
        for (value, want) in [
            ("100m", Some(Duration::from_millis(100))),
            ("2S", Some(Duration::from_secs(2))),
            ("1H", Some(Duration::from_secs(3600))),
            ("99999999n", Some(Duration::from_nanos(99_999_999))),
            ("123456789m", None),
            ("m", None),
            ("10x", None),
            ("-1S", None),
        ] {
            headers.insert("grpc-timeout", HeaderValue::from_static(value));
            assert_eq!(timeout(&headers), want, "{value}");
        }
    }

    #[test]
    fn codes_have_names_and_the_servers_failures_are_told_apart() {
        assert_eq!(code_name(5), "NOT_FOUND");
        assert_eq!(code_name(99), "UNKNOWN_CODE");
        assert!(is_server_error(13) && !is_server_error(5) && !is_server_error(0));
        assert_eq!(status_of_http(StatusCode::NOT_FOUND), 12);
        assert_eq!(status_of_http(StatusCode::SERVICE_UNAVAILABLE), 14);
        assert_eq!(status_of_http(StatusCode::IM_A_TEAPOT), UNKNOWN);
    }
}
