//! The middleware's own cost per call, against a loopback server:
//! `cargo bench -p tracing-reqwest --bench middleware`.
#![allow(missing_docs)] // criterion_group! defines undocumented public functions

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::{Discard, NoopTracer};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use tracing_reqwest::TracingMiddleware;

fn calls(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { "ok" }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/")
    });
    let call = |client: &ClientWithMiddleware| {
        runtime.block_on(async {
            let response = client.get(&url).send().await.unwrap();
            black_box(response.bytes().await.unwrap());
        })
    };

    let mut group = c.benchmark_group("one call over loopback");
    let without = ClientBuilder::new(reqwest::Client::new()).build();
    group.bench_function("without the middleware", |b| b.iter(|| call(&without)));
    let noop = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(NoopTracer::new()))
        .build();
    group.bench_function("middleware, no-op tracer", |b| b.iter(|| call(&noop)));
    let reference = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(ReferenceTracer::new(
            "bench",
            Arc::new(Discard),
        )))
        .build();
    group.bench_function("middleware, reference tracer", |b| {
        b.iter(|| call(&reference))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = calls
}
criterion_main!(benches);
