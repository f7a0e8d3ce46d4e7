#![no_main]
//! The ot headers extract path never panics, and what it extracts injects and extracts again.

mod headers;

use http::HeaderMap;
use libfuzzer_sys::fuzz_target;
use opentracing_core::propagation::{Codec, OtHeaders};

fuzz_target!(|data: &[u8]| {
    let codec = OtHeaders;
    let headers = headers::header_map(data, &["ot-tracer-traceid", "ot-tracer-spanid", "ot-tracer-sampled", "ot-baggage-user"]);
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
