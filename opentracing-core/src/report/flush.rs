//! Flushes: the spans each one waits for, and what became of them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use super::metrics::FlushOutcome;

/// Spans are counted as they are queued, and each takes a position when the worker takes
/// it from the queue; batches settle (send or drop) their positions in any order. A flush
/// waits for the spans queued before it: positions below the count queued then.
#[derive(Debug, Default)]
pub(crate) struct Flushes {
    queued: AtomicU64,
    settled: Mutex<Settled>,
}

#[derive(Debug, Default)]
struct Settled {
    /// Spans settled so far.
    spans: u64,
    watches: Vec<Waiting>,
    next_id: u64,
}

/// One flush: the spans at positions below `end`, and what became of those not settled
/// when it began.
#[derive(Debug)]
struct Waiting {
    id: u64,
    end: u64,
    pending: u64,
    sent: u64,
    dropped: u64,
    done: Option<oneshot::Sender<()>>,
}

impl Flushes {
    /// Counts a span into the queue; call it before the worker can take the span.
    pub(crate) fn queued(&self) {
        self.queued.fetch_add(1, Ordering::AcqRel);
    }

    /// Settles the spans at positions `first..`: `sent` of them sent, then `dropped`.
    pub(crate) fn settle(&self, first: u64, sent: u64, dropped: u64) {
        if sent + dropped == 0 {
            return;
        }
        let mut settled = self.lock();
        settled.spans += sent + dropped;
        let split = first + sent;
        for watch in &mut settled.watches {
            let sent = overlap(first, split, 0, watch.end);
            let dropped = overlap(split, split + dropped, 0, watch.end);
            watch.sent += sent;
            watch.dropped += dropped;
            watch.pending = watch.pending.saturating_sub(sent + dropped);
            if watch.pending == 0
                && let Some(done) = watch.done.take()
            {
                let _ = done.send(());
            }
        }
    }

    /// Starts waiting for the spans queued so far.
    pub(crate) fn watch(self: &Arc<Self>) -> Watch {
        let (done, settled) = oneshot::channel();
        let mut state = self.lock();
        // Read under the lock, after every settle so far: each span settled was queued
        // before, so it holds a position below `end`.
        let end = self.queued.load(Ordering::Acquire);
        let id = state.next_id;
        state.next_id += 1;
        let pending = end.saturating_sub(state.spans);
        let done = (pending > 0).then_some(done);
        state.watches.push(Waiting {
            id,
            end,
            pending,
            sent: 0,
            dropped: 0,
            done,
        });
        Watch {
            flushes: self.clone(),
            id,
            settled,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Settled> {
        self.settled.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The number of positions in both `a..b` and `c..d`.
fn overlap(a: u64, b: u64, c: u64, d: u64) -> u64 {
    b.min(d).saturating_sub(a.max(c))
}

/// A flush's view of its spans; stops watching when dropped.
#[derive(Debug)]
pub(crate) struct Watch {
    flushes: Arc<Flushes>,
    id: u64,
    settled: oneshot::Receiver<()>,
}

impl Watch {
    /// Resolves once every watched span is settled (or the reporter is gone).
    pub(crate) async fn settled(&mut self) {
        let _ = (&mut self.settled).await;
    }

    /// What became of the watched spans so far.
    pub(crate) fn outcome(&self) -> FlushOutcome {
        let state = self.flushes.lock();
        let watch = state.watches.iter().find(|watch| watch.id == self.id);
        watch.map_or_else(FlushOutcome::default, |watch| FlushOutcome {
            sent: watch.sent,
            dropped: watch.dropped,
            pending: watch.pending,
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.flushes
            .lock()
            .watches
            .retain(|watch| watch.id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(watch: &Watch) -> (u64, u64, u64) {
        let outcome = watch.outcome();
        (outcome.sent, outcome.dropped, outcome.pending)
    }

    #[test]
    fn a_watch_counts_only_its_spans_whatever_order_they_settle_in() {
        let flushes = Arc::new(Flushes::default());
        for _ in 0..5 {
            flushes.queued();
        }
        flushes.settle(3, 1, 1); // spans 3 and 4, before the flush
        let mut watch = flushes.watch(); // spans 0, 1 and 2
        for _ in 0..10 {
            flushes.queued(); // after it
        }
        assert_eq!(outcome(&watch), (0, 0, 3));
        flushes.settle(5, 4, 0); // later spans only
        assert_eq!(outcome(&watch), (0, 0, 3));
        flushes.settle(2, 0, 1); // span 2 dropped
        assert_eq!(outcome(&watch), (0, 1, 2));
        flushes.settle(0, 2, 0); // 0 and 1 sent
        assert_eq!(outcome(&watch), (2, 1, 0));
        let waker = futures_waker();
        let mut settled = std::pin::pin!(watch.settled());
        assert!(
            settled
                .as_mut()
                .poll(&mut std::task::Context::from_waker(&waker))
                .is_ready()
        );
    }

    #[test]
    fn a_watch_with_nothing_queued_is_settled_and_dropping_it_forgets_it() {
        let flushes = Arc::new(Flushes::default());
        let watch = flushes.watch();
        assert_eq!(outcome(&watch), (0, 0, 0));
        drop(watch);
        assert!(flushes.lock().watches.is_empty());
    }

    fn futures_waker() -> std::task::Waker {
        struct Nothing;
        impl std::task::Wake for Nothing {
            fn wake(self: Arc<Self>) {}
        }
        std::task::Waker::from(Arc::new(Nothing))
    }

    use std::future::Future;
}
