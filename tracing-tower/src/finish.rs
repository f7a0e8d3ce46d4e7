//! Why a span finished, and the guard that makes sure it finishes exactly once.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::time::Instant;

use http::header::CONTENT_TYPE;
use http::{HeaderMap, Uri};
use opentracing_core::{Span, in_span};

use crate::bound::{bounded, bounded_copy};
use crate::classify::{Classified, Classify, ResponseHead, Side};
use crate::grpc;
use crate::url::{UrlRedactor, may_hold_secrets};

/// The tag that records why a span finished; its value is a [`FinishReason`] string.
pub const FINISH_REASON: &str = "finish.reason";

/// Why an HTTP span finished, recorded as the [`FINISH_REASON`] tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FinishReason {
    /// The response body was sent (or received) to its end: `complete`.
    Complete,
    /// The response headers were ready and the layer was told not to wait for the body
    /// ([`FinishAt`]): `headers`.
    Headers,
    /// The inner service returned an error instead of a response: `error`.
    Error,
    /// The response body failed part way: `body_error`.
    BodyError,
    /// The response body was dropped before its end, usually because the peer went away:
    /// `client_gone`.
    ClientGone,
    /// The response future was dropped before the response was ready, for example by a
    /// timeout layer or a disconnect: `cancelled`.
    Cancelled,
    /// The inner service, its future or the body panicked: `panic`.
    Panic,
}

impl FinishReason {
    /// The tag value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Headers => "headers",
            Self::Error => "error",
            Self::BodyError => "body_error",
            Self::ClientGone => "client_gone",
            Self::Cancelled => "cancelled",
            Self::Panic => "panic",
        }
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a span finishes, relative to its response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FinishAt {
    /// When the body has been sent (server) or read (client) to its end, fails, or is
    /// dropped. The span's duration then covers the whole exchange.
    #[default]
    BodyEnd,
    /// As soon as the response headers are ready, for endless streams.
    Headers,
    /// At the headers for `text/event-stream` responses, which may never end; at the
    /// body's end for the others. (The layers of this crate finish a `101 Switching
    /// Protocols` answer, such as a WebSocket upgrade, at its headers as `complete`
    /// whatever the setting: it has no body, and what follows on the connection is another
    /// protocol.)
    HeadersForStreams,
}

impl FinishAt {
    /// Whether a response with these headers finishes its span at the headers rather than
    /// at the body's end.
    pub fn finishes_at_headers(self, headers: &HeaderMap) -> bool {
        match self {
            Self::BodyEnd => false,
            Self::Headers => true,
            Self::HeadersForStreams => headers
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.split(';').next())
                .is_some_and(|media| media.trim().eq_ignore_ascii_case("text/event-stream")),
        }
    }
}

/// Owns a span until it finishes, so that it finishes exactly once with a
/// [`FINISH_REASON`]: the one given to [`finish`](Self::finish), or the one given for a drop
/// if the guard is dropped first (a cancelled future, a body dropped half way).
///
/// Errors it records ([`redact`](Self::redact)) never quote the secrets of the request's
/// URL, once told the URL.
#[derive(Debug)]
pub struct FinishGuard {
    span: Span,
    on_drop: FinishReason,
    /// The request's URL, when it has secrets that error texts might quote.
    url: Option<Box<SecretUrl>>,
    /// What a call's end is waited for with (gRPC's, mostly): boxed, so that the guard of
    /// a plain HTTP request stays small.
    end: Option<Box<End>>,
}

/// The end of a call, when it needs more than the reason.
#[derive(Debug, Default)]
struct End {
    /// The classifier waiting for the end of the body, and the span's side.
    classifier: Option<(Arc<dyn Classify>, Side)>,
    /// A gRPC call's deadline, from its `grpc-timeout`.
    deadline: Option<Instant>,
}

/// A URL with secrets, and how to hide them.
struct SecretUrl {
    redactor: UrlRedactor,
    url: UrlText,
}

enum UrlText {
    Uri(Uri),
    Text(Box<str>),
}

impl SecretUrl {
    fn redact_text(&self, text: &str) -> String {
        match &self.url {
            UrlText::Uri(uri) => self.redactor.redact_text(text, &uri.to_string()),
            UrlText::Text(url) => self.redactor.redact_text(text, url),
        }
    }
}

impl fmt::Debug for SecretUrl {
    /// The redacted URL only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match &self.url {
            UrlText::Uri(uri) => self.redactor.redact_uri(uri),
            UrlText::Text(url) => self.redactor.redact(url),
        };
        f.debug_tuple("SecretUrl").field(&url).finish()
    }
}

impl FinishGuard {
    /// Guards `span`, which finishes with `on_drop` if the guard is dropped.
    pub fn new(span: Span, on_drop: FinishReason) -> Self {
        Self {
            span,
            on_drop,
            url: None,
            end: None,
        }
    }

    /// The same guard, hiding the secrets of `url` (the request's) from the texts it
    /// [redacts](Self::redact) as `redactor` hides them from `http.url`. A URL without
    /// userinfo, query or fragment has nothing to hide and is not kept.
    pub fn redacting(self, redactor: &UrlRedactor, url: &str) -> Self {
        if !may_hold_secrets(url) {
            return self;
        }
        self.with_url(redactor, UrlText::Text(url.into()))
    }

    /// [`redacting`](Self::redacting) a request's URI, without formatting it unless an
    /// error needs it.
    pub(crate) fn redacting_uri(self, redactor: &UrlRedactor, uri: &Uri) -> Self {
        let userinfo = uri.authority().is_some_and(|a| a.as_str().contains('@'));
        if uri.query().is_none() && !userinfo {
            return self;
        }
        self.with_url(redactor, UrlText::Uri(uri.clone()))
    }

    fn with_url(mut self, redactor: &UrlRedactor, url: UrlText) -> Self {
        let redactor = redactor.clone();
        self.url = Some(Box::new(SecretUrl { redactor, url }));
        self
    }

    /// `text` (an error message that may quote the request's URL) without the URL's
    /// secrets, cut to [`MAX_TAG_VALUE_LEN`](crate::MAX_TAG_VALUE_LEN) bytes; see
    /// [`UrlRedactor::redact_text`].
    pub fn redact(&self, text: &str) -> String {
        match &self.url {
            Some(secret) => bounded(secret.redact_text(text)),
            None => bounded_copy(text),
        }
    }

    /// Tags the span `error=true` and logs an `error` event with `kind` and the
    /// [redacted](Self::redact) `message`: how every failure of a call is recorded.
    pub fn record_error(&self, kind: &str, message: &str) {
        if self.span.is_recording() {
            crate::classify::record_error(&self.span, kind, &self.redact(message));
        }
    }

    /// Classifies the response by its head with `classifier`, which is told of the end of
    /// the body too (its trailers, through [`TracedBody`](crate::TracedBody) or a
    /// [`finish`](Self::finish) as `complete`) when the head is not enough. Nothing for a
    /// span that records nothing.
    pub fn classify(&mut self, classifier: &Arc<dyn Classify>, head: &ResponseHead<'_>) {
        if !self.span.is_recording() {
            return;
        }
        if classifier.classify_response(head, &self.span) == Classified::AtEnd {
            let end = self.end.get_or_insert_default();
            end.classifier = Some((classifier.clone(), head.side));
        }
    }

    /// The body ended, with `trailers` or without: the classifier waiting for it, if one
    /// is, decides now.
    pub(crate) fn end_of_body(&mut self, trailers: Option<&HeaderMap>) {
        if let Some((classifier, side)) = self.end.as_mut().and_then(|end| end.classifier.take())
            && self.span.is_recording()
        {
            classifier.classify_end(side, trailers, &self.span);
        }
    }

    /// [`record_error`](Self::record_error) for an error, with its type as the kind.
    pub(crate) fn record_failure<E: fmt::Display>(&self, error: &E) {
        if self.span.is_recording() {
            self.record_error(std::any::type_name::<E>(), &error.to_string());
        }
    }

    /// The same guard, counting the call as `DEADLINE_EXCEEDED` if it ends without an answer
    /// (cancelled, or failed) in the last tenth of its `grpc-timeout` or later: the clock of
    /// whatever enforces the deadline (tonic's, before this layer) started a little earlier
    /// than this one.
    pub(crate) fn with_grpc_deadline(mut self, headers: &HeaderMap) -> Self {
        let deadline = grpc::timeout(headers)
            .and_then(|timeout| Instant::now().checked_add(timeout - timeout / 10));
        if deadline.is_some() {
            self.end.get_or_insert_default().deadline = deadline;
        }
        self
    }

    /// The span.
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// The same guard, finishing with `reason` if it is dropped from now on.
    pub fn on_drop(mut self, reason: FinishReason) -> Self {
        self.on_drop = reason;
        self
    }

    /// Finishes the span now, tagged with `reason`; a classifier waiting for the end of the
    /// body hears that it ended without trailers if `reason` is `complete`.
    pub fn finish(mut self, reason: FinishReason) {
        if reason == FinishReason::Complete {
            self.end_of_body(None);
        }
        drop(self.on_drop(reason));
    }
}

impl Drop for FinishGuard {
    fn drop(&mut self) {
        let unanswered = matches!(self.on_drop, FinishReason::Cancelled | FinishReason::Error);
        let deadline = self.end.as_ref().and_then(|end| end.deadline);
        if unanswered && deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            self.span.set_tag(
                grpc::RPC_GRPC_STATUS_CODE,
                i64::from(grpc::DEADLINE_EXCEEDED),
            );
            crate::classify::record_error(&self.span, "DEADLINE_EXCEEDED", "the deadline passed");
        }
        self.span.set_tag(FINISH_REASON, self.on_drop.as_str());
        self.span.finish();
    }
}

/// Runs `f` with the guarded span active. If `f` panics, the span is tagged as an error,
/// finished with [`FinishReason::Panic`], and the panic goes on.
pub(crate) fn run_active<R>(guard: &mut Option<FinishGuard>, f: impl FnOnce() -> R) -> R {
    let Some(active) = guard else { return f() };
    match catch_unwind(AssertUnwindSafe(|| in_span(active.span(), f))) {
        Ok(output) => output,
        Err(panic) => {
            if let Some(guard) = guard.take() {
                guard.finish(FinishReason::Panic);
            }
            resume_unwind(panic)
        }
    }
}
