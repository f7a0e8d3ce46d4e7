//! Standard log field keys, with the exact strings of opentracing-python's `opentracing.logs`.

/// The error's type (for Rust errors, the type name).
pub const ERROR_KIND: &str = "error.kind";
/// The error itself (for Rust errors, its `Debug` form).
pub const ERROR_OBJECT: &str = "error.object";
/// A stable name for what happened; `"error"` for errors.
pub const EVENT: &str = "event";
/// A human-readable message; for errors, the error's `Display` form.
pub const MESSAGE: &str = "message";
/// A stack trace.
pub const STACK: &str = "stack";
