//! The reference tracer (feature `reference`): random ids, samplers, every wire codec, and a
//! [`Recorder`](crate::Recorder) interface that reporters plug into.
//!
//! It is the "reference implementation utilizing an abstract Recorder interface" that
//! opentracing-python's documentation promises, built for production: span ids come from a
//! fast thread-local generator, unsampled spans skip all recording work, and bad input on
//! the wire never fails a request.

mod propagator;
mod sampler;
mod tracer;

pub use propagator::Propagator;
pub use sampler::{
    AlwaysSample, NeverSample, ParentBased, RateLimitingSampler, RatioSampler, Sampler,
    SamplingInput,
};
pub use tracer::{ReferenceTracer, ReferenceTracerBuilder, SharedSpansUnsupported};
