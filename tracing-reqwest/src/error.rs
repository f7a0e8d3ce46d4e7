//! How a failed call is recorded on its span.

use std::error::Error as _;

use opentracing_core::{Span, logs, tags};
use reqwest::StatusCode;

/// Tags `error=true` and logs the failure's kind (`connect`, `timeout`, `redirect`, `body`,
/// `decode`, `request` or `middleware`) and its message with every cause.
pub(crate) fn record_call_error(span: &Span, error: &reqwest_middleware::Error) {
    if !span.is_recording() {
        return;
    }
    let kind = match error {
        reqwest_middleware::Error::Reqwest(error) => reqwest_error_kind(error),
        reqwest_middleware::Error::Middleware(_) => "middleware",
    };
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        let text = error.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = error.source();
    }
    log_error(span, kind, message);
}

/// Tags `error=true` and logs a server error status.
pub(crate) fn record_server_error(span: &Span, status: StatusCode) {
    log_error(span, "http", format!("server error {status}"));
}

fn log_error(span: &Span, kind: &'static str, message: String) {
    span.set_tag(tags::ERROR, true).log_kv([
        (logs::EVENT, "error".to_owned()),
        (logs::ERROR_KIND, kind.to_owned()),
        (logs::MESSAGE, message),
    ]);
}

fn reqwest_error_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else if error.is_redirect() {
        "redirect"
    } else if error.is_body() {
        "body"
    } else if error.is_decode() {
        "decode"
    } else {
        "request"
    }
}
