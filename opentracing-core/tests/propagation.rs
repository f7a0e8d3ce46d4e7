//! Inject and extract through every carrier, and bad input.
#![cfg(all(feature = "mock", feature = "http"))]

use std::collections::HashMap;

use http::{HeaderMap, HeaderValue};
use opentracing_core::{
    ExtractCarrier, Extracted, InjectCarrier, MockTracer, PropagationErrorKind, Tracer,
};

#[test]
fn header_map_round_trip_keeps_ids_sampling_and_baggage() {
    let tracer = MockTracer::new();
    let span = tracer.start_span("client");
    span.set_baggage_item("tenant", "acme");
    let context = span.context().unwrap();
    let mut headers = HeaderMap::new();
    tracer
        .inject(&context, InjectCarrier::HttpHeaders(&mut headers))
        .unwrap();
    assert_eq!(headers["ot-tracer-sampled"], "true");
    let extracted = tracer
        .extract(ExtractCarrier::HttpHeaders(&headers))
        .unwrap();
    assert_eq!(extracted, Some(Extracted::Span(context)));
}

#[test]
fn binary_appends_and_round_trips() {
    let tracer = MockTracer::new();
    let context = tracer.start_span("x").context().unwrap();
    let mut bytes = Vec::new();
    tracer
        .inject(&context, InjectCarrier::Binary(&mut bytes))
        .unwrap();
    let len = bytes.len();
    tracer
        .inject(&context, InjectCarrier::Binary(&mut bytes))
        .unwrap();
    assert_eq!(bytes.len(), 2 * len, "inject appends");
    // The same context, now marked as having arrived in the binary format.
    assert_eq!(
        tracer.extract(ExtractCarrier::Binary(&bytes)),
        Ok(Some(Extracted::Span(context.with_origin("binary"))))
    );
}

#[test]
fn empty_carriers_are_no_context() {
    let tracer = MockTracer::new();
    assert_eq!(
        tracer.extract(ExtractCarrier::HttpHeaders(&HeaderMap::new())),
        Ok(None)
    );
    assert_eq!(
        tracer.extract(ExtractCarrier::TextMap(&HashMap::<String, String>::new())),
        Ok(None)
    );
    assert_eq!(tracer.extract(ExtractCarrier::Binary(&[])), Ok(None));
}

#[test]
fn malformed_headers_are_corrupted_never_a_panic() {
    let tracer = MockTracer::new();
    let cases: &[&[(&str, &[u8])]] = &[
        &[
            ("ot-tracer-traceid", b"zz"),
            ("ot-tracer-spanid", b"1"),
            ("ot-tracer-sampled", b"true"),
        ],
        &[
            ("ot-tracer-traceid", b"0"),
            ("ot-tracer-spanid", b"1"),
            ("ot-tracer-sampled", b"true"),
        ],
        &[("ot-tracer-traceid", b"1"), ("ot-tracer-spanid", b"1")],
        &[
            ("ot-tracer-traceid", b"1"),
            ("ot-tracer-spanid", b"\xff\xfe"),
            ("ot-tracer-sampled", b"1"),
        ],
        &[
            ("ot-tracer-traceid", &[b'a'; 65536]),
            ("ot-tracer-spanid", b"1"),
            ("ot-tracer-sampled", b"1"),
        ],
    ];
    for case in cases {
        let mut headers = HeaderMap::new();
        for (name, value) in *case {
            headers.append(*name, HeaderValue::from_bytes(value).unwrap());
        }
        let error = tracer
            .extract(ExtractCarrier::HttpHeaders(&headers))
            .unwrap_err();
        assert_eq!(
            error.kind(),
            PropagationErrorKind::SpanContextCorrupted,
            "{case:?}"
        );
        assert!(error.to_string().contains("http_headers"), "{error}");
    }
}

#[test]
fn repeated_and_oversized_baggage_is_bounded() {
    let tracer = MockTracer::new();
    let mut headers = HeaderMap::new();
    headers.insert("ot-tracer-traceid", HeaderValue::from_static("1"));
    headers.insert("ot-tracer-spanid", HeaderValue::from_static("2"));
    headers.insert("ot-tracer-sampled", HeaderValue::from_static("false"));
    for i in 0..1000 {
        let name = http::HeaderName::try_from(format!("ot-baggage-k{i}")).unwrap();
        headers.insert(name, HeaderValue::from_static("v"));
    }
    let context = tracer
        .extract(ExtractCarrier::HttpHeaders(&headers))
        .unwrap()
        .unwrap();
    assert_eq!(context.baggage().len(), 64);
    assert!(!context.is_sampled());
}

#[test]
fn unknown_formats_are_unsupported() {
    let tracer = MockTracer::new();
    let context = tracer.start_span("x").context().unwrap();
    let mut carrier = String::new();
    let error = tracer
        .inject(&context, InjectCarrier::Custom("my-format", &mut carrier))
        .unwrap_err();
    assert_eq!(error.kind(), PropagationErrorKind::UnsupportedFormat);
    assert!(error.to_string().contains("my-format"));
}
