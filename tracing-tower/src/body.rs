//! The response body wrapper that finishes the span at the body's end.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Buf;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::finish::{FinishGuard, FinishReason, run_active};

pin_project! {
    /// A response body that finishes its span at its end ([`FinishReason::Complete`]): when
    /// the last frame has passed, or when as many bytes as its known length have (a server
    /// stops polling then). Trailers are shown to the classifier when it asked for them
    /// ([`Classified::AtEnd`](crate::classify::Classified::AtEnd)). It finishes with
    /// [`FinishReason::BodyError`] when a frame fails, and [`FinishReason::ClientGone`] when
    /// dropped before its end. Until then the span is active while the inner body makes
    /// each frame, so a streaming body's own spans nest under it.
    pub struct TracedBody<B> {
        #[pin]
        inner: B,
        guard: Option<FinishGuard>,
        // Bytes still to come when the length is known.
        remaining: Option<u64>,
    }
}

impl<B: Body> TracedBody<B> {
    /// `inner`, finishing `guard`'s span at its end; with `None`, a plain body. The length
    /// is taken from the body's exact size hint.
    pub fn new(inner: B, guard: Option<FinishGuard>) -> Self {
        let remaining = inner.size_hint().exact();
        Self::with_length(inner, guard, remaining)
    }
}

impl<B> TracedBody<B> {
    /// `inner` of `length` bytes (from a `content-length` header, say), finishing `guard`'s
    /// span once they have passed.
    pub fn with_length(inner: B, guard: Option<FinishGuard>, length: Option<u64>) -> Self {
        Self {
            inner,
            guard,
            remaining: length,
        }
    }

    /// The inner body.
    pub fn get_ref(&self) -> &B {
        &self.inner
    }

    /// The inner body, mutably.
    pub fn get_mut(&mut self) -> &mut B {
        &mut self.inner
    }
}

impl<B: Default> Default for TracedBody<B> {
    /// An empty body without a span, for middleware that makes its own responses (such as
    /// a timeout).
    fn default() -> Self {
        Self::with_length(B::default(), None, None)
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
            Poll::Ready(Some(Ok(frame_in))) => {
                if let (Some(remaining), Some(data)) =
                    (this.remaining.as_mut(), frame_in.data_ref())
                {
                    *remaining = remaining.saturating_sub(data.remaining() as u64);
                }
                if let (Some(guard), Some(trailers)) =
                    (this.guard.as_mut(), frame_in.trailers_ref())
                {
                    guard.end_of_body(Some(trailers));
                }
                if *this.remaining != Some(0) && !this.inner.is_end_stream() {
                    return frame;
                }
                FinishReason::Complete
            }
            Poll::Ready(Some(Err(error))) => {
                if let Some(guard) = this.guard {
                    guard.record_failure(error);
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
