//! The sampling decision a span context carries.

/// Whether a trace is recorded, as propagated between services (B3's four states; W3C and
/// Jaeger carry a subset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Sampling {
    /// No decision yet: the next tracer's sampler decides (B3 "defer").
    Defer,
    /// Not recorded; ids and baggage still propagate.
    Deny,
    /// Recorded.
    #[default]
    Accept,
    /// Recorded, and marked so that every hop keeps it (B3 `d`, Jaeger's debug flag).
    Debug,
}

impl Sampling {
    /// Whether spans are recorded: `Accept` or `Debug`.
    pub const fn is_sampled(self) -> bool {
        matches!(self, Self::Accept | Self::Debug)
    }

    /// `Accept` for `true`, `Deny` for `false`.
    pub const fn from_sampled(sampled: bool) -> Self {
        if sampled { Self::Accept } else { Self::Deny }
    }
}

/// Every sampling state, for property tests.
#[cfg(test)]
pub(crate) fn any_sampling() -> impl proptest::strategy::Strategy<Value = Sampling> {
    use proptest::prelude::*;
    prop_oneof![
        Just(Sampling::Defer),
        Just(Sampling::Deny),
        Just(Sampling::Accept),
        Just(Sampling::Debug)
    ]
}
