//! The response future of both layers.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use http::Response;
use http_body::Body;
use pin_project_lite::pin_project;

use crate::body::TracedBody;
use crate::finish::{FinishGuard, FinishReason, run_active};
use crate::response::{RequestHead, ResponseConfig};

pin_project! {
    /// The response future of [`ServerTracing`](crate::ServerTracing) and
    /// [`ClientTracing`](crate::ClientTracing): the span is active on every poll of the inner
    /// future; when the response arrives it is tagged and its body wrapped in a
    /// [`TracedBody`]. An error finishes the span ([`FinishReason::Error`]), and so does
    /// dropping this future before the response ([`FinishReason::Cancelled`]).
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        guard: Option<FinishGuard>,
        config: Arc<ResponseConfig>,
        request: RequestHead,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(
        inner: F,
        guard: Option<FinishGuard>,
        config: Arc<ResponseConfig>,
        request: RequestHead,
    ) -> Self {
        Self {
            inner,
            guard,
            config,
            request,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body,
    E: fmt::Display,
{
    type Output = Result<Response<TracedBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(run_active(this.guard, || this.inner.poll(cx)));
        let guard = this.guard.take();
        Poll::Ready(match (result, guard) {
            (Ok(response), Some(guard)) => {
                Ok(this.config.on_response(response, guard, this.request))
            }
            (Ok(response), None) => {
                Ok(response.map(|body| TracedBody::with_length(body, None, None)))
            }
            (Err(error), guard) => {
                if let Some(guard) = guard {
                    guard.record_failure(&error);
                    guard.finish(FinishReason::Error);
                }
                Err(error)
            }
        })
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("span", &self.guard.as_ref().map(FinishGuard::span))
            .finish_non_exhaustive()
    }
}
