//! Response classification: whether a finished exchange is an error, and what its span is
//! tagged with, decided from the response head and, when the answer comes at the end of
//! the body (gRPC's status in the trailers), from the trailers.

use std::fmt;

use http::{HeaderMap, Method, StatusCode, Uri};
use opentracing_core::{Span, logs, tags};

use crate::bound::bounded_copy;
use crate::grpc;

/// Which end of the exchange a span records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Side {
    /// The server layer's span.
    Server,
    /// A client's span (the client layer, tracing-reqwest).
    Client,
}

/// The protocol of a request, told by its headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// Plain HTTP.
    #[default]
    Http,
    /// gRPC: `content-type: application/grpc`.
    Grpc,
}

impl Protocol {
    /// The protocol of a request with this method and these headers (gRPC calls are
    /// `POST`s).
    pub fn of(method: &Method, headers: &HeaderMap) -> Self {
        if method == Method::POST && grpc::is_grpc(headers) {
            Self::Grpc
        } else {
            Self::Http
        }
    }
}

/// A response's head, with what a classifier may want of its request.
#[derive(Debug)]
#[non_exhaustive]
pub struct ResponseHead<'a> {
    /// Which end the span records.
    pub side: Side,
    /// The request's protocol.
    pub protocol: Protocol,
    /// The request's method.
    pub method: &'a Method,
    /// The request's URI, as the server received it or the client sent it, when the
    /// classifier [asks for it](Classify::wants_uri).
    pub uri: Option<&'a Uri>,
    /// The response's status.
    pub status: StatusCode,
    /// The response's headers.
    pub headers: &'a HeaderMap,
}

impl<'a> ResponseHead<'a> {
    /// The head of a response to `method` `uri` over `protocol`, for clients of your own
    /// that classify with [`FinishGuard::classify`](crate::http_span::FinishGuard::classify).
    pub fn new(
        side: Side,
        protocol: Protocol,
        method: &'a Method,
        uri: Option<&'a Uri>,
        status: StatusCode,
        headers: &'a HeaderMap,
    ) -> Self {
        Self {
            side,
            protocol,
            method,
            uri,
            status,
            headers,
        }
    }
}

/// Whether a classifier has decided at the head, or waits for the end of the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Classified {
    /// Decided: nothing more to look at.
    Done,
    /// The answer comes at the end of the body: call
    /// [`classify_end`](Classify::classify_end) with the trailers then.
    AtEnd,
}

/// Decides, from a response, whether its span is an error and what to tag: a hook of the
/// server layer, the client layer and tracing-reqwest, which all use
/// [`DefaultClassifier`] unless given another. A failed call (the service's or the
/// client's error, a failed body) is recorded by the layers themselves.
///
/// A classifier that treats `404` as no error for one route:
///
/// ```
/// use http::{Method, Request, Response, StatusCode};
/// use opentracing_core::{MockTracer, Span, tags};
/// use tower::{Layer, ServiceExt};
/// use tracing_tower::ServerTracingLayer;
/// use tracing_tower::classify::{Classified, Classify, DefaultClassifier, ResponseHead};
///
/// /// A lookup that finds nothing is an answer, not a failure.
/// #[derive(Debug)]
/// struct NotFoundIsAnAnswer;
///
/// impl Classify for NotFoundIsAnAnswer {
///     fn classify_response(&self, head: &ResponseHead<'_>, span: &Span) -> Classified {
///         let user = head.uri.is_some_and(|uri| uri.path().starts_with("/users/"));
///         if head.status == StatusCode::NOT_FOUND && user {
///             span.set_tag(tags::HTTP_STATUS_CODE, 404);
///             return Classified::Done;
///         }
///         DefaultClassifier.classify_response(head, span)
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let tracer = MockTracer::new();
/// let service = ServerTracingLayer::new(tracer.clone())
///     .classify_with(NotFoundIsAnAnswer)
///     .layer(tower::service_fn(|_: Request<String>| async {
///         let mut response = Response::new(String::new());
///         *response.status_mut() = StatusCode::NOT_FOUND;
///         Ok::<_, std::convert::Infallible>(response)
///     }));
/// service.oneshot(Request::get("/users/7").body(String::new()).unwrap()).await.unwrap();
/// let span = &tracer.finished_spans()[0];
/// assert_eq!(span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()), Some(404));
/// assert_eq!(span.tag(tags::ERROR), None);
/// # }
/// ```
pub trait Classify: fmt::Debug + Send + Sync + 'static {
    /// Tags `span` from the response head, marks it an error if it is one, and says whether
    /// the end of the body is needed too.
    fn classify_response(&self, head: &ResponseHead<'_>, span: &Span) -> Classified;

    /// The end of a response whose head asked for it ([`Classified::AtEnd`]): its trailers,
    /// or `None` when the body ended without any. Not called when the body fails or is
    /// dropped before its end (the span's [`finish.reason`](crate::FINISH_REASON) says so).
    fn classify_end(&self, side: Side, trailers: Option<&HeaderMap>, span: &Span) {
        let _ = (side, trailers, span);
    }

    /// Whether [`ResponseHead::uri`] is wanted; `true` unless a classifier says otherwise
    /// (keeping the URI until the response costs a copy per request).
    fn wants_uri(&self) -> bool {
        true
    }
}

/// The layers' classifier: [`GrpcClassifier`] for gRPC requests, [`HttpClassifier`] for
/// the others.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultClassifier;

impl Classify for DefaultClassifier {
    fn wants_uri(&self) -> bool {
        false
    }

    fn classify_response(&self, head: &ResponseHead<'_>, span: &Span) -> Classified {
        match head.protocol {
            Protocol::Grpc => GrpcClassifier.classify_response(head, span),
            Protocol::Http => HttpClassifier.classify_response(head, span),
        }
    }

    fn classify_end(&self, side: Side, trailers: Option<&HeaderMap>, span: &Span) {
        GrpcClassifier.classify_end(side, trailers, span);
    }
}

/// HTTP by its status, as OpenTelemetry's HTTP conventions have it: tags
/// `http.status_code`; a server's span is an error for a `5xx`, a client's for a `4xx` or
/// `5xx`, each with an `error` log of the status.
#[derive(Clone, Copy, Debug, Default)]
pub struct HttpClassifier;

impl Classify for HttpClassifier {
    fn wants_uri(&self) -> bool {
        false
    }

    fn classify_response(&self, head: &ResponseHead<'_>, span: &Span) -> Classified {
        let status = head.status;
        span.set_tag(tags::HTTP_STATUS_CODE, i64::from(status.as_u16()));
        let error = match head.side {
            Side::Server => status.is_server_error(),
            Side::Client => status.is_client_error() || status.is_server_error(),
        };
        if error {
            record_error(span, "http", &status.to_string());
        }
        Classified::Done
    }
}

/// gRPC by its status, from the response headers (a trailers-only answer) or else from
/// the trailers: tags `rpc.grpc.status_code`; a client's span is an error for any status
/// but `OK`, a server's for the codes OpenTelemetry's RPC conventions count as the
/// server's (`UNKNOWN`, `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE`,
/// `DATA_LOSS`). `grpc-message` is logged with the status name. An answer that is not
/// `200` and carries no status takes the one gRPC maps its HTTP status to; one whose body
/// ends without a status is `UNKNOWN`.
#[derive(Clone, Copy, Debug, Default)]
pub struct GrpcClassifier;

impl Classify for GrpcClassifier {
    fn wants_uri(&self) -> bool {
        false
    }

    fn classify_response(&self, head: &ResponseHead<'_>, span: &Span) -> Classified {
        if let Some(code) = grpc::status(head.headers) {
            grpc_status(head.side, code, grpc::message(head.headers), span);
            return Classified::Done;
        }
        if head.status != StatusCode::OK {
            span.set_tag(tags::HTTP_STATUS_CODE, i64::from(head.status.as_u16()));
            let code = grpc::status_of_http(head.status);
            grpc_status(head.side, code, None, span);
            return Classified::Done;
        }
        Classified::AtEnd
    }

    fn classify_end(&self, side: Side, trailers: Option<&HeaderMap>, span: &Span) {
        match trailers.and_then(grpc::status) {
            Some(code) => grpc_status(side, code, trailers.and_then(grpc::message), span),
            None => grpc_status(side, grpc::UNKNOWN, None, span),
        }
    }
}

/// Tags a call's status, marks the span as the side's rules say, and logs the message.
fn grpc_status(side: Side, code: u32, message: Option<String>, span: &Span) {
    span.set_tag(grpc::RPC_GRPC_STATUS_CODE, i64::from(code));
    if code == 0 {
        return;
    }
    let error = match side {
        Side::Client => true,
        Side::Server => grpc::is_server_error(code),
    };
    let name = grpc::code_name(code);
    let text = match &message {
        Some(message) if !message.is_empty() => format!("{name}: {message}"),
        _ => name.to_owned(),
    };
    if error {
        record_error(span, name, &text);
    } else {
        span.log_kv([
            (logs::EVENT, "grpc status".to_owned()),
            (logs::MESSAGE, text),
        ]);
    }
}

/// Tags `span` `error=true` and logs an `error` event with `kind` and `message` (cut to
/// [`MAX_TAG_VALUE_LEN`](crate::MAX_TAG_VALUE_LEN) bytes): how the layers record every
/// failure, for classifiers of your own.
pub fn record_error(span: &Span, kind: &str, message: &str) {
    if span.is_recording() {
        span.set_tag(tags::ERROR, true).log_kv([
            (logs::EVENT, "error".to_owned()),
            (logs::ERROR_KIND, kind.to_owned()),
            (logs::MESSAGE, bounded_copy(message)),
        ]);
    }
}
