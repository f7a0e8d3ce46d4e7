//! End to end against a real OTLP backend: otelite (`cargo install otelite --version
//! 0.1.156 --locked`). The test starts it on free loopback ports, reports a trace through
//! the reporter in each OTLP protocol (protobuf and JSON over HTTP, gRPC), and reads each
//! trace back through otelite's REST API.
//!
//! Without otelite installed the test says so and passes, unless `REQUIRE_OTELITE` is set
//! (CI sets it, and installs otelite).
#![cfg(feature = "reporter")]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Executor, Otlp, OtlpProtocol, Reporter};
use opentracing_core::{Fanout, InMemoryRecorder, Tracer, tags};
use serde_json::Value;

/// The otelite binary: `$OTELITE_BIN`, else on `PATH`, else in cargo's bin folder.
fn otelite_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("OTELITE_BIN") {
        return Some(path.into());
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("otelite"));
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin/otelite"));
    on_path.chain(cargo_home).find(|path| path.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running otelite, stopped and cleaned up on drop.
struct Otelite {
    child: Child,
    dir: PathBuf,
    dashboard: u16,
    otlp_http: u16,
    otlp_grpc: u16,
}

impl Otelite {
    fn start(binary: PathBuf) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("otelite-test-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (dashboard, otlp_http, otlp_grpc) = (free_port(), free_port(), free_port());
        let child = Command::new(binary)
            .args([
                "serve",
                "--addr",
                &format!("127.0.0.1:{dashboard}"),
                "--no-pager",
            ])
            .arg("--storage-path")
            .arg(&dir)
            .env("OTELITE_OTLP_HTTP_PORT", otlp_http.to_string())
            .env("OTELITE_OTLP_GRPC_PORT", otlp_grpc.to_string())
            .env("HOME", &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("otelite starts");
        Otelite {
            child,
            dir,
            dashboard,
            otlp_http,
            otlp_grpc,
        }
    }
}

impl Drop for Otelite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// GETs `url`; the status and the body as JSON (null when it is not JSON).
async fn get_json(url: String) -> Option<(u16, Value)> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let response = client.get(url.parse().ok()?).await.ok()?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reported_trace_reads_back_from_otelite() {
    let Some(binary) = otelite_binary() else {
        assert!(
            std::env::var_os("REQUIRE_OTELITE").is_none(),
            "otelite is required: cargo install otelite --version 0.1.156 --locked"
        );
        eprintln!(
            "otelite is not installed: skipping (cargo install otelite --version 0.1.156 --locked)"
        );
        return;
    };
    let otelite = Otelite::start(binary);
    let health = format!("http://127.0.0.1:{}/api/health", otelite.dashboard);
    let mut up = false;
    for _ in 0..300 {
        if get_json(health.clone())
            .await
            .is_some_and(|(status, _)| status == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "otelite did not come up");
    for protocol in [
        OtlpProtocol::HttpProtobuf,
        OtlpProtocol::HttpJson,
        OtlpProtocol::Grpc,
    ] {
        report_and_read_back(&otelite, protocol).await;
    }
}

/// Reports a trace of three spans in `protocol` and checks what otelite stored.
async fn report_and_read_back(otelite: &Otelite, protocol: OtlpProtocol) {
    let endpoint = match protocol {
        OtlpProtocol::Grpc => format!("http://127.0.0.1:{}", otelite.otlp_grpc),
        _ => format!("http://127.0.0.1:{}/v1/traces", otelite.otlp_http),
    };
    let reporter = Reporter::builder(
        endpoint.parse().unwrap(),
        Otlp::new("unused").protocol(protocol),
    )
    .start(Executor::Tokio(tokio::runtime::Handle::current()))
    .unwrap();
    let kept = Arc::new(InMemoryRecorder::new());
    let both = Fanout::new()
        .with(Arc::new(reporter.clone()))
        .with(kept.clone());
    let tracer = ReferenceTracer::new("checkout-e2e", Arc::new(both));
    let server = tracer
        .span_builder("GET /cart")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_METHOD, "GET")
        .tag(tags::HTTP_STATUS_CODE, 200)
        .start();
    server.log_kv([("event", "cart loaded"), ("items", "3")]);
    let client = tracer
        .span_builder("GET inventory")
        .child_of(&server)
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_CLIENT)
        .tag(tags::PEER_HOSTNAME, "inventory.internal")
        .start();
    client.finish();
    let internal = tracer.span_builder("render").child_of(&server).start();
    internal.record_error(&std::io::Error::other("template missing"));
    internal.finish();
    server.finish();
    let metrics = reporter.shutdown(Duration::from_secs(10)).await;
    assert_eq!(
        metrics.spans_sent,
        3,
        "{protocol}: {metrics:?} {:?}",
        reporter.last_error()
    );

    let trace_id = format!("{:032x}", server.context().unwrap().trace_id());
    let url = format!(
        "http://127.0.0.1:{}/api/traces/{trace_id}",
        otelite.dashboard
    );
    let mut trace = Value::Null;
    for _ in 0..100 {
        if let Some((200, found)) = get_json(url.clone()).await
            && found["spans"]
                .as_array()
                .is_some_and(|spans| spans.len() == 3)
        {
            trace = found;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let spans = trace["spans"]
        .as_array()
        .unwrap_or_else(|| panic!("{protocol}: trace not stored: {trace}"));
    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {trace}"))
    };
    let (server_json, client_json, internal_json) = (
        by_name("GET /cart"),
        by_name("GET inventory"),
        by_name("render"),
    );

    let server_id = format!("{:016x}", server.context().unwrap().span_id());
    assert_eq!(server_json["span_id"], server_id);
    assert_eq!(server_json["trace_id"], trace_id);
    assert!(server_json["parent_span_id"].is_null());
    assert_eq!(client_json["parent_span_id"], server_id);
    assert_eq!(internal_json["parent_span_id"], server_id);
    assert_eq!(server_json["kind"], "Server");
    assert_eq!(client_json["kind"], "Client");
    assert_eq!(internal_json["kind"], "Internal");
    assert_eq!(
        server_json["resource"]["attributes"]["service.name"],
        "checkout-e2e"
    );
    // OpenTelemetry's names on the wire.
    assert_eq!(server_json["attributes"]["http.request.method"], "GET");
    assert!(server_json["attributes"]["http.method"].is_null());
    assert_eq!(
        client_json["attributes"]["server.address"],
        "inventory.internal"
    );
    assert_eq!(
        server_json["resource"]["attributes"]["telemetry.sdk.language"],
        "rust"
    );
    assert_eq!(internal_json["status"]["code"], "Error");
    let events = server_json["events"].as_array().unwrap();
    assert_eq!(events[0]["name"], "cart loaded");

    // Times come back to the nanosecond.
    let kept = kept.spans();
    let reported = kept
        .iter()
        .find(|s| s.operation_name() == "GET /cart")
        .unwrap();
    let nanos = |time: SystemTime| {
        time.duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    };
    assert_eq!(
        server_json["start_time"].as_u64(),
        Some(nanos(reported.start_time()))
    );
    assert_eq!(
        server_json["end_time"].as_u64(),
        Some(nanos(reported.finish_time()))
    );
}
