//! One batch's way to the collector: encoded into messages no larger than allowed, each
//! sent and retried until it is accepted, refused, out of retry time or stopped by a
//! shutdown; every span settled once, whatever happens.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use super::encoder::Encoder;
use super::error::{ExportError, ExportErrorKind};
use super::health::Health;
use super::metrics::DropReason;
use super::reporter::{State, lock};
use super::retry::{Backoff, RetryPolicy, Verdict, verdict};
use super::sender::Sender;
use crate::finished::FinishedSpan;

/// Spans taken from the queue together, with the position of the first.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) first: u64,
    pub(crate) spans: Vec<FinishedSpan>,
    /// Their estimated bytes, held in the queue's bound until they are settled.
    pub(crate) bytes: usize,
}

/// What sends batches: shared by the exports in flight.
pub(crate) struct Exporter<E> {
    pub(crate) state: Arc<State>,
    pub(crate) sender: Sender,
    pub(crate) encoder: E,
    pub(crate) health: Health,
    pub(crate) policy: RetryPolicy,
    pub(crate) max_message_bytes: usize,
}

/// How a message ended.
enum Delivery {
    Accepted(Vec<u8>),
    TooLarge(ExportError),
    Dropped(DropReason, Option<ExportError>),
}

impl<E: Encoder> Exporter<E> {
    /// Sends `batch`, each message ending by `deadline` if one is given; the permit is
    /// held until every span is settled. The returned future owns the spans from the
    /// start: dropped before it runs, it counts them all as dropped at shutdown.
    pub(crate) fn export(
        self: Arc<Self>,
        batch: Batch,
        deadline: Option<Instant>,
        permit: OwnedSemaphorePermit,
    ) -> impl std::future::Future<Output = ()> + Send + 'static
    where
        E: Send + Sync + 'static,
    {
        let unsettled = Unsettled {
            state: self.state.clone(),
            next: batch.first,
            left: batch.spans.len() as u64,
            bytes: batch.bytes,
        };
        self.send_batch(batch, unsettled, deadline, permit)
    }

    async fn send_batch(
        self: Arc<Self>,
        batch: Batch,
        mut unsettled: Unsettled,
        deadline: Option<Instant>,
        permit: OwnedSemaphorePermit,
    ) {
        // Messages in order: the last pushed goes first.
        let mut pending = vec![batch.spans];
        while let Some(spans) = pending.pop() {
            let count = spans.len() as u64;
            let mut body = Vec::with_capacity(batch.bytes.min(self.max_message_bytes));
            self.encoder.encode(&spans, &mut body);
            if body.len() > self.max_message_bytes && spans.len() > 1 {
                split(spans, &mut pending);
                continue;
            }
            if body.len() > self.max_message_bytes {
                unsettled.settle(0, count, Some(DropReason::Encoding));
                continue;
            }
            let bytes = body.len() as u64;
            let delivery = match self.sender.prepare(body) {
                Ok(body) => self.deliver(body, deadline).await,
                Err(error) => Delivery::Dropped(DropReason::Encoding, Some(error)),
            };
            match delivery {
                Delivery::Accepted(answer) => {
                    let rejection = self.encoder.rejection(&answer);
                    let rejected = rejection.spans.min(count);
                    if rejected > 0 {
                        let kind = ExportErrorKind::Rejected {
                            rejected,
                            spans: count,
                        };
                        let error = ExportError::new(kind)
                            .with_message(rejection.message.as_deref().unwrap_or_default());
                        *lock(&self.state.last_error) = Some(error);
                    }
                    self.state.counters.sent(count - rejected, bytes);
                    // Told before the spans settle: a flush waiting on them sees it all.
                    self.health.succeeded(self.state.counters.dropped_total());
                    unsettled.settle(count - rejected, rejected, Some(DropReason::Rejected));
                }
                Delivery::TooLarge(_) if spans.len() > 1 => split(spans, &mut pending),
                Delivery::TooLarge(error) => {
                    self.give_up(&mut unsettled, DropReason::Rejected, Some(error), count)
                }
                Delivery::Dropped(reason, error) => {
                    self.give_up(&mut unsettled, reason, error, count)
                }
            }
        }
        drop(permit);
    }

    /// Drops a message's `count` spans for `reason`, keeping `error` as the last one.
    fn give_up(
        &self,
        unsettled: &mut Unsettled,
        reason: DropReason,
        error: Option<ExportError>,
        count: u64,
    ) {
        if let Some(error) = error {
            *lock(&self.state.last_error) = Some(error);
        }
        self.state.counters.given_up();
        unsettled.settle(0, count, Some(reason));
    }

    /// Sends one message until it is accepted, refused, out of retry time, or stopped.
    async fn deliver(&self, body: Bytes, deadline: Option<Instant>) -> Delivery {
        let mut backoff = Backoff::new(self.policy);
        loop {
            if self.stopped(deadline) {
                return Delivery::Dropped(DropReason::Shutdown, None);
            }
            self.state.counters.attempted();
            let error = match self.exchange(body.clone(), deadline).await {
                Ok(answer) => return Delivery::Accepted(answer),
                // Cut short by the shutdown: not the collector's failure.
                Err(error) if self.stopped(deadline) => {
                    return Delivery::Dropped(DropReason::Shutdown, Some(error));
                }
                Err(error) => error,
            };
            self.health
                .failed(&error, self.state.counters.dropped_total());
            let (rate_limited, next_attempt) = match verdict(&error) {
                Verdict::Split => return Delivery::TooLarge(error),
                Verdict::Drop(reason) => return Delivery::Dropped(reason, Some(error)),
                Verdict::Retry { rate_limited } => {
                    (rate_limited, backoff.next_attempt(error.retry_after()))
                }
            };
            let Some(next_attempt) = next_attempt else {
                let reason = if rate_limited {
                    DropReason::RateLimited
                } else {
                    DropReason::SendFailure
                };
                return Delivery::Dropped(reason, Some(error));
            };
            *lock(&self.state.last_error) = Some(error);
            let wait = next_attempt.saturating_duration_since(Instant::now());
            let _waiting = self.state.counters.retry_wait(wait);
            // A shutdown cuts the wait short: the message is tried again by its deadline.
            let stopping = self.state.stopping.notified();
            tokio::pin!(stopping);
            stopping.as_mut().enable();
            match deadline.or(self.state.shutdown_deadline()) {
                Some(stop_by) => tokio::time::sleep_until(next_attempt.min(stop_by)).await,
                None => tokio::select! {
                    () = tokio::time::sleep_until(next_attempt) => {}
                    () = stopping => {}
                },
            }
        }
    }

    /// Whether the shutdown deadline has passed.
    fn stopped(&self, deadline: Option<Instant>) -> bool {
        let stop_by = deadline.or(self.state.shutdown_deadline());
        stop_by.is_some_and(|stop_by| Instant::now() >= stop_by)
    }

    /// One attempt, ending by the shutdown deadline if a shutdown is asked for meanwhile.
    async fn exchange(
        &self,
        body: Bytes,
        stop_by: Option<Instant>,
    ) -> Result<Vec<u8>, ExportError> {
        // Listening before reading the deadline, so a shutdown in between is not missed.
        let stopping = self.state.stopping.notified();
        tokio::pin!(stopping);
        stopping.as_mut().enable();
        let stop_by = stop_by.or(self.state.shutdown_deadline());
        let exchange = self.sender.post(body, stop_by);
        tokio::pin!(exchange);
        tokio::select! {
            result = &mut exchange => result,
            () = stopping, if stop_by.is_none() => {
                let stop_by = self.state.shutdown_deadline().unwrap_or_else(Instant::now);
                let bounded = tokio::time::timeout_at(stop_by, exchange).await;
                bounded.unwrap_or_else(|_| Err(ExportError::new(ExportErrorKind::Timeout)))
            }
        }
    }
}

/// Splits `spans` in two messages, to go in order.
fn split(mut spans: Vec<FinishedSpan>, pending: &mut Vec<Vec<FinishedSpan>>) {
    let second = spans.split_off(spans.len() / 2);
    pending.push(second);
    pending.push(spans);
}

/// A batch's spans not yet settled, in position order; dropped with some left (the export
/// stopped by a shutdown or its runtime going away), it counts them as dropped at shutdown.
/// It holds the batch's bytes in the queue's bound until then.
struct Unsettled {
    state: Arc<State>,
    next: u64,
    left: u64,
    bytes: usize,
}

impl Unsettled {
    /// Settles the next `sent + dropped` spans, the dropped ones for `reason`.
    fn settle(&mut self, sent: u64, dropped: u64, reason: Option<DropReason>) {
        if let Some(reason) = reason.filter(|_| dropped > 0) {
            self.state.counters.dropped(reason, dropped);
        }
        self.state.counters.queued(-((sent + dropped) as i64));
        self.state.flushes.settle(self.next, sent, dropped);
        self.next += sent + dropped;
        self.left -= sent + dropped;
    }
}

impl Drop for Unsettled {
    fn drop(&mut self) {
        if self.left > 0 {
            self.settle(0, self.left, Some(DropReason::Shutdown));
        }
        self.state
            .queued_bytes
            .fetch_sub(self.bytes, std::sync::atomic::Ordering::AcqRel);
    }
}
