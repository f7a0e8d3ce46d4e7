//! gRPC status codes by the names the gRPC specification gives them, for the OTLP/gRPC
//! reporter's errors and for the HTTP layers that trace gRPC calls.

/// The name of status `code` (`NOT_FOUND` for 5); `None` for a code the specification does
/// not define.
///
/// ```
/// assert_eq!(opentracing_core::grpc::status_name(14), Some("UNAVAILABLE"));
/// assert_eq!(opentracing_core::grpc::status_name(99), None);
/// ```
pub fn status_name(code: u32) -> Option<&'static str> {
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
    NAMES.get(usize::try_from(code).ok()?).copied()
}
