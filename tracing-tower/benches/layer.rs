//! One request through `oneshot`, with and without the layers:
//! `cargo bench -p tracing-tower --bench layer`.
#![allow(missing_docs)] // criterion_group! defines undocumented public functions

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, Response};
use http_body::Body;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::{Discard, MockTracer, NoopTracer};
use tower::{Layer, Service, ServiceExt, service_fn};
use tracing_tower::{ClientTracingLayer, ServerTracingLayer};

/// Drives a future that never waits to completion.
fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// Reads a body that never waits to its end.
fn drain<B: Body>(body: B) {
    let mut body = pin!(body);
    let mut cx = Context::from_waker(Waker::noop());
    while let Poll::Ready(Some(frame)) = body.as_mut().poll_frame(&mut cx) {
        black_box(frame.is_ok());
    }
}

const SERVER_URI: &str = "/users/42?page=2";
const CLIENT_URI: &str = "http://shop.example/users/42?page=2";

fn handler(_: Request<String>) -> Ready<Result<Response<String>, Infallible>> {
    ready(Ok(Response::new(String::from("hello"))))
}

/// A request as a server receives it (origin form) or a client sends it (absolute).
fn request(uri: &'static str) -> Request<String> {
    Request::get(uri)
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .body(String::new())
        .unwrap()
}

/// One request to `uri` through `service`, the response body read to its end.
fn one_request<S, B>(service: &S, uri: &'static str)
where
    S: Service<Request<String>, Response = Response<B>> + Clone,
    S::Error: std::fmt::Debug,
    B: Body,
{
    let response = run(service.clone().oneshot(request(uri))).unwrap();
    drain(response.into_body());
}

fn layers(c: &mut Criterion) {
    let mut group = c.benchmark_group("one request");
    let bare = service_fn(handler);
    group.bench_function("without a layer", |b| {
        b.iter(|| one_request(&bare, SERVER_URI))
    });

    let noop = ServerTracingLayer::new(NoopTracer::new()).layer(service_fn(handler));
    group.bench_function("server layer, no-op tracer", |b| {
        b.iter(|| one_request(&noop, SERVER_URI))
    });

    let mock = MockTracer::new();
    let server = ServerTracingLayer::new(mock.clone()).layer(service_fn(handler));
    group.bench_function("server layer, mock tracer", |b| {
        b.iter_custom(|iterations| {
            let start = Instant::now();
            for _ in 0..iterations {
                one_request(&server, SERVER_URI);
            }
            let elapsed = start.elapsed();
            mock.reset();
            elapsed
        })
    });

    let reference = ReferenceTracer::new("bench", Arc::new(Discard));
    let server = ServerTracingLayer::new(reference.clone()).layer(service_fn(handler));
    group.bench_function("server layer, reference tracer", |b| {
        b.iter(|| one_request(&server, SERVER_URI))
    });

    let client = ClientTracingLayer::new(reference).layer(service_fn(handler));
    group.bench_function("client layer, reference tracer", |b| {
        b.iter(|| one_request(&client, CLIENT_URI))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = layers
}
criterion_main!(benches);
