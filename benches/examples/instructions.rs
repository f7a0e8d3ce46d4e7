//! Runs one workload N times, so that `instructions.sh` can count its instructions under
//! callgrind: a measure that, unlike wall time on a shared machine, repeats exactly.
//!
//! `bash benches/instructions.sh` (needs valgrind)
#![allow(missing_docs)]
#![allow(deprecated)] // the B3 peer is deprecated upstream, still widely deployed
use std::hint::black_box;
use std::sync::Arc;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentracing_core::propagation::{B3, Codec, Jaeger, W3cBaggage, W3cTraceContext};
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Encoder as _, Executor, Otlp, OtlpProtocol, Reporter, ZipkinJson};
use opentracing_core::tracing_bridge::OpenTracingLayer;
use opentracing_core::view::TraceStore;
use opentracing_core::{Baggage, Discard, FinishedSpan, InMemoryRecorder, Tracer, tags};
use opentracing_core::{SpanContext, SpanId, TraceId};
use peer_benches::{
    DiscardProcessor, app, instrumented_call, jaeger_peer, otlp_peer, sdk_span_life, span_floor,
    span_life,
};

/// Injects into a fresh header map.
fn inject(codec: &dyn Codec, context: &SpanContext) {
    let mut headers = http::HeaderMap::new();
    codec.inject(black_box(context), &mut headers);
    black_box(headers);
}

fn extract(codec: &dyn Codec, headers: &http::HeaderMap) {
    black_box(codec.extract(black_box(headers)).ok());
}

/// What any codec pays `HeaderMap` for the same headers (as the codec bench's floor rows):
/// the finished names and values inserted into a fresh map.
fn inject_floor(pairs: &[(http::HeaderName, http::HeaderValue)]) {
    let mut headers = http::HeaderMap::new();
    for (name, value) in black_box(pairs) {
        headers.insert(name.clone(), value.clone());
    }
    black_box(headers);
}

/// ... and each looked up by name and read as text.
fn extract_floor(headers: &http::HeaderMap, names: &[String]) {
    let headers = black_box(headers);
    let read = names
        .iter()
        .filter_map(|name| headers.get(name.as_str())?.to_str().ok())
        .map(str::len)
        .sum::<usize>();
    black_box(read);
}

/// The same with an OpenTelemetry propagator.
fn otel_inject(propagator: &dyn TextMapPropagator, context: &opentelemetry::Context) {
    let mut headers = http::HeaderMap::new();
    propagator.inject_context(black_box(context), &mut HeaderInjector(&mut headers));
    black_box(headers);
}

fn otel_extract(propagator: &dyn TextMapPropagator, headers: &http::HeaderMap) {
    let extracted = propagator.extract(&HeaderExtractor(black_box(headers)));
    black_box(extracted.span().span_context().clone());
}

/// A finished server span with the tags tracing-axum gives one.
fn server_span() -> FinishedSpan {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("bench", recorder.clone());
    let span = tracer
        .span_builder("GET /users/{id}")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::COMPONENT, "tracing-axum")
        .tag(tags::HTTP_METHOD, "GET")
        .tag(tags::HTTP_URL, "/users/42")
        .start();
    span.set_tag(tags::PEER_HOST_IPV4, "127.0.0.1")
        .set_tag(tags::PEER_PORT, 50312)
        .set_tag("http.route", "/users/{id}")
        .set_tag(tags::HTTP_STATUS_CODE, 200)
        .set_tag("finish.reason", "complete");
    span.finish();
    recorder.take().remove(0)
}

/// The batch a work names: 512 spans for a `-512` work, else one.
fn batch_size(work: &str) -> usize {
    if work.ends_with("-512") { 512 } else { 1 }
}

/// `batch_size(work)` copies of `span`.
fn batch(span: &FinishedSpan, work: &str) -> Vec<FinishedSpan> {
    vec![span.clone(); batch_size(work)]
}

/// Encodes `spans` into a fresh buffer, as the reporter does for each batch.
fn encode(encoder: &Otlp, spans: &[FinishedSpan]) {
    let mut body = Vec::with_capacity(1024);
    encoder.encode(black_box(spans), &mut body);
    black_box(body);
}

/// One `GET /users/42` through a router, body read, no network. The router is given its
/// state first, as `axum::serve` does, so that its routes are built once and not per request.
fn request(runtime: &tokio::runtime::Runtime, app: &axum::Router) {
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    let request = http::Request::get("/users/42")
        .body(axum::body::Body::empty())
        .unwrap();
    runtime.block_on(async {
        let response = app.clone().oneshot(request).await.unwrap();
        black_box(response.into_body().collect().await.unwrap());
    });
}

fn main() {
    use opentelemetry::trace::TracerProvider as _;
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_span_processor(DiscardProcessor)
        .build();
    let sdk = provider.tracer("bench");
    let mut args = std::env::args().skip(1);
    let work = args.next().unwrap();
    let n: u64 = args.next().unwrap().parse().unwrap();
    let reference = ReferenceTracer::new("bench", Arc::new(Discard));
    // A reporter whose collector refuses connections: `report` does all its work, the
    // worker's sends fail fast (on the worker's own thread, which callgrind does not count).
    let reporter = Reporter::builder(
        "http://127.0.0.1:9/api/v2/spans".parse().unwrap(),
        ZipkinJson::new("bench"),
    )
    .max_queue_spans(1 << 20)
    .start(Executor::OwnThread)
    .unwrap();
    let reporting = ReferenceTracer::new("bench", Arc::new(reporter.clone()));
    // The trace viewer's store, at its default limits. Under callgrind its thread barely
    // runs: runs of it stay under its queue's 8 192 spans (instructions.sh sees to it).
    let store = Arc::new(TraceStore::default());
    let storing = ReferenceTracer::new("bench", store.clone());
    let server_span = server_span();
    let context = SpanContext::new(
        TraceId::new(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736).unwrap(),
        SpanId::new(0x00f0_67aa_0ba9_02b7).unwrap(),
    );
    let filled = |codec: &dyn Codec| {
        let mut headers = http::HeaderMap::new();
        codec.inject(&context, &mut headers);
        headers
    };
    let (w3c_headers, b3_headers) = (filled(&W3cTraceContext), filled(&B3::multi()));
    let jaeger_headers = filled(&Jaeger);
    // The large case of the codec bench: a full 32-member `tracestate`.
    let tracestate = (0..32)
        .map(|i| format!("vendor{i}=opaque-value-{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut tracestate_headers = w3c_headers.clone();
    tracestate_headers.insert("tracestate", tracestate.parse().unwrap());
    // ... and a 64-member `baggage`.
    let baggage: Baggage = (0..64)
        .map(|i| (format!("key{i}"), format!("value {i}")))
        .collect();
    let mut baggage_headers = http::HeaderMap::new();
    W3cBaggage.inject(&baggage, &mut baggage_headers);
    let otel_context = {
        use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
        let span = SpanContext::new(
            TraceId::from(context.trace_id().get()),
            SpanId::from(context.span_id().get()),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        opentelemetry::Context::new().with_remote_span_context(span)
    };
    let pairs = |headers: &http::HeaderMap| -> Vec<_> {
        let pairs = headers.iter().map(|(k, v)| (k.clone(), v.clone()));
        pairs.collect()
    };
    let names = |headers: &http::HeaderMap| -> Vec<String> {
        headers.keys().map(|k| k.as_str().to_owned()).collect()
    };
    let (w3c_pairs, w3c_names) = (pairs(&w3c_headers), names(&w3c_headers));
    let (b3_pairs, b3_names) = (pairs(&b3_headers), names(&b3_headers));
    let (jaeger_pairs, jaeger_names) = (pairs(&jaeger_headers), names(&jaeger_headers));
    let (otel_w3c, otel_b3) = (
        TraceContextPropagator::new(),
        opentelemetry_zipkin::Propagator::new(),
    );
    let otel_filled = |propagator: &dyn TextMapPropagator| {
        let mut headers = http::HeaderMap::new();
        propagator.inject_context(&otel_context, &mut HeaderInjector(&mut headers));
        headers
    };
    let (otel_w3c_headers, otel_b3_headers) = (otel_filled(&otel_w3c), otel_filled(&otel_b3));
    let otel_baggage_headers = baggage_headers.clone();
    let mut otel_tracestate_headers = otel_w3c_headers.clone();
    otel_tracestate_headers.insert("tracestate", tracestate.parse().unwrap());
    let otel_jaeger = jaeger_peer::peer(context.trace_id().get(), context.span_id().get());
    let otel_jaeger_headers = jaeger_peer::inject(&otel_jaeger.0, &otel_jaeger.1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let bare = app().with_state(());
    let traced = app()
        .layer(tracing_axum::layer_with(reference.clone()))
        .with_state(());
    // The bridge modes' subscriber, this thread's default while measured.
    let _subscriber = {
        use tracing_subscriber::layer::SubscriberExt as _;
        let registry = tracing_subscriber::registry();
        match work.as_str() {
            "bridge-registry" => Some(tracing::subscriber::set_default(registry)),
            "bridge-ours" => Some(tracing::subscriber::set_default(
                registry.with(OpenTracingLayer::new(reference.clone())),
            )),
            "bridge-otel" => Some(tracing::subscriber::set_default(
                registry.with(tracing_opentelemetry::layer().with_tracer(sdk.clone())),
            )),
            _ => None,
        }
    };
    let op: Box<dyn Fn()> = match work.as_str() {
        "bridge-registry" | "bridge-ours" | "bridge-otel" => Box::new(instrumented_call),
        "axum-bare" => Box::new(|| request(&runtime, &bare)),
        "axum-ours" => Box::new(|| request(&runtime, &traced)),
        "axum-store" => {
            let app = app()
                .layer(tracing_axum::layer_with(storing.clone()))
                .with_state(());
            Box::new(move || request(&runtime, &app))
        }
        "axum-report" => {
            let app = app()
                .layer(tracing_axum::layer_with(reporting.clone()))
                .with_state(());
            Box::new(move || request(&runtime, &app))
        }
        "w3c-inject" => Box::new(move || inject(&W3cTraceContext, &context)),
        "w3c-extract" => Box::new(move || extract(&W3cTraceContext, &w3c_headers)),
        "b3-inject" => Box::new(move || inject(&B3::multi(), &context)),
        "b3-extract" => Box::new(move || extract(&B3::multi(), &b3_headers)),
        "jaeger-inject" => Box::new(move || inject(&Jaeger, &context)),
        "jaeger-extract" => Box::new(move || extract(&Jaeger, &jaeger_headers)),
        "tracestate-extract" => Box::new(move || extract(&W3cTraceContext, &tracestate_headers)),
        "w3c-inject-floor" => Box::new(move || inject_floor(&w3c_pairs)),
        "w3c-extract-floor" => Box::new(move || extract_floor(&w3c_headers, &w3c_names)),
        "b3-inject-floor" => Box::new(move || inject_floor(&b3_pairs)),
        "b3-extract-floor" => Box::new(move || extract_floor(&b3_headers, &b3_names)),
        "jaeger-inject-floor" => Box::new(move || inject_floor(&jaeger_pairs)),
        "jaeger-extract-floor" => Box::new(move || extract_floor(&jaeger_headers, &jaeger_names)),
        "baggage-inject" => Box::new(move || {
            let mut headers = http::HeaderMap::new();
            W3cBaggage.inject(black_box(&baggage), &mut headers);
            black_box(headers);
        }),
        "baggage-extract" => Box::new(move || {
            black_box(W3cBaggage.extract(black_box(&baggage_headers)));
        }),
        "otel-baggage-inject" => {
            use opentelemetry::baggage::BaggageExt as _;
            let context = opentelemetry::Context::new().with_baggage(
                baggage
                    .iter()
                    .map(|(k, v)| opentelemetry::KeyValue::new(k.to_owned(), v.to_owned())),
            );
            Box::new(move || otel_inject(&BaggagePropagator::new(), &context))
        }
        "otel-baggage-extract" => {
            Box::new(move || otel_extract(&BaggagePropagator::new(), &otel_baggage_headers))
        }
        "otel-tracestate-extract" => {
            Box::new(move || otel_extract(&otel_w3c, &otel_tracestate_headers))
        }
        "otel-w3c-inject" => Box::new(move || otel_inject(&otel_w3c, &otel_context)),
        "otel-w3c-extract" => Box::new(move || otel_extract(&otel_w3c, &otel_w3c_headers)),
        "otel-b3-inject" => Box::new(move || otel_inject(&otel_b3, &otel_context)),
        "otel-jaeger-inject" => Box::new(move || {
            black_box(jaeger_peer::inject(
                &otel_jaeger.0,
                black_box(&otel_jaeger.1),
            ));
        }),
        "otel-jaeger-extract" => Box::new(move || {
            black_box(jaeger_peer::extract(
                &otel_jaeger.0,
                black_box(&otel_jaeger_headers),
            ));
        }),
        "otel-b3-extract" => Box::new(move || otel_extract(&otel_b3, &otel_b3_headers)),
        "otlp-protobuf-encode" | "otlp-protobuf-encode-512" => {
            let encoder = Otlp::new("bench");
            let spans = batch(&server_span, &work);
            Box::new(move || encode(&encoder, &spans))
        }
        "otlp-json-encode" | "otlp-json-encode-512" => {
            let encoder = Otlp::new("bench").protocol(OtlpProtocol::HttpJson);
            let spans = batch(&server_span, &work);
            Box::new(move || encode(&encoder, &spans))
        }
        "otlp-prost-encode" | "otlp-prost-encode-512" => {
            let spans = batch(&server_span, &work);
            Box::new(move || drop(black_box(otlp_peer::prost_encode(black_box(&spans)))))
        }
        "otel-otlp-encode" | "otel-otlp-encode-512" => {
            let (spans, resource) = otlp_peer::sdk_server_spans(batch_size(&work));
            // The exporter owns its batch: the clone is counted, and subtracted by the
            // script as the `otel-spandata-clone` row.
            Box::new(move || {
                black_box(otlp_peer::otel_encode(black_box(&spans).clone(), &resource));
            })
        }
        "otel-spandata-clone" | "otel-spandata-clone-512" => {
            let (spans, _) = otlp_peer::sdk_server_spans(batch_size(&work));
            Box::new(move || drop(black_box(black_box(&spans).clone())))
        }
        "otlp-bytes" => {
            let (sdk, resource) = otlp_peer::sdk_server_spans(1);
            let one = std::slice::from_ref(&server_span);
            let size = |encoder: Otlp| {
                let mut body = Vec::new();
                encoder.encode(one, &mut body);
                body.len()
            };
            eprintln!(
                "bytes of one typical server span: otlp-protobuf {}, otlp-json {}, otlp-prost {}, otel-otlp {}",
                size(Otlp::new("bench")),
                size(Otlp::new("bench").protocol(OtlpProtocol::HttpJson)),
                otlp_peer::prost_encode(one).len(),
                otlp_peer::otel_encode(sdk, &resource).len(),
            );
            Box::new(|| {})
        }
        "zipkin-encode" => {
            let encoder = ZipkinJson::new("bench");
            Box::new(move || {
                let mut body = Vec::with_capacity(1024);
                encoder.encode(std::slice::from_ref(&server_span), &mut body);
                black_box(body);
            })
        }
        "span" => Box::new(|| span_life(&reference)),
        "span-report" => Box::new(|| span_life(&reporting)),
        "span-store" => Box::new(|| span_life(&storing)),
        "span-floor" => Box::new(span_floor),
        "noop" => Box::new(|| span_life(&opentracing_core::NoopTracer::new())),
        "otel-span" => Box::new(|| sdk_span_life(&sdk)),
        _ => panic!("unknown"),
    };
    op(); // one-time setup (clock calibration, thread-locals) stays out of the count
    measured(n, &*op);
    // A refused span takes another path: the count is of spans the store took.
    assert_eq!(store.usage().refused_spans, 0, "the store's queue filled");
}

/// The loop callgrind counts (`--toggle-collect=*measured*`).
#[inline(never)]
fn measured(n: u64, op: &dyn Fn()) {
    for _ in 0..n {
        op();
    }
}
