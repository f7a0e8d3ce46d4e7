#![no_main]
//! The ot headers extract path never panics, and what it extracts injects and extracts again.

mod headers;

use libfuzzer_sys::fuzz_target;
use opentracing_core::propagation::OtHeaders;

fuzz_target!(|data: &[u8]| {
    headers::check_codec(
        &OtHeaders,
        data,
        &[
            "ot-tracer-traceid",
            "ot-tracer-spanid",
            "ot-tracer-sampled",
            "ot-baggage-user",
        ],
    );
});
