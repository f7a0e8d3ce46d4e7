#![no_main]
//! The b3 extract path never panics, and what it extracts injects and extracts again.

mod headers;

use libfuzzer_sys::fuzz_target;
use opentracing_core::propagation::B3;

fuzz_target!(|data: &[u8]| {
    headers::check_codec(
        &B3::multi(),
        data,
        &[
            "b3",
            "x-b3-traceid",
            "x-b3-spanid",
            "x-b3-parentspanid",
            "x-b3-sampled",
            "x-b3-flags",
        ],
    );
});
