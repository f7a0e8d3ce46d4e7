//! One HTTP POST, or one gRPC call, to the collector.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderValue, RETRY_AFTER, TE};
use http::uri::PathAndQuery;
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::time::Instant;

use super::compression::Compression;
use super::connector::Connector;
use super::error::{ExportError, ExportErrorKind};
use super::grpc;

/// The largest collector answer read; the rest is ignored.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Posts encoded batches to one endpoint, each with a timeout; several may be in flight.
pub(crate) struct Sender {
    client: Client<Connector, Full<Bytes>>,
    endpoint: Uri,
    /// Every request's headers: the content type, the user's (API keys), `b3: 0`.
    headers: HeaderMap,
    compression: Compression,
    timeout: Duration,
    /// Batches go as gRPC calls (HTTP/2, framed, status in the trailers).
    grpc: bool,
}

/// How each request is made, besides its endpoint.
pub(crate) struct Posting {
    pub(crate) content_type: &'static str,
    pub(crate) headers: HeaderMap,
    pub(crate) compression: Compression,
    pub(crate) timeout: Duration,
    /// The gRPC method called, for an encoding sent over gRPC.
    pub(crate) grpc_method: Option<&'static str>,
}

impl Sender {
    /// A sender to `endpoint`; for gRPC, its path is replaced by the method's.
    pub(crate) fn new(endpoint: Uri, connector: Connector, posting: Posting) -> Self {
        let mut headers = posting.headers;
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(posting.content_type));
        let grpc = posting.grpc_method.is_some();
        if let Some(encoding) = posting.compression.content_encoding() {
            let name = if grpc {
                http::HeaderName::from_static("grpc-encoding")
            } else {
                CONTENT_ENCODING
            };
            headers.insert(name, HeaderValue::from_static(encoding));
        }
        let mut endpoint = endpoint;
        if let Some(method) = posting.grpc_method {
            headers.insert(TE, HeaderValue::from_static("trailers"));
            let mut parts = endpoint.clone().into_parts();
            parts.path_and_query = Some(PathAndQuery::from_static(method));
            endpoint = Uri::from_parts(parts).unwrap_or(endpoint);
        }
        // A traced collector must not trace the reporter's own requests.
        headers.insert("b3", HeaderValue::from_static("0"));
        Self {
            client: Client::builder(TokioExecutor::new())
                .http2_only(grpc)
                .build(connector),
            endpoint,
            headers,
            compression: posting.compression,
            timeout: posting.timeout,
            grpc,
        }
    }

    /// `body` as it goes on the wire: compressed as configured, framed for gRPC.
    pub(crate) fn prepare(&self, body: Vec<u8>) -> Result<Bytes, ExportError> {
        let body = self
            .compression
            .compress(body)
            .map_err(|error| ExportError::caused(ExportErrorKind::Compression, error))?;
        Ok(Bytes::from(if self.grpc {
            grpc::frame(&body, self.compression.content_encoding().is_some())
        } else {
            body
        }))
    }

    /// Posts a prepared body and returns the collector's answer, ending by `deadline` if
    /// one is given; any status but 2xx, or for gRPC any `grpc-status` but `OK`, is a
    /// failure that keeps what the collector said and how long it asked us to wait.
    pub(crate) async fn post(
        &self,
        body: Bytes,
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, ExportError> {
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.endpoint.clone();
        *request.headers_mut() = self.headers.clone();
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(ExportError::unreachable)?;
            let status = response.status();
            let retry_after = retry_after(response.headers());
            let protobuf = response
                .headers()
                .get(CONTENT_TYPE)
                .is_some_and(|value| value.as_bytes().starts_with(b"application/x-protobuf"));
            let mut grpc_fields = response.headers().clone();
            // Read (a bounded part of) the answer: the encoding may need it, gRPC's status
            // follows it in the trailers, and the connection can then be reused.
            let mut body = response.into_body();
            let mut answer = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = match frame {
                    Ok(frame) => frame,
                    // The status is in the trailers: without them, the call's fate is unknown.
                    Err(error) if self.grpc => return Err(ExportError::unreachable(error)),
                    Err(_) => break,
                };
                if let Some(data) = frame.data_ref() {
                    let room = MAX_ANSWER_BYTES.saturating_sub(answer.len());
                    answer.extend_from_slice(&data[..data.len().min(room)]);
                    if !self.grpc && answer.len() >= MAX_ANSWER_BYTES {
                        break;
                    }
                } else if let Some(trailers) = frame.trailers_ref() {
                    grpc_fields.extend(trailers.clone());
                }
            }
            if !status.is_success() {
                // OTLP/HTTP answers a failure with a `google.rpc.Status`, in the request's
                // encoding; other collectors with text.
                let message = match protobuf {
                    true => grpc::status_message(&answer).unwrap_or_default(),
                    false => String::from_utf8_lossy(&answer).into_owned(),
                };
                let error = ExportError::new(ExportErrorKind::Status(status));
                return Err(error.with_message(&message).with_retry_after(retry_after));
            }
            if !self.grpc {
                return Ok(answer);
            }
            // No status at all is an error, as gRPC clients take it.
            match grpc::status(&grpc_fields).unwrap_or(grpc::UNKNOWN) {
                grpc::OK => Ok(grpc::unframe(&answer).unwrap_or_default().to_vec()),
                code => Err(ExportError::new(ExportErrorKind::GrpcStatus(code))
                    .with_message(&grpc::message(&grpc_fields))
                    .with_retry_after(grpc::retry_delay(&grpc_fields))),
            }
        };
        let timeout_at = super::reporter::after(self.timeout);
        let timeout_at = deadline.map_or(timeout_at, |deadline| deadline.min(timeout_at));
        tokio::time::timeout_at(timeout_at, exchange)
            .await
            .unwrap_or_else(|_| Err(ExportError::new(ExportErrorKind::Timeout)))
    }
}

/// `Retry-After`, in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    match value.parse::<u64>() {
        Ok(seconds) => Some(Duration::from_secs(seconds)),
        Err(_) => httpdate::parse_http_date(value)
            .ok()?
            .duration_since(std::time::SystemTime::now())
            .ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = std::time::SystemTime::now() + Duration::from_secs(120);
        headers.insert(RETRY_AFTER, httpdate::fmt_http_date(later).parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None, "a date passed");
    }
}
