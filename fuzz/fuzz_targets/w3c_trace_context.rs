#![no_main]
//! The w3c trace context extract path never panics, and what it extracts injects and extracts again.

mod headers;

use libfuzzer_sys::fuzz_target;
use opentracing_core::propagation::W3cTraceContext;

fuzz_target!(|data: &[u8]| {
    headers::check_codec(&W3cTraceContext, data, &["traceparent", "tracestate"]);
});
