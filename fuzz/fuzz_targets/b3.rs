#![no_main]
//! The b3 extract path never panics, and what it extracts injects and extracts again.

mod headers;

use http::HeaderMap;
use libfuzzer_sys::fuzz_target;
use opentracing_core::propagation::{Codec, B3};

fuzz_target!(|data: &[u8]| {
    let codec = B3::multi();
    let headers = headers::header_map(data, &["b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags"]);
    if let Ok(Some(context)) = codec.extract(&headers) {
        let mut again = HeaderMap::new();
        codec.inject(&context, &mut again);
        let round_trip = codec.extract(&again).expect("our own output extracts");
        if !context.is_sampling_only() {
            let round_trip = round_trip.expect("our own output has a context");
            assert_eq!(round_trip.trace_id(), context.trace_id());
            assert_eq!(round_trip.span_id(), context.span_id());
        }
    }
});
