//! The reference tracer: harness, sampling, codec lists, shared spans, bad input.
#![cfg(all(feature = "reference", feature = "harness", feature = "http"))]

use std::sync::Arc;

use http::{HeaderMap, HeaderValue};
use opentracing_core::propagation::{B3, Codec, Jaeger, OtHeaders, W3cTraceContext};
use opentracing_core::reference::{NeverSample, ParentBased, Propagator, ReferenceTracer};
use opentracing_core::{
    ExtractCarrier, Extracted, InMemoryRecorder, InjectCarrier, Sampling, Tracer, tags,
};

fn tracer_with(propagator: Propagator) -> (ReferenceTracer, Arc<InMemoryRecorder>) {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::builder("svc", recorder.clone())
        .propagator(propagator)
        .build();
    (tracer, recorder)
}

fn all_codecs() -> Propagator {
    Propagator::new()
        .codec(B3::multi())
        .codec(Jaeger)
        .codec(OtHeaders)
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

fn extract_context(
    tracer: &ReferenceTracer,
    map: &HeaderMap,
) -> Option<opentracing_core::SpanContext> {
    extract(tracer, map).and_then(Extracted::into_span_context)
}

fn extract(tracer: &ReferenceTracer, map: &HeaderMap) -> Option<Extracted> {
    tracer
        .extract(ExtractCarrier::HttpHeaders(map))
        .ok()
        .flatten()
}

mod harness {
    use std::sync::Arc;

    use opentracing_core::InMemoryRecorder;
    use opentracing_core::harness::{ApiCheck, ScopeCheck};
    use opentracing_core::reference::ReferenceTracer;

    fn tracer() -> ReferenceTracer {
        ReferenceTracer::new("harness", Arc::new(InMemoryRecorder::new()))
    }

    mod api {
        use super::*;
        opentracing_core::api_check_tests!(ApiCheck::new(tracer()));
    }

    mod scopes {
        use super::*;
        opentracing_core::scope_check_tests!(ScopeCheck::new(tracer()));
    }
}

#[test]
fn ids_are_random_and_children_share_the_trace() {
    let (tracer, recorder) = tracer_with(Propagator::new());
    let a = tracer.start_span("a");
    let b = tracer.start_span("b");
    let child = tracer.span_builder("child").child_of(&a).start();
    let (a, b, child) = (
        a.context().unwrap(),
        b.context().unwrap(),
        child.context().unwrap(),
    );
    assert_ne!(a.trace_id(), b.trace_id());
    assert_ne!(a.span_id(), b.span_id());
    assert_eq!(child.trace_id(), a.trace_id());
    assert!(a.has_random_trace_id());
    assert_eq!(tracer.service_name(), "svc");
    drop(recorder);
}

#[test]
fn unsampled_traces_propagate_but_record_nothing() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::builder("svc", recorder.clone())
        .sampler(ParentBased::new(NeverSample))
        .build();
    let root = tracer.start_span("root");
    root.set_baggage_item("tenant", "t1");
    let child = tracer.span_builder("child").child_of(&root).start();
    assert!(!root.is_recording());
    let mut map = HeaderMap::new();
    tracer
        .inject(
            &child.context().unwrap(),
            InjectCarrier::HttpHeaders(&mut map),
        )
        .unwrap();
    // Not sampled, random trace id (W3C Level 2 flag 0x02).
    assert!(map["traceparent"].to_str().unwrap().ends_with("-02"));
    assert_eq!(map["baggage"], "tenant=t1");
    child.finish();
    root.finish();
    assert!(recorder.spans().is_empty());

    // A sampled caller wins over the local root sampler.
    let caller = headers(&[(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    )]);
    let server = tracer
        .span_builder("server")
        .child_of(extract(&tracer, &caller))
        .start();
    assert!(server.is_recording());
}

#[test]
fn extraction_tries_codecs_in_order_and_remembers_the_origin() {
    let (tracer, _) = tracer_with(all_codecs());
    let b3 = headers(&[
        ("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"),
        ("x-b3-spanid", "a2fb4a1d1a96d312"),
        ("x-b3-sampled", "1"),
    ]);
    let context = extract_context(&tracer, &b3).unwrap();
    assert_eq!(context.origin(), Some("b3"));
    assert!(context.is_remote());

    // W3C comes first in the list, so it wins when both are present.
    let mut both = b3.clone();
    both.insert(
        "traceparent",
        HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    );
    assert_eq!(extract(&tracer, &both).unwrap().origin(), Some("w3c"));

    // A broken traceparent does not hide a good B3 context behind it.
    both.insert("traceparent", HeaderValue::from_static("00-zz-zz-01"));
    assert_eq!(extract(&tracer, &both).unwrap().origin(), Some("b3"));
}

#[test]
fn a_b3_context_injected_as_w3c_keeps_ids_sampling_and_baggage() {
    let (tracer, _) = tracer_with(all_codecs());
    let inbound = headers(&[
        ("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"),
        ("x-b3-spanid", "a2fb4a1d1a96d312"),
        ("x-b3-sampled", "0"),
        ("baggage", "user=ada"),
    ]);
    let context = extract_context(&tracer, &inbound).unwrap();
    let mut w3c_only = HeaderMap::new();
    W3cTraceContext.inject(&context, &mut w3c_only);
    assert_eq!(
        w3c_only["traceparent"],
        "00-463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-00"
    );
    let (w3c_tracer, _) = tracer_with(Propagator::new());
    let mut out = HeaderMap::new();
    w3c_tracer
        .inject(&context, InjectCarrier::HttpHeaders(&mut out))
        .unwrap();
    let back = extract_context(&w3c_tracer, &out).unwrap();
    assert_eq!(back.trace_id(), context.trace_id());
    assert_eq!(back.span_id(), context.span_id());
    assert_eq!(back.sampling(), Sampling::Deny);
    assert_eq!(back.baggage_item("user"), Some("ada"));
}

#[test]
fn answering_in_the_inbound_format() {
    let (tracer, _) = tracer_with(all_codecs().answer_in_inbound_format(true));
    let inbound = headers(&[("uber-trace-id", "463ac35c9f6413ad:a2fb4a1d1a96d312:0:1")]);
    let server = tracer
        .span_builder("server")
        .child_of(extract(&tracer, &inbound))
        .start();
    let client = tracer.span_builder("client").child_of(&server).start();
    let mut out = HeaderMap::new();
    tracer
        .inject(
            &client.context().unwrap(),
            InjectCarrier::HttpHeaders(&mut out),
        )
        .unwrap();
    assert!(out.contains_key("uber-trace-id"));
    assert!(!out.contains_key("traceparent"));
    assert!(!out.contains_key("x-b3-traceid"));

    // A trace started here answers in every format.
    let mut out = HeaderMap::new();
    let root = tracer.start_span("root");
    tracer
        .inject(
            &root.context().unwrap(),
            InjectCarrier::HttpHeaders(&mut out),
        )
        .unwrap();
    for name in [
        "traceparent",
        "x-b3-traceid",
        "uber-trace-id",
        "ot-tracer-traceid",
    ] {
        assert!(out.contains_key(name), "{name}");
    }
}

#[test]
fn b3_sampling_only_headers_make_a_root_that_follows_the_decision() {
    let (tracer, recorder) = tracer_with(all_codecs());
    let deny = extract(&tracer, &headers(&[("b3", "0")]));
    let span = tracer.span_builder("health").child_of(deny).start();
    assert_eq!(span.parent_id(), None);
    assert!(!span.is_recording());
    span.finish();
    assert!(recorder.spans().is_empty());
}

#[test]
fn joining_a_b3_span_shares_its_id() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::builder("svc", recorder.clone())
        .propagator(Propagator::empty().codec(B3::multi()))
        .join_shared_spans(true)
        .unwrap()
        .build();
    let inbound = headers(&[
        ("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"),
        ("x-b3-spanid", "a2fb4a1d1a96d312"),
        ("x-b3-parentspanid", "0020000000000001"),
        ("x-b3-sampled", "1"),
    ]);
    let remote = extract_context(&tracer, &inbound).unwrap();
    let server = tracer
        .span_builder("server")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .child_of(&remote)
        .start();
    let local = tracer.span_builder("local").child_of(&server).start();
    local.finish();
    server.finish();
    let spans = recorder.spans();
    let (local, server) = (&spans[0], &spans[1]);
    assert!(server.context().is_shared());
    assert_eq!(server.context().span_id(), remote.span_id());
    assert_eq!(server.parent_id(), remote.parent_span_id());
    assert!(!local.context().is_shared());
    assert_eq!(local.parent_id(), Some(remote.span_id()));

    // Without the server kind, or from another format, it is a child as usual.
    let client = tracer.span_builder("client").child_of(&remote).start();
    assert_ne!(client.context().unwrap().span_id(), remote.span_id());
}

#[test]
fn bad_headers_restart_the_trace_without_panicking() {
    let (tracer, _) = tracer_with(all_codecs());
    let huge = "a".repeat(64 * 1024);
    let cases: Vec<HeaderMap> = vec![
        headers(&[(
            "traceparent",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        )]),
        headers(&[(
            "traceparent",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
        )]),
        headers(&[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        )]),
        headers(&[("x-b3-traceid", "463ac35c9f6413ad"), ("x-b3-spanid", "")]),
        headers(&[("uber-trace-id", "1:2:3")]),
        headers(&[
            ("ot-tracer-traceid", "1"),
            ("ot-tracer-spanid", "zz"),
            ("ot-tracer-sampled", "1"),
        ]),
        headers(&[
            ("traceparent", &huge),
            ("tracestate", &huge),
            ("baggage", &huge),
        ]),
    ];
    for map in &cases {
        // An error or nothing: never a context, never a panic.
        assert!(extract(&tracer, map).is_none(), "{map:?}");
        let span = tracer
            .span_builder("server")
            .child_of(extract(&tracer, map))
            .start();
        assert_eq!(span.parent_id(), None);
    }
    let mut non_utf8 = HeaderMap::new();
    non_utf8.insert("traceparent", HeaderValue::from_bytes(b"00-\xff").unwrap());
    assert!(extract(&tracer, &non_utf8).is_none());

    // A valid traceparent with a 64 KiB tracestate keeps the trace, drops the state.
    let mut big_state = headers(&[(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    )]);
    big_state.insert(
        "tracestate",
        HeaderValue::from_str(&format!("k={}", "v".repeat(64 * 1024))).unwrap(),
    );
    let context = extract_context(&tracer, &big_state).unwrap();
    assert!(context.trace_state().is_empty());
}

#[test]
fn binary_round_trip() {
    let (tracer, _) = tracer_with(Propagator::new());
    let span = tracer.start_span("x");
    span.set_baggage_item("k", "v");
    let context = span.context().unwrap();
    let mut bytes = Vec::new();
    tracer
        .inject(&context, InjectCarrier::Binary(&mut bytes))
        .unwrap();
    let back = tracer
        .extract(ExtractCarrier::Binary(&bytes))
        .unwrap()
        .and_then(Extracted::into_span_context)
        .unwrap();
    assert_eq!(back.span_id(), context.span_id());
    assert_eq!(back.baggage_item("k"), Some("v"));
}

#[test]
fn a_bare_decision_does_not_hide_a_full_context_in_a_later_codec() {
    let (tracer, _) = tracer_with(
        Propagator::empty()
            .codec(B3::multi())
            .codec(W3cTraceContext),
    );
    let both = headers(&[
        ("x-b3-sampled", "1"),
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
    ]);
    let Some(Extracted::Span(context)) = extract(&tracer, &both) else {
        panic!("a full context");
    };
    assert_eq!(context.origin(), Some("w3c"));
}

#[test]
fn a_joined_span_decides_when_the_caller_deferred_and_has_no_self_reference() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::builder("svc", recorder.clone())
        .propagator(Propagator::empty().codec(B3::multi()))
        .join_shared_spans(true)
        .unwrap()
        .build();
    let deferred = headers(&[
        ("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"),
        ("x-b3-spanid", "a2fb4a1d1a96d312"),
    ]);
    let server = tracer
        .span_builder("server")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .child_of(extract(&tracer, &deferred))
        .start();
    assert!(
        server.is_recording(),
        "the default sampler keeps new decisions"
    );
    server.finish();
    let spans = recorder.spans();
    assert!(spans[0].context().is_shared());
    assert!(spans[0].references().is_empty());
    assert_eq!(spans[0].parent_id(), None);
}

#[test]
fn baggage_without_a_trace_still_travels() {
    let (tracer, _) = tracer_with(all_codecs());
    for inbound in [
        headers(&[("uberctx-user", "ada")]),
        headers(&[("baggage", "user=ada")]),
        headers(&[("b3", "1"), ("baggage", "user=ada")]),
    ] {
        let active = tracer.start_active_span("unrelated");
        let server = tracer
            .span_builder("server")
            .child_of(extract(&tracer, &inbound))
            .start();
        assert_eq!(
            server.baggage_item("user").as_deref(),
            Some("ada"),
            "{inbound:?}"
        );
        assert_eq!(
            server.parent_id(),
            None,
            "a bare decision ignores the active span"
        );
        drop(active);
    }
}

#[test]
fn w3c_baggage_adds_to_a_codec_s_own_baggage_which_wins_a_clash() {
    let (tracer, _) = tracer_with(all_codecs());
    let inbound = headers(&[
        ("uber-trace-id", "4bf92f3577b34da6:00f067aa0ba902b7:0:1"),
        ("uberctx-user", "ada"),
        ("baggage", "user=bob,team=core"),
    ]);
    let context = extract(&tracer, &inbound).unwrap();
    let items: Vec<_> = context.baggage().iter().collect();
    assert_eq!(items, [("team", "core"), ("user", "ada")]);
    let only_w3c = headers(&[
        ("uber-trace-id", "4bf92f3577b34da6:00f067aa0ba902b7:0:1"),
        ("baggage", "user=bob,team=core"),
    ]);
    let context = extract(&tracer, &only_w3c).unwrap();
    let items: Vec<_> = context.baggage().iter().collect();
    assert_eq!(items, [("team", "core"), ("user", "bob")]);
}

#[test]
fn debug_is_forced_whatever_the_sampler() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::builder("svc", recorder.clone())
        .sampler(opentracing_core::reference::RatioSampler::new(0.0))
        .propagator(all_codecs())
        .build();
    for inbound in [
        headers(&[("b3", "d")]),
        headers(&[("jaeger-debug-id", "abc")]),
        headers(&[("uber-trace-id", "463ac35c9f6413ad:a2fb4a1d1a96d312:0:3")]),
    ] {
        let span = tracer
            .span_builder("server")
            .child_of(extract(&tracer, &inbound))
            .start();
        assert_eq!(
            span.context().unwrap().sampling(),
            Sampling::Debug,
            "{inbound:?}"
        );
    }
}

#[test]
fn b3_children_carry_their_parent_id() {
    let (tracer, _) = tracer_with(Propagator::empty().codec(B3::multi()));
    let root = tracer.start_span("root");
    let child = tracer.span_builder("client").child_of(&root).start();
    let mut out = HeaderMap::new();
    tracer
        .inject(
            &root.context().unwrap(),
            InjectCarrier::HttpHeaders(&mut out),
        )
        .unwrap();
    assert!(!out.contains_key("x-b3-parentspanid"), "never on a root");
    tracer
        .inject(
            &child.context().unwrap(),
            InjectCarrier::HttpHeaders(&mut out),
        )
        .unwrap();
    assert_eq!(
        out["x-b3-parentspanid"].to_str().unwrap(),
        root.context().unwrap().span_id().to_string()
    );
}

#[test]
fn a_new_trace_keeps_its_references_as_links_only() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("edge", recorder.clone());
    let caller = tracer.start_span("caller");
    let scope = tracer.scope_manager().activate(caller.clone(), false);
    let edge = tracer
        .span_builder("edge")
        .follows_from(&caller)
        .new_trace()
        .start();
    drop(scope);
    let caller = caller.context().unwrap();
    let context = edge.context().unwrap();
    assert_ne!(context.trace_id(), caller.trace_id());
    assert_eq!(edge.parent_id(), None);
    edge.finish();
    let edge = &recorder.spans()[0];
    assert_eq!(edge.parent_id(), None);
    assert_eq!(edge.references()[0].span_id(), caller.span_id());
    assert_eq!(edge.references()[0].trace_id(), caller.trace_id());
}
