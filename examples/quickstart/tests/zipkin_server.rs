//! End to end into a real Zipkin server (`io.zipkin:zipkin-server`, run with `java`): two
//! traced axum services and the traced reqwest client report over Zipkin's v2 JSON, and
//! every span is read back through `GET /api/v2/trace/{id}`; then the quick start exports
//! there through `OTEL_EXPORTER_ZIPKIN_ENDPOINT`.

mod support;

use opentracing_core::report::{Reporter, ZipkinJson};
use opentracing_core::{FinishedSpan, tags};
use serde_json::{Value, json};
use support::backends::Zipkin;
use support::quickstart;
use support::services::{self, Propagation, by_name};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zipkin_stores_the_services_spans_and_the_quick_starts_traces() {
    let Some(zipkin) = Zipkin::start().await else {
        return;
    };
    services_report_to(&zipkin).await;
    quick_start_exports_to(&zipkin).await;
}

/// Two requests through joined B3 services; every span read back as it was reported.
async fn services_report_to(zipkin: &Zipkin) {
    let reporter = Reporter::builder(
        zipkin.spans_url().parse().unwrap(),
        ZipkinJson::new("frontend"),
    );
    let (services, spans) = services::report_two_requests(reporter, Propagation::B3Joined).await;
    let by_name = |name: &str| by_name(&spans, name);
    let checkout = by_name("GET /checkout");
    let call = by_name("GET");
    let stock = by_name("GET /stock/{item}");
    let query = by_name("SELECT stock");
    let trace_id = format!("{:032x}", checkout.context().trace_id());
    let stored = zipkin.trace(&trace_id, 4).await;
    assert_eq!(stored.len(), 4, "{stored:#?}");
    for span in [checkout, call, stock, query] {
        let found = find(&stored, span);
        assert_eq!(found["traceId"], trace_id);
        assert_eq!(found["name"], span.operation_name().to_lowercase());
        let micros = span
            .start_time()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros();
        assert_eq!(found["timestamp"], json!(micros), "{found:#}");
        assert!(
            found["duration"].as_u64().is_some_and(|d| d >= 1),
            "{found:#}"
        );
    }
    // The joined server span: the client's id, its parent, and Zipkin's shared flag.
    assert_eq!(call.context().span_id(), stock.context().span_id());
    let (checkout, call, stock, query) = (
        find(&stored, checkout),
        find(&stored, call),
        find(&stored, stock),
        find(&stored, query),
    );
    assert_eq!(checkout["kind"], "SERVER");
    assert_eq!(checkout.get("parentId"), None);
    assert_eq!(checkout["localEndpoint"]["serviceName"], "frontend");
    assert_eq!(checkout["remoteEndpoint"]["ipv4"], "127.0.0.1");
    assert_tags(
        checkout,
        &[
            ("http.method", "GET"),
            ("http.path", "/checkout"),
            ("http.route", "/checkout"),
            ("http.status_code", "200"),
            ("cart.items", "1"),
        ],
    );
    assert_eq!(checkout["annotations"][0]["value"], "event:cart loaded");
    assert_eq!(call["kind"], "CLIENT");
    assert_eq!(call["parentId"], checkout["id"]);
    assert_eq!(call["localEndpoint"]["serviceName"], "frontend");
    assert_eq!(
        call["remoteEndpoint"],
        json!({"ipv4": "127.0.0.1", "port": services.backend.port()})
    );
    let url = format!("http://{}/stock/1", services.backend);
    assert_tags(
        call,
        &[
            ("http.method", "GET"),
            ("http.url", &url),
            ("http.status_code", "200"),
        ],
    );
    assert_eq!(stock["kind"], "SERVER");
    assert_eq!(stock["shared"], true);
    assert_eq!(stock["id"], call["id"]);
    assert_eq!(stock["parentId"], checkout["id"]);
    assert_eq!(stock["localEndpoint"]["serviceName"], "backend");
    assert_tags(
        stock,
        &[("http.path", "/stock/1"), ("http.route", "/stock/{item}")],
    );
    assert_eq!(query.get("kind"), None);
    assert_eq!(query["parentId"], stock["id"]);
    assert_eq!(query["localEndpoint"]["serviceName"], "backend");
    assert_tags(query, &[("db.type", "sql")]);

    // The failed call: both servers and the client marked, Zipkin's `error` tag saying
    // what failed.
    let failed = by_name("GET /fail");
    let trace_id = format!("{:032x}", failed.context().trace_id());
    let stored = zipkin.trace(&trace_id, 3).await;
    assert_eq!(stored.len(), 3, "{stored:#?}");
    for span in &stored {
        let error = span["tags"]["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("Server Error") || error.contains("Bad Gateway"),
            "{span:#}"
        );
    }
    let statuses: Vec<&str> = stored
        .iter()
        .filter_map(|span| span["tags"]["http.status_code"].as_str())
        .collect();
    assert_eq!(statuses.len(), 3);
    assert!(
        statuses.contains(&"502") && statuses.contains(&"500"),
        "{statuses:?}"
    );

    // Zipkin links the services through the joined span: one link, both calls counted
    // once each, the failed one as an error.
    let end = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let links = zipkin.dependencies(end).await;
    assert_eq!(
        links,
        json!([{"parent": "frontend", "child": "backend", "callCount": 2, "errorCount": 1}])
    );
}

/// The stored span with `span`'s id and kind (a joined server span shares its id).
fn find<'a>(stored: &'a [Value], span: &FinishedSpan) -> &'a Value {
    let id = format!("{:016x}", span.context().span_id());
    let kind = match span.tag(tags::SPAN_KIND).and_then(|kind| kind.as_str()) {
        Some(tags::SPAN_KIND_RPC_SERVER) => json!("SERVER"),
        Some(tags::SPAN_KIND_RPC_CLIENT) => json!("CLIENT"),
        _ => Value::Null,
    };
    stored
        .iter()
        .find(|found| found["id"] == id && found["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} span {id} in {stored:#?}"))
}

fn assert_tags(span: &Value, expected: &[(&str, &str)]) {
    for (key, value) in expected {
        assert_eq!(span["tags"][key], *value, "{key} of {span:#}");
    }
}

/// The quick start with `OTEL_EXPORTER_ZIPKIN_ENDPOINT`: every trace it drew is in Zipkin
/// with as many spans.
async fn quick_start_exports_to(zipkin: &Zipkin) {
    let (traces, stdout) =
        quickstart::run(&[("OTEL_EXPORTER_ZIPKIN_ENDPOINT", zipkin.spans_url())]).await;
    assert_eq!(traces.len(), 5, "{stdout}");
    assert!(stdout.contains(" dropped"), "{stdout}");
    for trace in traces {
        let stored = zipkin.trace(&trace.trace_id, trace.spans).await;
        assert_eq!(stored.len(), trace.spans, "{trace:?}: {stored:#?}");
    }
}
