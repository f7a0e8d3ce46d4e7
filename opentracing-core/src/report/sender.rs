//! One HTTP POST to the collector.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::time::Instant;

use super::compression::Compression;
use super::connector::Connector;
use super::error::{ExportError, ExportErrorKind};

/// The largest collector answer read; the rest is ignored.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Posts encoded batches to one endpoint, one at a time, with a timeout.
pub(crate) struct Sender {
    client: Client<Connector, Full<Bytes>>,
    endpoint: Uri,
    /// Every request's headers: the content type, the user's (API keys), `b3: 0`.
    headers: HeaderMap,
    compression: Compression,
    timeout: Duration,
}

/// How each request is made, besides its endpoint.
pub(crate) struct Posting {
    pub(crate) content_type: &'static str,
    pub(crate) headers: HeaderMap,
    pub(crate) compression: Compression,
    pub(crate) timeout: Duration,
}

impl Sender {
    pub(crate) fn new(endpoint: Uri, connector: Connector, posting: Posting) -> Self {
        let mut headers = posting.headers;
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(posting.content_type));
        if let Some(encoding) = posting.compression.content_encoding() {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        // A traced collector must not trace the reporter's own requests.
        headers.insert("b3", HeaderValue::from_static("0"));
        Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            endpoint,
            headers,
            compression: posting.compression,
            timeout: posting.timeout,
        }
    }

    /// Posts `body` (compressed as configured) and returns the collector's answer; any
    /// status but 2xx is a failure.
    pub(crate) async fn send(
        &self,
        body: Vec<u8>,
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, ExportError> {
        let body = self
            .compression
            .compress(body)
            .map_err(|error| ExportError::caused(ExportErrorKind::Compression, error))?;
        let mut request = Request::new(Full::new(Bytes::from(body)));
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
            // Read (a bounded part of) the answer: the encoding may need it, and the
            // connection can then be reused.
            let mut body = response.into_body();
            let mut answer = Vec::new();
            while answer.len() < MAX_ANSWER_BYTES {
                match body.frame().await {
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            answer.extend_from_slice(data);
                        }
                    }
                    _ => break,
                }
            }
            if status.is_success() {
                Ok(answer)
            } else {
                Err(ExportError::new(ExportErrorKind::Status(status)))
            }
        };
        let timeout_at = super::reporter::after(self.timeout);
        let timeout_at = deadline.map_or(timeout_at, |deadline| deadline.min(timeout_at));
        tokio::time::timeout_at(timeout_at, exchange)
            .await
            .unwrap_or_else(|_| Err(ExportError::new(ExportErrorKind::Timeout)))
    }
}
