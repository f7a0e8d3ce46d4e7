#![no_main]
//! The jaeger extract path never panics, and what it extracts injects and extracts again.

mod headers;

use libfuzzer_sys::fuzz_target;
use opentracing_core::propagation::Jaeger;

fuzz_target!(|data: &[u8]| {
    headers::check_codec(
        &Jaeger,
        data,
        &["uber-trace-id", "uberctx-user", "jaeger-debug-id"],
    );
});
