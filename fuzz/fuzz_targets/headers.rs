//! Turns fuzz input into header maps that reach deep into a codec: each line is one header,
//! its first byte picks a name from the codec's own names (or a random one), the rest is the
//! value as raw bytes, so invalid UTF-8, repeats and huge values all occur.

use http::{HeaderMap, HeaderName, HeaderValue};
use opentracing_core::Extracted;
use opentracing_core::propagation::Codec;

#[allow(dead_code)] // not every target uses both helpers
pub fn header_map(data: &[u8], names: &[&'static str]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        let Some((&selector, value)) = line.split_first() else {
            continue;
        };
        let name = match names.get(usize::from(selector) % (names.len() + 1)) {
            Some(name) => HeaderName::from_static(name),
            None => match HeaderName::from_bytes(value.split(|&b| b == b':').next().unwrap_or(b""))
            {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(name, value);
        }
    }
    headers
}

/// Extracts with `codec` from headers made of `data`; whatever it extracts must inject and
/// extract again to the same ids.
#[allow(dead_code)] // not every target uses both helpers
pub fn check_codec(codec: &dyn Codec, data: &[u8], names: &[&'static str]) {
    let headers = header_map(data, names);
    if let Ok(Some(Extracted::Span(context))) = codec.extract(&headers) {
        let mut again = HeaderMap::new();
        codec.inject(&context, &mut again);
        let round_trip = codec.extract(&again).expect("our own output extracts");
        let round_trip = round_trip
            .and_then(Extracted::into_span_context)
            .expect("our own output has a context");
        assert_eq!(round_trip.trace_id(), context.trace_id());
        assert_eq!(round_trip.span_id(), context.span_id());
    }
}
