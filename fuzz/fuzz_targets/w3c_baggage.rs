#![no_main]
//! The W3C baggage extract path never panics, stays within its limits, and what it extracts
//! injects and extracts again unchanged.

mod headers;

use http::HeaderMap;
use libfuzzer_sys::fuzz_target;
use opentracing_core::propagation::W3cBaggage;

fuzz_target!(|data: &[u8]| {
    let headers = headers::header_map(data, &["baggage"]);
    let baggage = W3cBaggage.extract(&headers);
    let mut again = HeaderMap::new();
    W3cBaggage.inject(&baggage, &mut again);
    assert_eq!(W3cBaggage.extract(&again), baggage);
});
