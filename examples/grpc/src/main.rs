//! Run with: `cargo run -p example-grpc`
//!
//! tracing-tower's layers on gRPC: a tonic server (the standard health service, from
//! `tonic-health`) with the server layer, and a tonic channel with the client layer. Four
//! calls, each under a span of its own, drawn as waterfalls: a unary call, a call that
//! fails with `NOT_FOUND`, a server stream read for three updates, and a call past its
//! deadline. The spans are named `grpc.health.v1.Health/Check` and tagged `rpc.*`, with
//! the status read from the headers or the trailers.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use opentracing_core::reference::ReferenceTracer;
use opentracing_core::view::WaterfallRecorder;
use opentracing_core::{Tracer, WithSpan};
use tonic::transport::server::{TcpConnectInfo, TcpIncoming};
use tonic::transport::{Channel, Server};
use tonic_health::ServingStatus;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use tower::Layer;
use tower::filter::AsyncFilterLayer;
use tracing_tower::{ClientTracingLayer, ServerTracingLayer};

fn asking(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.to_owned(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let waterfall = Arc::new(WaterfallRecorder::stdout());
    let tracer = ReferenceTracer::new("grpc-example", waterfall.clone());

    // The server: the health service behind the server layer, which finds the peer's
    // address in tonic's connection info.
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("shop", ServingStatus::Serving)
        .await;
    let incoming = TcpIncoming::bind("127.0.0.1:0".parse()?)?;
    let addr = incoming.local_addr()?;
    let server_layer =
        ServerTracingLayer::new(tracer.clone()).peer_addr_with(|extensions: &http::Extensions| {
            extensions
                .get::<TcpConnectInfo>()
                .and_then(TcpConnectInfo::remote_addr)
        });
    // Inside the layer, so that the span covers it: a second's wait for requests marked
    // `x-slow`, longer than the deadline of scenario 4.
    let slow_down = AsyncFilterLayer::new(|request: http::Request<tonic::body::Body>| async move {
        if request.headers().contains_key("x-slow") {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok::<_, tower::BoxError>(request)
    });
    tokio::spawn(
        Server::builder()
            .layer(server_layer)
            .layer(slow_down)
            .add_service(health)
            .serve_with_incoming(incoming),
    );

    // The client: a channel behind the client layer, told the channel's origin (a
    // channel's requests carry only their path).
    let origin: http::Uri = format!("http://{addr}").parse()?;
    let channel = Channel::builder(origin.clone()).connect_lazy();
    let traced = ClientTracingLayer::new(tracer.clone())
        .origin(origin)
        .layer(channel);
    let client = HealthClient::new(traced);

    println!("1. A unary call: OK, read from the trailers.\n");
    let scenario = tracer.start_span("check shop");
    let status = client
        .clone()
        .check(asking("shop"))
        .with_span(scenario.clone())
        .await?;
    println!("   shop is {:?}", status.into_inner().status());
    finish(scenario).await;

    println!("\n2. A failing call: NOT_FOUND, in the headers of a trailers-only answer.\n");
    let scenario = tracer.start_span("check a service that is not there");
    let status = client
        .clone()
        .check(asking("payments"))
        .with_span(scenario.clone())
        .await
        .unwrap_err();
    println!("   {:?}: {}", status.code(), status.message());
    finish(scenario).await;

    println!("\n3. A server stream, read for three updates, then dropped (client_gone).\n");
    let scenario = tracer.start_span("watch shop");
    let mut updates = client
        .clone()
        .watch(asking("shop"))
        .with_span(scenario.clone())
        .await?
        .into_inner();
    for status in [ServingStatus::NotServing, ServingStatus::Serving] {
        let update = updates.message().with_span(scenario.clone()).await?;
        println!("   update: {:?}", update.map(|update| update.status()));
        reporter.set_service_status("shop", status).await;
    }
    let update = updates.message().with_span(scenario.clone()).await?;
    println!("   update: {:?}", update.map(|update| update.status()));
    drop(updates);
    finish(scenario).await;

    println!("\n4. A call past its 300 ms deadline: DEADLINE_EXCEEDED on both sides.\n");
    let scenario = tracer.start_span("check shop within 300 ms");
    let mut request = tonic::Request::new(asking("shop"));
    request.set_timeout(Duration::from_millis(300));
    request.metadata_mut().insert("x-slow", "1".parse()?);
    let ended = client
        .clone()
        .check(request)
        .with_span(scenario.clone())
        .await;
    println!("   ended: {:?}", ended.map_err(|status| status.code()));
    finish(scenario).await;

    waterfall.flush();
    Ok(())
}

/// Finishes a scenario's span once the server's span is in: the server finishes its own
/// as the last frame goes, which the client may see first.
async fn finish(scenario: opentracing_core::Span) {
    tokio::time::sleep(Duration::from_millis(50)).await;
    scenario.finish();
}
