//! The response body wrapper that finishes the span at the body's end.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::finish::{FinishGuard, FinishReason, record_failure, run_active};

pin_project! {
    /// A response body that finishes its span when the last frame has passed
    /// ([`FinishReason::Complete`]), when a frame fails ([`FinishReason::BodyError`]), or when
    /// it is dropped before the end ([`FinishReason::ClientGone`]). The span is active while
    /// the inner body makes each frame, so a streaming body's own spans nest under it.
    pub struct TracedBody<B> {
        #[pin]
        inner: B,
        guard: Option<FinishGuard>,
    }
}

impl<B> TracedBody<B> {
    /// `inner`, finishing `guard`'s span at its end; with `None`, a plain body.
    pub fn new(inner: B, guard: Option<FinishGuard>) -> Self {
        Self { inner, guard }
    }

    /// The inner body.
    pub fn get_ref(&self) -> &B {
        &self.inner
    }
}

impl<B: Default> Default for TracedBody<B> {
    /// An empty body without a span, for middleware that makes its own responses (such as
    /// a timeout).
    fn default() -> Self {
        Self::new(B::default(), None)
    }
}

impl<B> Body for TracedBody<B>
where
    B: Body,
    B::Error: fmt::Display,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let mut this = self.project();
        let frame = run_active(this.guard, || this.inner.as_mut().poll_frame(cx));
        let reason = match &frame {
            Poll::Pending => return frame,
            Poll::Ready(None) => FinishReason::Complete,
            Poll::Ready(Some(Ok(_))) if this.inner.is_end_stream() => FinishReason::Complete,
            Poll::Ready(Some(Ok(_))) => return frame,
            Poll::Ready(Some(Err(error))) => {
                if let Some(guard) = this.guard {
                    record_failure(guard.span(), error);
                }
                FinishReason::BodyError
            }
        };
        if let Some(guard) = this.guard.take() {
            guard.finish(reason);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B: fmt::Debug> fmt::Debug for TracedBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracedBody")
            .field("inner", &self.inner)
            .field("span", &self.guard.as_ref().map(FinishGuard::span))
            .finish()
    }
}
