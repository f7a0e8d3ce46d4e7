//! Samplers: which traces the reference tracer records.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::ids::TraceId;
use crate::sampling::Sampling;

/// Decides whether a new span is recorded. Called once per span start, so it must be fast.
///
/// Unsampled spans still propagate ids and baggage; they only skip recording.
pub trait Sampler: Send + Sync + fmt::Debug {
    /// The decision for a span: `Accept` (or `Debug`) to record, `Deny` not to.
    fn sample(&self, input: &SamplingInput<'_>) -> Sampling;
}

/// What a sampler knows about the span being started.
#[derive(Clone, Copy, Debug)]
pub struct SamplingInput<'a> {
    parent: Option<Sampling>,
    trace_id: TraceId,
    operation_name: &'a str,
}

impl<'a> SamplingInput<'a> {
    /// The input for a span of `trace_id`; `parent` is the parent's decision (`None` for a
    /// root, `Some(Defer)` when the caller left the decision to us).
    pub const fn new(parent: Option<Sampling>, trace_id: TraceId, operation_name: &'a str) -> Self {
        Self {
            parent,
            trace_id,
            operation_name,
        }
    }

    /// The parent's decision.
    pub const fn parent(&self) -> Option<Sampling> {
        self.parent
    }

    /// The trace id (random for a new trace).
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The span's operation name.
    pub const fn operation_name(&self) -> &'a str {
        self.operation_name
    }
}

/// Records every span.
#[derive(Clone, Copy, Debug, Default)]
pub struct AlwaysSample;

impl Sampler for AlwaysSample {
    fn sample(&self, _: &SamplingInput<'_>) -> Sampling {
        Sampling::Accept
    }
}

/// Records no span.
#[derive(Clone, Copy, Debug, Default)]
pub struct NeverSample;

impl Sampler for NeverSample {
    fn sample(&self, _: &SamplingInput<'_>) -> Sampling {
        Sampling::Deny
    }
}

/// Records a fixed share of traces, decided by the trace id so that every service using the
/// same ratio keeps the same traces.
#[derive(Clone, Copy, Debug)]
pub struct RatioSampler {
    /// Trace ids whose low 64 bits are below this are kept.
    threshold: u64,
    keep_all: bool,
}

impl RatioSampler {
    /// Keeps `ratio` of traces: `0.0` none, `1.0` all. Values outside `0..=1` are clamped
    /// and NaN keeps none.
    pub fn new(ratio: f64) -> Self {
        let ratio = if ratio.is_nan() {
            0.0
        } else {
            ratio.clamp(0.0, 1.0)
        };
        // `as` saturates: 1.0 * 2^64 becomes u64::MAX.
        Self {
            threshold: (ratio * 18_446_744_073_709_551_616.0) as u64,
            keep_all: ratio >= 1.0,
        }
    }
}

impl Sampler for RatioSampler {
    fn sample(&self, input: &SamplingInput<'_>) -> Sampling {
        Sampling::from_sampled(self.keep_all || input.trace_id.low() < self.threshold)
    }
}

/// Records at most a given number of traces per second, without locks.
///
/// It decides per span: wrap it in [`ParentBased`] (as the tracer's default sampler is) so
/// that it decides only new traces and children follow, or it will cut traces in the middle.
#[derive(Debug)]
pub struct RateLimitingSampler {
    per_second: u32,
    epoch: Instant,
    /// The current one-second window (high 32 bits) and how many were kept in it (low 32).
    window: AtomicU64,
}

impl RateLimitingSampler {
    /// Keeps at most `per_second` traces in each one-second window.
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second,
            epoch: Instant::now(),
            window: AtomicU64::new(0),
        }
    }
}

impl Sampler for RateLimitingSampler {
    fn sample(&self, _: &SamplingInput<'_>) -> Sampling {
        let second = self.epoch.elapsed().as_secs() as u32 as u64;
        let mut current = self.window.load(Ordering::Relaxed);
        loop {
            let (window, kept) = (current >> 32, current & u64::from(u32::MAX));
            // A thread that read the clock just before another moved to the next window
            // counts in that newer window rather than sending it back.
            let next = if window >= second {
                if kept >= u64::from(self.per_second) {
                    return Sampling::Deny;
                }
                current + 1
            } else {
                second << 32 | 1
            };
            match self.window.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Sampling::from_sampled(self.per_second > 0),
                Err(actual) => current = actual,
            }
        }
    }
}

/// Follows the parent's decision; asks `root` for new traces and for callers that deferred.
#[derive(Debug)]
pub struct ParentBased<S> {
    root: S,
}

impl<S: Sampler> ParentBased<S> {
    /// Follows parents, with `root` for the rest.
    pub const fn new(root: S) -> Self {
        Self { root }
    }
}

impl<S: Sampler> Sampler for ParentBased<S> {
    fn sample(&self, input: &SamplingInput<'_>) -> Sampling {
        match input.parent {
            Some(Sampling::Defer) | None => self.root.sample(input),
            Some(decided) => decided,
        }
    }
}

impl Default for ParentBased<AlwaysSample> {
    fn default() -> Self {
        Self::new(AlwaysSample)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(parent: Option<Sampling>, trace_id: u128) -> SamplingInput<'static> {
        SamplingInput::new(parent, TraceId::new(trace_id).unwrap(), "op")
    }

    #[test]
    fn ratio_sampler_decides_by_trace_id() {
        let half = RatioSampler::new(0.5);
        assert!(half.sample(&input(None, 1)).is_sampled());
        assert!(!half.sample(&input(None, u128::from(u64::MAX))).is_sampled());
        let kept = (1..=10_000u128)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835))
            .filter(|&id| id != 0 && half.sample(&input(None, id)).is_sampled())
            .count();
        assert!((4_500..5_500).contains(&kept), "{kept}");
        assert!(
            RatioSampler::new(1.0)
                .sample(&input(None, u128::MAX))
                .is_sampled()
        );
        assert!(
            RatioSampler::new(7.0)
                .sample(&input(None, u128::MAX))
                .is_sampled()
        );
        assert!(
            !RatioSampler::new(f64::NAN)
                .sample(&input(None, 1))
                .is_sampled()
        );
        assert!(!RatioSampler::new(-1.0).sample(&input(None, 1)).is_sampled());
    }

    #[test]
    fn rate_limiting_keeps_at_most_n_per_window() {
        let sampler = RateLimitingSampler::new(10);
        let kept = (0..1000)
            .filter(|_| sampler.sample(&input(None, 1)).is_sampled())
            .count();
        // The loop may straddle a window boundary, never more.
        assert!((10..=20).contains(&kept), "{kept}");
        let none = RateLimitingSampler::new(0);
        assert!(!none.sample(&input(None, 1)).is_sampled());
    }

    #[test]
    fn rate_limiting_is_exact_under_contention() {
        let sampler = RateLimitingSampler::new(100);
        let kept = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        if sampler.sample(&input(None, 1)).is_sampled() {
                            kept.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert!((100..=200).contains(&kept.into_inner()));
    }

    #[test]
    fn parent_based_follows_decided_parents_only() {
        let sampler = ParentBased::new(NeverSample);
        assert_eq!(
            sampler.sample(&input(Some(Sampling::Accept), 1)),
            Sampling::Accept
        );
        assert_eq!(
            sampler.sample(&input(Some(Sampling::Debug), 1)),
            Sampling::Debug
        );
        assert_eq!(
            sampler.sample(&input(Some(Sampling::Deny), 1)),
            Sampling::Deny
        );
        assert_eq!(
            sampler.sample(&input(Some(Sampling::Defer), 1)),
            Sampling::Deny
        );
        assert_eq!(sampler.sample(&input(None, 1)), Sampling::Deny);
        assert_eq!(
            ParentBased::default().sample(&input(None, 1)),
            Sampling::Accept
        );
    }
}
