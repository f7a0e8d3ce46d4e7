//! The reporter: a bounded queue in front of a background worker that batches spans and
//! hands each batch to an export, a few at a time.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Uri};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::compression::Compression;
use super::connector::connector;
use super::encoder::Encoder;
use super::error::{ExportError, StartError};
use super::export::{Batch, Exporter};
use super::flush::{Flushes, Watch};
use super::health::Health;
use super::metrics::{Counters, DropReason, FlushOutcome, ReporterMetrics};
use super::retry::RetryPolicy;
use super::sender::{Posting, Sender};
#[cfg(feature = "tls")]
use super::tls::TlsConfig;
use crate::finished::FinishedSpan;
use crate::recorder::Recorder;

/// Where the reporter's background work runs; there is no default, so that a reporter never
/// looks for a runtime that is not there.
#[derive(Debug)]
#[non_exhaustive]
pub enum Executor {
    /// A thread of its own, named `opentracing-reporter`, with a single-threaded tokio
    /// runtime.
    OwnThread,
    /// A task on this tokio runtime, which must have its time and I/O drivers on
    /// (`enable_all`, as `#[tokio::main]` does).
    Tokio(tokio::runtime::Handle),
}

/// Sends finished spans to a collector in batches, without ever making the service wait.
///
/// - [`report`](Self::report) (and [`Recorder::record`]) never blocks and never waits for a
///   lock held across I/O: the span joins a bounded queue (by count and by estimated bytes)
///   or, when the queue is full or the reporter is shut down, is dropped and counted.
/// - One background task wakes when `max_batch_spans` spans are queued, every
///   `batch_delay`, or on a command, and sends what is queued in messages of at most
///   `max_batch_spans` spans and `max_batch_bytes` bytes, up to `max_concurrent_requests`
///   (8) at a time, each with a timeout.
/// - A message that failed for a transient reason (no connection, a timeout, HTTP 429,
///   502, 503 or 504, gRPC `UNAVAILABLE` and the like) is tried again after an exponential
///   backoff with jitter, or after the wait the collector asked for (`Retry-After`), for up
///   to `retry_timeout` (60 s). Its spans keep their place in the queue's bounds meanwhile:
///   when the queue is full, the newest spans are the ones dropped (the service never waits,
///   and the spans already batched stay whole). Any other refusal drops the message at
///   once. Every drop is counted by reason ([`ReporterMetrics`]); failures are told through
///   the `log` facade: the first after a success, then one line a minute while they go on.
/// - [`flush`](Self::flush) sends everything queued before it, and returns by its deadline
///   with what it could not send; [`shutdown`](Self::shutdown) sends what is left within a
///   time limit and counts the rest. Neither starts a thread: the deadlines are kept by
///   the runtime the reporter runs on.
/// - Its own requests carry `b3: 0` and are made with a plain HTTP client, never a traced one.
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
/// use opentracing_core::reference::ReferenceTracer;
/// use opentracing_core::report::{Executor, Otlp, Reporter};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let reporter = Reporter::builder("http://127.0.0.1:4318/v1/traces".parse()?, Otlp::new("shop"))
///     .start(Executor::OwnThread)?;
/// let tracer = ReferenceTracer::new("shop", Arc::new(reporter.clone()));
/// // ... serve requests ...
/// let metrics = reporter.shutdown_blocking(Duration::from_secs(5));
/// assert_eq!(metrics.dropped(), 0);
/// # drop(tracer);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Reporter {
    handle: Arc<Handle>,
}

/// What the reporting side holds: when the last one goes, the worker sends what is left
/// and stops.
struct Handle {
    // Fields drop in order: the queue's sender before the commands' one, so the worker
    // finds the queue closed when it sees the commands close.
    spans: mpsc::Sender<(FinishedSpan, usize)>,
    control: mpsc::UnboundedSender<Control>,
    closed: AtomicBool,
    max_queue_spans: u64,
    max_queue_bytes: usize,
    max_batch_spans: u64,
    shared_spans: bool,
    state: Arc<State>,
    /// The runtime the worker runs on, for the flush deadlines.
    runtime: tokio::runtime::Handle,
}

/// What the reporting side, the worker and the exports share.
#[derive(Default)]
pub(crate) struct State {
    /// Estimated bytes of the spans held (queued, batched, in flight, waiting to retry).
    pub(crate) queued_bytes: AtomicUsize,
    pub(crate) counters: Counters,
    pub(crate) flushes: Arc<Flushes>,
    pub(crate) last_error: Mutex<Option<ExportError>>,
    /// The shutdown deadline, once a shutdown is asked for: a request in flight then ends
    /// by it too.
    pub(crate) stop_by: Mutex<Option<Instant>>,
    pub(crate) stopping: Notify,
    /// Rung when a batch's worth of spans is queued.
    batch_ready: Notify,
}

impl State {
    /// The shutdown deadline, once a shutdown is asked for.
    pub(crate) fn shutdown_deadline(&self) -> Option<Instant> {
        *lock(&self.stop_by)
    }
}

enum Control {
    Flush,
    Shutdown(Instant, oneshot::Sender<()>),
}

/// A flush under way: its spans, and the timer of its deadline.
struct Flushing {
    watch: Watch,
    timer: Option<(AbortOnDrop, oneshot::Receiver<()>)>,
}

impl Flushing {
    /// Until the spans are settled or the deadline has passed.
    async fn wait(&mut self) {
        let Some((_, rung)) = &mut self.timer else {
            return;
        };
        tokio::select! {
            () = self.watch.settled() => {}
            _ = rung => {}
        }
    }
}

/// A task aborted when this is dropped: a flush given up leaves no timer behind.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long a blocking caller waits past its deadline for the worker's answer.
const ANSWER_GRACE: Duration = Duration::from_millis(250);

/// Configures a [`Reporter`]; made by [`Reporter::builder`].
#[must_use]
pub struct ReporterBuilder<E> {
    endpoint: Uri,
    encoder: E,
    limits: Limits,
    /// Sent with every request; the values are marked sensitive, so `Debug` hides them.
    headers: HeaderMap,
    compression: Compression,
    #[cfg(feature = "tls")]
    tls: TlsConfig,
}

impl<E: fmt::Debug> fmt::Debug for ReporterBuilder<E> {
    /// The endpoint without its query, the headers without their values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ReporterBuilder");
        debug
            .field("endpoint", &super::shown_endpoint(&self.endpoint))
            .field("encoder", &self.encoder)
            .field("limits", &self.limits)
            .field("headers", &self.headers)
            .field("compression", &self.compression);
        #[cfg(feature = "tls")]
        debug.field("tls", &self.tls);
        debug.finish()
    }
}

#[derive(Clone, Copy, Debug)]
struct Limits {
    max_queue_spans: usize,
    max_queue_bytes: usize,
    max_batch_spans: usize,
    max_batch_bytes: usize,
    max_concurrent_requests: usize,
    batch_delay: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
}

impl Reporter {
    /// A reporter sending to `endpoint` in the given encoding: an `http://` URL such as
    /// `http://127.0.0.1:9411/api/v2/spans` or `http://127.0.0.1:4318/v1/traces`, an
    /// `https://` one with feature `tls`, a collector's address (`http://127.0.0.1:4317`)
    /// for OTLP/gRPC. Credentials in the URL are refused: give them as headers.
    pub fn builder<E: Encoder>(endpoint: Uri, encoder: E) -> ReporterBuilder<E> {
        ReporterBuilder {
            endpoint,
            encoder,
            limits: Limits {
                max_queue_spans: 65_536,
                max_queue_bytes: 16 * 1024 * 1024,
                max_batch_spans: 512,
                max_batch_bytes: 500_000,
                max_concurrent_requests: 8,
                batch_delay: Duration::from_secs(1),
                request_timeout: Duration::from_secs(10),
                retry: RetryPolicy::default(),
            },
            headers: HeaderMap::new(),
            compression: Compression::None,
            #[cfg(feature = "tls")]
            tls: TlsConfig::default(),
        }
    }

    /// Queues `span` for sending, or drops and counts it; never blocks.
    pub fn report(&self, span: FinishedSpan) {
        let handle = &*self.handle;
        let state = &handle.state;
        state.counters.reported();
        if handle.closed.load(Ordering::Acquire) {
            state.counters.dropped(DropReason::Shutdown, 1);
            return;
        }
        let size = span.estimated_size();
        let queued = state.queued_bytes.fetch_add(size, Ordering::AcqRel);
        if queued + size > handle.max_queue_bytes {
            state.queued_bytes.fetch_sub(size, Ordering::AcqRel);
            state.counters.dropped(DropReason::QueueFull, 1);
            return;
        }
        // Counted before the worker can take it, so the gauge never goes below zero; it
        // holds every span not yet settled, those waiting for a retry too.
        let queued = state.counters.queued(1);
        if queued > handle.max_queue_spans {
            state.counters.queued(-1);
            state.queued_bytes.fetch_sub(size, Ordering::AcqRel);
            state.counters.dropped(DropReason::QueueFull, 1);
            return;
        }
        match handle.spans.try_reserve() {
            Ok(room) => {
                // Counted for flushes before the worker can take it; it cannot fail now.
                state.flushes.queued();
                room.send((span, size));
                let waiting = handle.spans.max_capacity() - handle.spans.capacity();
                if (waiting as u64).is_multiple_of(handle.max_batch_spans) {
                    state.batch_ready.notify_one();
                }
            }
            Err(error) => {
                state.counters.queued(-1);
                state.queued_bytes.fetch_sub(size, Ordering::AcqRel);
                let reason = match error {
                    mpsc::error::TrySendError::Full(()) => DropReason::QueueFull,
                    mpsc::error::TrySendError::Closed(()) => DropReason::Shutdown,
                };
                state.counters.dropped(reason, 1);
            }
        }
    }

    /// The counters so far.
    pub fn metrics(&self) -> ReporterMetrics {
        self.handle.state.counters.snapshot()
    }

    /// Why the last failed message failed, if one did.
    pub fn last_error(&self) -> Option<ExportError> {
        lock(&self.handle.state.last_error).clone()
    }

    /// Sends every span queued before this call, and returns once they are sent or
    /// dropped, or when `timeout` has passed, with what became of them. Spans not sent by
    /// then stay queued (a request in flight goes on) and are sent later. Runs on any
    /// executor: the deadline is kept by a timer task on the reporter's runtime.
    pub async fn flush(&self, timeout: Duration) -> FlushOutcome {
        let mut flush = self.start_flush(timeout);
        flush.wait().await;
        flush.watch.outcome()
    }

    /// [`flush`](Self::flush), waiting on this thread. Do not call it from a task of the
    /// runtime the reporter runs on.
    pub fn flush_blocking(&self, timeout: Duration) -> FlushOutcome {
        let mut flush = self.start_flush(timeout);
        block_on(flush.wait(), timeout.saturating_add(ANSWER_GRACE));
        flush.watch.outcome()
    }

    /// Watches the spans queued so far, asks the worker to send them, and starts the
    /// deadline's timer on the worker's runtime (which has timers).
    fn start_flush(&self, timeout: Duration) -> Flushing {
        let watch = self.handle.state.flushes.watch();
        if self.handle.control.send(Control::Flush).is_err() {
            // The worker is gone, having settled every span it held.
            return Flushing { watch, timer: None };
        }
        let deadline = after(timeout);
        let (ring, rung) = oneshot::channel();
        let timer = self.handle.runtime.spawn(async move {
            tokio::time::sleep_until(deadline).await;
            let _ = ring.send(());
        });
        Flushing {
            watch,
            timer: Some((AbortOnDrop(timer), rung)),
        }
    }

    /// Stops taking spans, sends what is queued until `timeout` has passed, counts the rest
    /// as dropped, and returns the final counters. Later reports are counted as dropped.
    /// Runs on any executor: the reporter's background task ends its last request by the
    /// deadline and answers then.
    pub async fn shutdown(&self, timeout: Duration) -> ReporterMetrics {
        if let Some(stopped) = self.stop(timeout) {
            // An error means the worker is gone, having counted what it held.
            let _ = stopped.await;
        }
        self.metrics()
    }

    /// [`shutdown`](Self::shutdown), waiting on this thread. Do not call it from a task of
    /// the runtime the reporter runs on.
    pub fn shutdown_blocking(&self, timeout: Duration) -> ReporterMetrics {
        if let Some(stopped) = self.stop(timeout) {
            // The worker keeps the deadline; the grace covers its last bookkeeping.
            block_on(stopped, timeout.saturating_add(ANSWER_GRACE));
        }
        self.metrics()
    }

    fn stop(&self, timeout: Duration) -> Option<oneshot::Receiver<()>> {
        self.handle.closed.store(true, Ordering::Release);
        let (done, stopped) = oneshot::channel();
        let deadline = after(timeout);
        let state = &self.handle.state;
        lock(&state.stop_by).get_or_insert(deadline);
        state.stopping.notify_waiters();
        let command = Control::Shutdown(deadline, done);
        self.handle.control.send(command).is_ok().then_some(stopped)
    }
}

impl Recorder for Reporter {
    fn record(&self, span: FinishedSpan) {
        self.report(span);
    }

    /// What its encoding supports.
    fn supports_shared_spans(&self) -> bool {
        self.handle.shared_spans
    }
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reporter")
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

impl<E: Encoder> ReporterBuilder<E> {
    /// The most spans held: queued, batched, in flight or waiting for a retry (65 536 by
    /// default, a few seconds of an outage at 10 000 spans a second); the newest spans past
    /// it are dropped.
    pub fn max_queue_spans(mut self, spans: usize) -> Self {
        self.limits.max_queue_spans = spans.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        self
    }

    /// The most (estimated) bytes of spans held (16 MiB by default).
    pub fn max_queue_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_queue_bytes = bytes;
        self
    }

    /// The most spans in one message (512 by default).
    pub fn max_batch_spans(mut self, spans: usize) -> Self {
        self.limits.max_batch_spans = spans.max(1);
        self
    }

    /// The most bytes in one message (500 000 by default, Zipkin's limit); a span that
    /// alone is larger is dropped.
    pub fn max_batch_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_batch_bytes = bytes;
        self
    }

    /// How often queued spans are sent when fewer than a batch are waiting (1 s by
    /// default, at least 1 ms).
    pub fn batch_delay(mut self, delay: Duration) -> Self {
        self.limits.batch_delay = delay.max(Duration::from_millis(1));
        self
    }

    /// The most requests in flight at once (8 by default, at least 1). With batches of 512
    /// spans and a collector answering in 20 ms, 4 would carry 102 000 spans a second at
    /// best and dropped 0.4% of 100 000 a second in the tests; 8 leave room.
    pub fn max_concurrent_requests(mut self, requests: usize) -> Self {
        self.limits.max_concurrent_requests =
            requests.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        self
    }

    /// The waits between the attempts of a failed message: the first `initial` (100 ms by
    /// default, at least 1 ms), doubling up to `max` (5 s), each taken at random from its
    /// upper half.
    pub fn retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        let initial = initial.max(Duration::from_millis(1));
        self.limits.retry.initial = initial;
        self.limits.retry.max = max.max(initial);
        self
    }

    /// The most time a failed message is retried for (60 s by default); zero retries
    /// nothing.
    pub fn retry_timeout(mut self, timeout: Duration) -> Self {
        self.limits.retry.timeout = timeout;
        self
    }

    /// How long one request may take (10 s by default, at least 1 ms).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.limits.request_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// A header sent with every request, such as an API key (`x-api-key`, `authorization`);
    /// a repeated name adds a value. The value is marked sensitive: it never shows in
    /// `Debug`, logs or errors.
    pub fn header(mut self, name: HeaderName, mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        self.headers.append(name, value);
        self
    }

    /// How request bodies are compressed (none by default).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// TLS for an `https://` endpoint (the system's root certificates by default).
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = tls;
        self
    }

    /// Starts the background sender on `executor`.
    ///
    /// # Panics
    ///
    /// With [`Executor::Tokio`], if the runtime has no time driver (it was built without
    /// `enable_time` or `enable_all`): tokio's own check, made here rather than later in
    /// the background task.
    pub fn start(self, executor: Executor) -> Result<Reporter, StartError> {
        #[cfg(feature = "tls")]
        let http2 = self.encoder.grpc_method().is_some();
        #[cfg(feature = "tls")]
        let connector = connector(&self.endpoint, &self.tls, http2)?;
        #[cfg(not(feature = "tls"))]
        let connector = connector(&self.endpoint)?;
        let (spans, queue) = mpsc::channel(self.limits.max_queue_spans);
        let (control, commands) = mpsc::unbounded_channel();
        let state = Arc::new(State::default());
        let max_queue_bytes = self.limits.max_queue_bytes;
        let max_batch_spans = self.limits.max_batch_spans as u64;
        let shared_spans = self.encoder.supports_shared_spans();
        let exporter = Exporter {
            state: state.clone(),
            health: Health::new(&self.endpoint),
            sender: Sender::new(
                self.endpoint,
                connector,
                Posting {
                    content_type: self.encoder.content_type(),
                    headers: self.headers,
                    compression: self.compression,
                    timeout: self.limits.request_timeout,
                    grpc_method: self.encoder.grpc_method(),
                },
            ),
            encoder: self.encoder,
            policy: self.limits.retry,
            max_message_bytes: self.limits.max_batch_bytes,
        };
        let worker = Worker {
            state: state.clone(),
            queue,
            commands,
            batch: Batch::default(),
            next_position: 0,
            exports: JoinSet::new(),
            permits: Arc::new(Semaphore::new(self.limits.max_concurrent_requests)),
            exporter: Arc::new(exporter),
            limits: self.limits,
        };
        let runtime = match executor {
            Executor::Tokio(handle) => {
                let _inside = handle.enter();
                // Tokio panics here, with its own message, on a runtime without timers.
                drop(tokio::time::sleep(Duration::ZERO));
                handle.spawn(worker.run());
                handle.clone()
            }
            Executor::OwnThread => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(StartError::runtime)?;
                let handle = runtime.handle().clone();
                std::thread::Builder::new()
                    .name("opentracing-reporter".into())
                    .spawn(move || runtime.block_on(worker.run()))
                    .map_err(StartError::thread)?;
                handle
            }
        };
        let handle = Arc::new(Handle {
            spans,
            control,
            closed: AtomicBool::new(false),
            max_queue_spans: self.limits.max_queue_spans as u64,
            max_queue_bytes,
            max_batch_spans,
            shared_spans,
            state,
            runtime,
        });
        Ok(Reporter { handle })
    }
}

/// The background half: takes spans from the queue into batches and starts an export for
/// each, at most `max_concurrent_requests` at a time.
struct Worker<E> {
    state: Arc<State>,
    queue: mpsc::Receiver<(FinishedSpan, usize)>,
    commands: mpsc::UnboundedReceiver<Control>,
    /// The spans taken from the queue and not yet handed to an export.
    batch: Batch,
    /// The position of the next span taken from the queue.
    next_position: u64,
    exports: JoinSet<()>,
    permits: Arc<Semaphore>,
    exporter: Arc<Exporter<E>>,
    limits: Limits,
}

impl<E> Drop for Worker<E> {
    /// A worker that stops early (its runtime shut down) still leaves no span uncounted;
    /// exports count their own spans when they are dropped.
    fn drop(&mut self) {
        self.drop_unsent();
    }
}

impl<E> Worker<E> {
    /// Closes the queue, and counts the batch being filled and the queued spans as dropped
    /// at shutdown.
    fn drop_unsent(&mut self) {
        self.queue.close();
        let batch = std::mem::take(&mut self.batch);
        // The batch holds the positions just before the next one; the queue those after.
        let first = self.next_position - batch.spans.len() as u64;
        let mut bytes = batch.bytes;
        while let Ok((_, size)) = self.queue.try_recv() {
            bytes += size;
            self.next_position += 1;
        }
        let left = self.next_position - first;
        if left > 0 {
            let state = &self.state;
            state.queued_bytes.fetch_sub(bytes, Ordering::AcqRel);
            state.counters.queued(-(left as i64));
            state.counters.dropped(DropReason::Shutdown, left);
            state.flushes.settle(first, 0, left);
        }
    }
}

impl<E: Encoder> Worker<E> {
    /// Wakes up every `batch_delay`, when a batch's worth of spans is queued, or on a
    /// command, and sends what is queued. It never waits on the queue itself: a wake-up per
    /// span would cost a thread switch per span.
    async fn run(mut self) {
        let mut timer = tokio::time::interval(self.limits.batch_delay);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is at once; the queue is empty then.
        timer.tick().await;
        loop {
            tokio::select! {
                biased;
                command = self.commands.recv() => match command {
                    Some(Control::Flush) => self.drain(None, true).await,
                    Some(Control::Shutdown(deadline, done)) => {
                        self.queue.close();
                        self.drain(Some(deadline), true).await;
                        self.finish_exports(Some(deadline)).await;
                        // Spans that were on their way into the queue as it closed.
                        self.drop_unsent();
                        let _ = done.send(());
                        return;
                    }
                    // Every reporter handle is gone (the queue's sender went first): send
                    // what is left and stop.
                    None => {
                        self.drain(None, true).await;
                        self.finish_exports(None).await;
                        return;
                    }
                },
                // Full batches now; the rest waits for more, or for the timer.
                () = self.state.batch_ready.notified() => self.drain(None, false).await,
                _ = timer.tick() => self.drain(None, true).await,
                Some(_) = self.exports.join_next(), if !self.exports.is_empty() => {}
            }
        }
    }

    /// Adds a span to the batch; whether the batch is now full.
    fn add(&mut self, (span, size): (FinishedSpan, usize)) -> bool {
        if self.batch.spans.is_empty() {
            self.batch.first = self.next_position;
        }
        self.next_position += 1;
        self.batch.bytes += size;
        self.batch.spans.push(span);
        self.batch.spans.len() >= self.limits.max_batch_spans
            || self.batch.bytes >= self.limits.max_batch_bytes
    }

    /// Hands the batch and everything queued now to exports, in full batches, and the last
    /// partial one if `partial`; at a shutdown `deadline`, what is still unsent is counted
    /// as dropped.
    async fn drain(&mut self, deadline: Option<Instant>, partial: bool) {
        // What is queued now, not what keeps arriving: a flush under load still ends.
        let mut budget = self.queue.len();
        loop {
            let more = budget.checked_sub(1).and_then(|left| {
                budget = left;
                self.queue.try_recv().ok()
            });
            let last = more.is_none();
            let full = more.is_some_and(|span| self.add(span));
            if (full || (last && partial)) && !self.batch.spans.is_empty() {
                // The batch stays the worker's until an export takes it: whatever stops
                // the wait, its spans are counted.
                let Some(permit) = self.permit(deadline).await else {
                    self.drop_unsent();
                    return;
                };
                let batch = std::mem::take(&mut self.batch);
                let exporter = self.exporter.clone();
                self.exports.spawn(exporter.export(batch, deadline, permit));
            }
            if last {
                return;
            }
        }
    }

    /// A place among the exports in flight, once one is free; `None` when the shutdown
    /// deadline comes first.
    async fn permit(&self, deadline: Option<Instant>) -> Option<OwnedSemaphorePermit> {
        let permits = self.permits.clone().acquire_owned();
        // The semaphore is never closed.
        match deadline.or(self.state.shutdown_deadline()) {
            Some(stop_by) => tokio::time::timeout_at(stop_by, permits).await.ok()?.ok(),
            None => permits.await.ok(),
        }
    }

    /// Waits for the exports in flight, until `deadline` if one is given; those still
    /// running then are stopped, and count their spans as dropped.
    async fn finish_exports(&mut self, deadline: Option<Instant>) {
        let all = async { while self.exports.join_next().await.is_some() {} };
        match deadline {
            Some(deadline) => {
                let _ = tokio::time::timeout_at(deadline, all).await;
            }
            None => all.await,
        }
        self.exports.abort_all();
        while self.exports.join_next().await.is_some() {}
    }
}

/// `duration` from now; far in the future when that cannot be told.
pub(crate) fn after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `future` on this thread until it completes or `timeout` passes.
fn block_on<F: Future>(future: F, timeout: Duration) -> Option<F::Output> {
    use std::task::{Context, Poll, Wake, Waker};

    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    let start = std::time::Instant::now();
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return Some(output);
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return None;
        }
        std::thread::park_timeout(timeout - waited);
    }
}
