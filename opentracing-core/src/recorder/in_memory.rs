//! A recorder that keeps spans in memory.

use std::sync::{Mutex, MutexGuard, PoisonError};

use super::Recorder;
use crate::finished::FinishedSpan;

/// A recorder that keeps every span in memory, in finish order: for tests, demos and the
/// terminal waterfall. It grows without bound, so call [`take`](Self::take) or
/// [`clear`](Self::clear) in long-running use.
#[derive(Debug, Default)]
pub struct InMemoryRecorder {
    spans: Mutex<Vec<FinishedSpan>>,
}

impl InMemoryRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the recorded spans, in finish order.
    pub fn spans(&self) -> Vec<FinishedSpan> {
        self.lock().clone()
    }

    /// Removes and returns the recorded spans.
    pub fn take(&self) -> Vec<FinishedSpan> {
        std::mem::take(&mut *self.lock())
    }

    /// Forgets the recorded spans.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> MutexGuard<'_, Vec<FinishedSpan>> {
        self.spans.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Recorder for InMemoryRecorder {
    fn record(&self, span: FinishedSpan) {
        self.lock().push(span);
    }

    fn supports_shared_spans(&self) -> bool {
        true
    }
}
