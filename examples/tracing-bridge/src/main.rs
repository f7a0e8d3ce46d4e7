//! Run with: `cargo run -p example-tracing-bridge`
//!
//! The `tracing` crate in the OpenTracing trace: an axum service traced by tracing-axum
//! whose handler calls `#[instrument]` helpers (a nested async call, a task spawned with
//! `.in_current_span()`, a reqwest call to a second route). One request gives one trace,
//! drawn as a waterfall; the log lines, in tracing-subscriber's JSON format, carry its ids.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::tracing_bridge::{OpenTracingLayer, WithTraceIds};
use opentracing_core::view::WaterfallRecorder;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use tracing::Instrument;
use tracing_reqwest::TracingMiddleware;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Clone)]
struct Shop {
    client: ClientWithMiddleware,
    addr: SocketAddr,
}

#[tracing::instrument(skip(shop))]
async fn checkout(State(shop): State<Shop>) -> String {
    let items = load_cart(7).await;
    let stock = check_stock(&shop).await;
    // Carried into the task: its span is a child of this request's.
    let receipt = tokio::spawn(send_receipt(7).in_current_span());
    let _ = receipt.await;
    format!("{items} items; inventory says {stock}")
}

#[tracing::instrument]
async fn load_cart(user: u64) -> u32 {
    let total = price(3).await;
    tracing::info!(items = 3, total, "cart loaded");
    3
}

#[tracing::instrument]
async fn price(items: u32) -> u32 {
    tokio::time::sleep(Duration::from_millis(2)).await;
    items * 250
}

#[tracing::instrument(skip(shop))]
async fn check_stock(shop: &Shop) -> String {
    let url = format!("http://{}/inventory", shop.addr);
    match shop.client.get(url).send().await {
        Ok(answer) => answer.text().await.unwrap_or_default(),
        Err(error) => {
            tracing::error!(%error, "inventory unreachable");
            String::from("nothing")
        }
    }
}

#[tracing::instrument]
async fn send_receipt(user: u64) {
    tokio::time::sleep(Duration::from_millis(1)).await;
    tracing::info!("receipt sent");
}

async fn inventory() -> &'static str {
    "3 left"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let waterfall = Arc::new(WaterfallRecorder::stdout());
    let tracer = ReferenceTracer::new("shop", waterfall.clone());
    // The bridge, and JSON log lines that carry the active span's ids; `INFO` and above.
    tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(OpenTracingLayer::new(tracer.clone()))
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .map_event_format(WithTraceIds::json),
        )
        .init();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(tracer.clone()))
        .build();
    let app = Router::new()
        .route("/checkout", get(checkout))
        .route("/inventory", get(inventory))
        .with_state(Shop { client, addr })
        .layer(tracing_axum::layer_with(tracer.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await });

    println!("GET /checkout; the log lines first, then the trace:\n");
    let answer = reqwest::get(format!("http://{addr}/checkout")).await?;
    let text = answer.text().await?;
    // The server finishes its span as the last byte goes, which the client may see first.
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!();
    waterfall.flush();
    println!("\nanswer: {text}");
    Ok(())
}
