//! Carrying the active span into tokio tasks and blocking threads, on purpose.
//!
//! `tokio::spawn` does not carry the active span: a spawned task starts with none (like
//! an asyncio task, unlike a contextvars copy). These helpers capture the span that is
//! active when they are called and make it active in the new task.

use std::future::Future;

use tokio::task::JoinHandle;

use crate::finished::Key;
use crate::scope::ScopeManager;
use crate::tracer::Tracer;
use crate::with_span::{WithSpan, in_span};

/// `tokio::spawn`, with the currently active span active in the task. The task does not
/// finish the span; whoever owns it does (a child that outlives its parent is allowed).
///
/// # Panics
///
/// Like `tokio::spawn`, when called outside a tokio runtime.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.with_active_span())
}

/// `tokio::task::spawn_blocking`, with the currently active span active in the closure.
///
/// # Panics
///
/// Like `tokio::task::spawn_blocking`, when called outside a tokio runtime.
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = ScopeManager::new().active_span().unwrap_or_default();
    tokio::task::spawn_blocking(move || in_span(&span, f))
}

/// Spawns fire-and-forget work as a new span that `follows_from` the active one: the new
/// span is active in the task and finishes when the task completes (or is aborted).
///
/// # Panics
///
/// Like `tokio::spawn`, when called outside a tokio runtime.
pub fn spawn_follows_from<T, F>(
    tracer: &T,
    operation_name: impl Into<Key>,
    future: F,
) -> JoinHandle<F::Output>
where
    T: Tracer + ?Sized,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let active = tracer.active_span();
    // `&T` is a sized tracer, so this works for `dyn Tracer` too.
    let span = Tracer::span_builder(&tracer, operation_name)
        .follows_from(active.as_ref())
        .ignore_active_span()
        .start();
    // The task holds the only handle: the span finishes when the task's future is dropped.
    tokio::spawn(future.with_span(span))
}
