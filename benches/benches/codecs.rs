//! Inject and extract through an `http::HeaderMap`, codec by codec: ours against the
//! OpenTelemetry propagator for the same format, in the same run.
//!
//! `cargo bench -p peer-benches --bench codecs`
#![allow(missing_docs)] // criterion_group! defines undocumented public functions
#![allow(deprecated)] // the B3 and Jaeger peers are deprecated upstream, still widely deployed

use std::hint::black_box;

use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use http::HeaderMap;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{
    SpanContext as OtelContext, SpanId as OtelSpanId, TraceContextExt, TraceFlags,
    TraceId as OtelTraceId, TraceState as OtelTraceState,
};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentracing_core::propagation::{B3, Codec, Jaeger, OtHeaders, W3cBaggage, W3cTraceContext};
use opentracing_core::{Baggage, SpanContext, SpanId, TraceId};

const TRACE_ID: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
const SPAN_ID: u64 = 0x00f0_67aa_0ba9_02b7;

fn ours_context() -> SpanContext {
    SpanContext::new(
        TraceId::new(TRACE_ID).unwrap(),
        SpanId::new(SPAN_ID).unwrap(),
    )
    .with_random_trace_id(true)
}

fn otel_context(trace_state: OtelTraceState) -> opentelemetry::Context {
    let span = OtelContext::new(
        OtelTraceId::from(TRACE_ID),
        OtelSpanId::from(SPAN_ID),
        TraceFlags::SAMPLED,
        true,
        trace_state,
    );
    opentelemetry::Context::new().with_remote_span_context(span)
}

/// Inject into a fresh map and extract from a filled one, for one of our codecs.
fn bench_ours(group: &mut BenchmarkGroup<'_, WallTime>, codec: &dyn Codec, context: &SpanContext) {
    let name = codec.name();
    group.bench_function(format!("{name} inject: ours"), |b| {
        b.iter(|| {
            let mut headers = HeaderMap::new();
            codec.inject(black_box(context), &mut headers);
            headers
        })
    });
    let mut headers = HeaderMap::new();
    codec.inject(context, &mut headers);
    group.bench_function(format!("{name} extract: ours"), |b| {
        b.iter(|| codec.extract(black_box(&headers)))
    });
    bench_floor(group, name, &headers);
}

/// What any codec pays for the same headers through `HeaderMap`, without reading or writing
/// a single id: inserting the finished names and values into a fresh map, and looking each
/// one up by name. A codec cannot be cheaper than this floor.
fn bench_floor(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, filled: &HeaderMap) {
    let pairs: Vec<_> = filled.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    group.bench_function(format!("{name} inject floor"), |b| {
        b.iter(|| {
            let mut headers = HeaderMap::new();
            for (key, value) in black_box(&pairs) {
                headers.insert(key.clone(), value.clone());
            }
            headers
        })
    });
    let names: Vec<String> = filled.keys().map(|k| k.as_str().to_owned()).collect();
    group.bench_function(format!("{name} extract floor"), |b| {
        b.iter(|| {
            let headers = black_box(filled);
            names
                .iter()
                .filter_map(|name| headers.get(name.as_str())?.to_str().ok())
                .map(str::len)
                .sum::<usize>()
        })
    });
}

/// The same for an OpenTelemetry propagator.
fn bench_otel(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    propagator: &dyn TextMapPropagator,
    context: &opentelemetry::Context,
) {
    group.bench_function(format!("{name} inject: opentelemetry"), |b| {
        b.iter(|| {
            let mut headers = HeaderMap::new();
            propagator.inject_context(black_box(context), &mut HeaderInjector(&mut headers));
            headers
        })
    });
    let mut headers = HeaderMap::new();
    propagator.inject_context(context, &mut HeaderInjector(&mut headers));
    group.bench_function(format!("{name} extract: opentelemetry"), |b| {
        b.iter(|| {
            let extracted = propagator.extract(&HeaderExtractor(black_box(&headers)));
            extracted.span().span_context().clone()
        })
    });
}

fn trace_context(c: &mut Criterion) {
    let mut group = c.benchmark_group("codec");
    let context = ours_context();
    let otel = otel_context(OtelTraceState::default());

    bench_ours(&mut group, &W3cTraceContext, &context);
    bench_otel(&mut group, "w3c", &TraceContextPropagator::new(), &otel);

    bench_ours(&mut group, &B3::multi(), &context);
    bench_otel(
        &mut group,
        "b3",
        &opentelemetry_zipkin::Propagator::new(),
        &otel,
    );

    bench_ours(&mut group, &Jaeger, &context);
    jaeger_otel(&mut group);

    bench_ours(&mut group, &OtHeaders, &context);
    group.finish();
}

/// OpenTelemetry's Jaeger propagator, same work.
fn jaeger_otel(group: &mut BenchmarkGroup<'_, WallTime>) {
    use peer_benches::jaeger_peer;
    let (propagator, context) = jaeger_peer::peer(TRACE_ID, SPAN_ID);
    group.bench_function("jaeger inject: opentelemetry", |b| {
        b.iter(|| jaeger_peer::inject(&propagator, black_box(&context)))
    });
    let headers = jaeger_peer::inject(&propagator, &context);
    group.bench_function("jaeger extract: opentelemetry", |b| {
        b.iter(|| jaeger_peer::extract(&propagator, black_box(&headers)))
    });
}

/// The large cases: a full 32-member `tracestate` and a 64-member `baggage`.
fn large_headers(c: &mut Criterion) {
    let mut group = c.benchmark_group("large");
    let members: Vec<(String, String)> = (0..32)
        .map(|i| (format!("vendor{i}"), format!("opaque-value-{i}")))
        .collect();
    let header = members
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");

    let mut ours_headers = HeaderMap::new();
    W3cTraceContext.inject(&ours_context(), &mut ours_headers);
    ours_headers.insert("tracestate", header.parse().unwrap());
    let extracted = W3cTraceContext.extract(&ours_headers).unwrap().unwrap();
    let context = extracted.into_span_context().unwrap();
    bench_ours(&mut group, &W3cTraceContext, &context);
    let otel = otel_context(header.parse().unwrap());
    bench_otel(&mut group, "w3c", &TraceContextPropagator::new(), &otel);

    let baggage: Baggage = (0..64)
        .map(|i| (format!("key{i}"), format!("value {i}")))
        .collect();
    group.bench_function("baggage inject: ours", |b| {
        b.iter(|| {
            let mut headers = HeaderMap::new();
            W3cBaggage.inject(black_box(&baggage), &mut headers);
            headers
        })
    });
    let mut headers = HeaderMap::new();
    W3cBaggage.inject(&baggage, &mut headers);
    group.bench_function("baggage extract: ours", |b| {
        b.iter(|| W3cBaggage.extract(black_box(&headers)))
    });
    let propagator = BaggagePropagator::new();
    let otel_baggage = opentelemetry::Context::new().with_baggage(
        baggage
            .iter()
            .map(|(k, v)| opentelemetry::KeyValue::new(k.to_owned(), v.to_owned())),
    );
    bench_otel(&mut group, "baggage", &propagator, &otel_baggage);
    group.finish();
}

criterion_group!(benches, trace_context, large_headers);
criterion_main!(benches);
