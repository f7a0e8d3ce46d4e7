#![no_main]
//! The binary decoder never panics, and what it decodes encodes to the same context.

use libfuzzer_sys::fuzz_target;
use opentracing_core::propagation::{decode_binary, encode_binary};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(context)) = decode_binary(data) {
        let mut again = Vec::new();
        encode_binary(&context, &mut again);
        assert_eq!(decode_binary(&again), Ok(Some(context)));
    }
});
