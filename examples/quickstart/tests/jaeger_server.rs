//! End to end into a real Jaeger (the `jaeger` all-in-one program, in-memory storage): two
//! traced axum services and the traced reqwest client report over each OTLP protocol the
//! reporter speaks and over Zipkin's v2 JSON, and every span is read back through Jaeger's
//! query API (`/api/v3/traces/{id}`, OTLP JSON); then the quick start exports there through
//! `OTEL_EXPORTER_OTLP_ENDPOINT`.

mod support;

use opentracing_core::FinishedSpan;
use opentracing_core::report::{
    Encoder, Otlp, OtlpProtocol, Reporter, ReporterBuilder, ZipkinJson,
};
use serde_json::{Value, json};
use support::backends::{Jaeger, otlp_spans};
use support::quickstart;
use support::services::{self, Propagation, by_name};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jaeger_stores_the_services_spans_and_the_quick_starts_traces() {
    let Some(jaeger) = Jaeger::start().await else {
        return;
    };
    for protocol in [
        OtlpProtocol::HttpProtobuf,
        OtlpProtocol::HttpJson,
        OtlpProtocol::Grpc,
    ] {
        let endpoint = match protocol {
            OtlpProtocol::Grpc => format!("http://127.0.0.1:{}", jaeger.otlp_grpc),
            _ => format!("http://127.0.0.1:{}/v1/traces", jaeger.otlp_http),
        };
        let encoder = Otlp::new("frontend")
            .protocol(protocol)
            .resource_attribute("deployment.environment.name", "e2e");
        let reporter = Reporter::builder(endpoint.parse().unwrap(), encoder);
        services_report_to(&jaeger, reporter, Wire::Otlp(protocol)).await;
    }
    let endpoint = format!("http://127.0.0.1:{}/api/v2/spans", jaeger.zipkin);
    let reporter = Reporter::builder(endpoint.parse().unwrap(), ZipkinJson::new("frontend"));
    services_report_to(&jaeger, reporter, Wire::Zipkin).await;
    quick_start_exports_to(&jaeger).await;
}

/// How the spans travel to Jaeger.
#[derive(Clone, Copy)]
enum Wire {
    Otlp(OtlpProtocol),
    Zipkin,
}

impl std::fmt::Display for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Wire::Otlp(protocol) => write!(f, "OTLP {protocol}"),
            Wire::Zipkin => f.write_str("Zipkin JSON"),
        }
    }
}

/// A request through the services and a failed one, reported through `reporter`, then
/// every span of both read back.
async fn services_report_to<E: Encoder>(jaeger: &Jaeger, reporter: ReporterBuilder<E>, wire: Wire) {
    let (services, spans) = services::report_two_requests(reporter, Propagation::W3c).await;
    let by_name = |name: &str| by_name(&spans, name);

    let checkout = by_name("GET /checkout");
    let trace_id = format!("{:032x}", checkout.context().trace_id());
    let trace = jaeger.trace(&trace_id, 4).await;
    let stored = otlp_spans(&trace);
    assert_eq!(stored.len(), 4, "{wire}: {trace:#}");
    let otel = matches!(wire, Wire::Otlp(_));
    for (span, service, kind) in [
        (checkout, "frontend", SERVER),
        (by_name("GET"), "frontend", CLIENT),
        (by_name("GET /stock/{item}"), "backend", SERVER),
        (by_name("SELECT stock"), "backend", INTERNAL),
    ] {
        let (resource, found) = find(&stored, span);
        let shown = format!("{wire}: {found:#}");
        assert_eq!(found["traceId"], trace_id, "{shown}");
        match span.parent_id() {
            Some(parent) => assert_eq!(found["parentSpanId"], format!("{parent:016x}"), "{shown}"),
            None => assert_eq!(found.get("parentSpanId"), None, "{shown}"),
        }
        // Zipkin's encoding writes names in lower case, as Zipkin stores them.
        let name = span.operation_name();
        let name = if otel {
            name.to_owned()
        } else {
            name.to_lowercase()
        };
        assert_eq!(found["name"], name, "{shown}");
        // A Zipkin span without a kind arrives as unspecified (0, left out of the JSON).
        let kind = if otel || kind != INTERNAL {
            json!(kind)
        } else {
            Value::Null
        };
        assert_eq!(found["kind"], kind, "{shown}");
        let start = span
            .start_time()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        // Zipkin carries microseconds.
        let start = if otel { start } else { start / 1000 * 1000 };
        assert_eq!(found["startTimeUnixNano"], start.to_string(), "{shown}");
        assert_eq!(
            attribute(resource, "service.name"),
            string(service),
            "{shown}"
        );
        if otel {
            assert_eq!(
                attribute(resource, "deployment.environment.name"),
                string("e2e")
            );
            assert_eq!(
                attribute(resource, "telemetry.sdk.language"),
                string("rust")
            );
        }
    }
    let (_, server) = find(&stored, checkout);
    let expected = if otel {
        [
            ("http.request.method", string("GET")),
            ("url.path", string("/checkout")),
            ("http.route", string("/checkout")),
            ("http.response.status_code", int(200)),
            ("cart.items", int(1)),
        ]
    } else {
        [
            ("http.method", string("GET")),
            ("http.path", string("/checkout")),
            ("http.route", string("/checkout")),
            ("http.status_code", string("200")),
            ("cart.items", string("1")),
        ]
    };
    for (key, value) in expected {
        assert_eq!(
            attribute(&server["attributes"], key),
            value,
            "{wire} {key}: {server:#}"
        );
    }
    if otel {
        let (_, client) = find(&stored, by_name("GET"));
        let port = i64::from(services.backend.port());
        let url = format!("http://{}/stock/1", services.backend);
        for (key, value) in [
            ("server.address", string("127.0.0.1")),
            ("server.port", int(port)),
            ("url.full", string(&url)),
            ("http.response.status_code", int(200)),
        ] {
            assert_eq!(
                attribute(&client["attributes"], key),
                value,
                "{wire} {key}: {client:#}"
            );
        }
    }
    let event = if otel {
        "cart loaded"
    } else {
        "event:cart loaded"
    };
    assert_eq!(server["events"][0]["name"], event, "{wire}: {server:#}");

    // The failed call: each of its spans has the error status.
    let failed = by_name("GET /fail");
    let trace_id = format!("{:032x}", failed.context().trace_id());
    let trace = jaeger.trace(&trace_id, 3).await;
    let stored = otlp_spans(&trace);
    assert_eq!(stored.len(), 3, "{wire}: {trace:#}");
    for (_, span) in stored {
        assert_eq!(span["status"]["code"], STATUS_ERROR, "{wire}: {span:#}");
    }
}

/// OTLP's span kinds and error status, as numbers in its JSON.
const INTERNAL: u64 = 1;
const SERVER: u64 = 2;
const CLIENT: u64 = 3;
const STATUS_ERROR: u64 = 2;

/// The stored span with `span`'s id, and its resource's attributes.
fn find<'a>(stored: &[(&'a Value, &'a Value)], span: &FinishedSpan) -> (&'a Value, &'a Value) {
    let id = format!("{:016x}", span.context().span_id());
    stored
        .iter()
        .copied()
        .find(|(_, found)| found["spanId"] == id)
        .unwrap_or_else(|| panic!("no span {id} in {stored:#?}"))
}

/// The value of `key` in a list of OTLP attributes (null when absent).
fn attribute(attributes: &Value, key: &str) -> Value {
    attributes
        .as_array()
        .into_iter()
        .flatten()
        .find(|attribute| attribute["key"] == key)
        .map(|attribute| attribute["value"].clone())
        .unwrap_or_default()
}

fn string(value: &str) -> Value {
    json!({ "stringValue": value })
}

fn int(value: i64) -> Value {
    json!({ "intValue": value.to_string() })
}

/// The quick start with `OTEL_EXPORTER_OTLP_ENDPOINT` (OTLP/HTTP protobuf, the default):
/// every trace it drew is in Jaeger with as many spans.
async fn quick_start_exports_to(jaeger: &Jaeger) {
    let (traces, stdout) = quickstart::run(&[(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        format!("http://127.0.0.1:{}", jaeger.otlp_http),
    )])
    .await;
    assert_eq!(traces.len(), 5, "{stdout}");
    for trace in traces {
        let stored = jaeger.trace(&trace.trace_id, trace.spans).await;
        assert_eq!(
            otlp_spans(&stored).len(),
            trace.spans,
            "{trace:?}: {stored:#}"
        );
    }
}
