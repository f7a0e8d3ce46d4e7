//! The gRPC server of `benches/grpc-instructions.sh`: the standard health service (from
//! `tonic-health`) on tonic, in one tracing mode, and the client that drives it.
//!
//! `grpc-server <mode>`, where mode is `bare`, `tower-http` (tower-http's
//! `TraceLayer::new_for_grpc()` with a subscriber of one layer, formatting to a sink),
//! `ours-discard` (tracing-tower's server layer, reference tracer, spans dropped) or
//! `ours-reference` (the same, reporting Zipkin JSON to the collector address given next);
//! it prints `listening on` and its address once ready, on one thread. `grpc-server drive`
//! followed by an address and a number of calls makes that many unary `Check` calls, one
//! after another, on one channel.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::sync::Arc;

use opentracing_core::Discard;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Executor, Reporter, ZipkinJson};
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use tracing_tower::ServerTracingLayer;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "bare".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if mode == "drive" {
        let address = args.next().ok_or("drive needs the server's address")?;
        let calls: usize = args
            .next()
            .ok_or("drive needs a number of calls")?
            .parse()?;
        return runtime.block_on(drive(&address, calls));
    }
    let collector = args.next();
    runtime.block_on(serve(&mode, collector))
}

async fn serve(
    mode: &str,
    collector: Option<String>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    let incoming = TcpIncoming::bind("127.0.0.1:0".parse()?)?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {}", incoming.local_addr()?)?;
    stdout.flush()?;
    let router = match mode {
        "bare" => Server::builder().add_service(health),
        "tower-http" => {
            peer_benches::install_fmt_subscriber()?;
            return Ok(Server::builder()
                .layer(tower_http::trace::TraceLayer::new_for_grpc())
                .add_service(health)
                .serve_with_incoming(incoming)
                .await?);
        }
        "ours-discard" | "ours-reference" => {
            let tracer = match collector.filter(|_| mode == "ours-reference") {
                Some(collector) => {
                    let url = format!("http://{collector}/api/v2/spans").parse()?;
                    let reporter = Reporter::builder(url, ZipkinJson::new("grpc"))
                        .start(Executor::OwnThread)?;
                    ReferenceTracer::new("grpc", Arc::new(reporter))
                }
                None => ReferenceTracer::new("grpc", Arc::new(Discard)),
            };
            return Ok(Server::builder()
                .layer(ServerTracingLayer::new(tracer))
                .add_service(health)
                .serve_with_incoming(incoming)
                .await?);
        }
        other => return Err(format!("unknown mode {other}").into()),
    };
    Ok(router.serve_with_incoming(incoming).await?)
}

async fn drive(
    address: &str,
    calls: usize,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{address}"))?
        .connect()
        .await?;
    let mut client = HealthClient::new(channel);
    for _ in 0..calls {
        client
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await?;
    }
    Ok(())
}
