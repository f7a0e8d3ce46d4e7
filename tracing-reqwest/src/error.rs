//! How a failed call is recorded on its span.

use std::error::Error;

use tracing_tower::UrlRedactor;
use tracing_tower::http_span::FinishGuard;

/// Tags `error=true` and logs the failure's kind (`connect`, `timeout`, `redirect`, `body`,
/// `decode`, `request` or `middleware`) and its message with every cause, without the
/// secrets of the request's URL or of any URL an error in the chain names (a redirect's).
pub(crate) fn record_call_error(
    guard: &FinishGuard,
    urls: &UrlRedactor,
    error: &reqwest_middleware::Error,
) {
    if !guard.span().is_recording() {
        return;
    }
    let (kind, top): (_, &(dyn Error + 'static)) = match error {
        reqwest_middleware::Error::Reqwest(error) => (reqwest_error_kind(error), error),
        reqwest_middleware::Error::Middleware(error) => ("middleware", error.as_ref()),
    };
    let mut message = top.to_string();
    let mut named_urls = Vec::new();
    let mut next = Some(top);
    while let Some(error) = next {
        if !std::ptr::addr_eq(error, top) {
            let text = error.to_string();
            if !message.ends_with(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
        }
        if let Some(url) = error.downcast_ref::<reqwest::Error>().and_then(|e| e.url()) {
            named_urls.push(url.as_str());
        }
        next = error.source();
    }
    for url in named_urls {
        message = urls.redact_text(&message, url);
    }
    guard.record_error(kind, &message);
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
