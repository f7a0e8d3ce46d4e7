//! OTLP/HTTP JSON: the shape and values the OTLP specification asks for.
#![cfg(feature = "otlp")]

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Encoder, Otlp, OtlpProtocol};
use opentracing_core::{InMemoryRecorder, Tracer, tags};
use serde_json::Value;

#[test]
fn spans_become_an_export_request() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("checkout", recorder.clone());
    let other = ReferenceTracer::new("inventory", recorder.clone());
    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let server = tracer
        .span_builder("GET /cart")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_STATUS_CODE, 200)
        .tag("ratio", f64::NAN)
        .start_time(t0)
        .start();
    let cause = tracer.start_span("cause");
    cause.finish();
    let failing = other
        .span_builder("reserve")
        .child_of(&server)
        .follows_from(&cause)
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_CLIENT)
        .start_time(t0 + Duration::from_millis(1))
        .start();
    failing.log_kv_at(
        t0 + Duration::from_millis(2),
        [("event", "retry"), ("attempt", "2")],
    );
    failing.record_error(&std::io::Error::other("out of stock"));
    failing.finish_at(t0 + Duration::from_millis(3));
    server.finish_at(t0 + Duration::from_millis(4));

    let mut body = Vec::new();
    Otlp::new("fallback")
        .protocol(OtlpProtocol::HttpJson)
        .encode(&recorder.spans(), &mut body);
    let json: Value = serde_json::from_slice(&body).unwrap();

    let resources = json["resourceSpans"].as_array().unwrap();
    assert_eq!(resources.len(), 2, "one resource per service");
    let service_of = |r: &Value| r["resource"]["attributes"][0]["value"]["stringValue"].clone();
    let checkout = resources
        .iter()
        .find(|r| service_of(r) == "checkout")
        .unwrap();
    let inventory = resources
        .iter()
        .find(|r| service_of(r) == "inventory")
        .unwrap();
    let spans = checkout["scopeSpans"][0]["spans"].as_array().unwrap();
    let server_json = spans.iter().find(|s| s["name"] == "GET /cart").unwrap();
    let reserve = &inventory["scopeSpans"][0]["spans"][0];
    assert_eq!(
        checkout["scopeSpans"][0]["scope"]["name"],
        "opentracing-core"
    );

    let server_context = server.context().unwrap();
    assert_eq!(
        server_json["traceId"],
        format!("{:032x}", server_context.trace_id())
    );
    assert_eq!(
        server_json["spanId"],
        format!("{:016x}", server_context.span_id())
    );
    assert!(server_json.get("parentSpanId").is_none());
    assert_eq!(server_json["kind"], 2);
    assert_eq!(server_json["flags"], 1);
    assert_eq!(server_json["startTimeUnixNano"], "1700000000000000000");
    assert_eq!(server_json["endTimeUnixNano"], "1700000000004000000");
    assert!(
        server_json.get("status").is_none(),
        "no error tag: status unset"
    );
    let attribute = |span: &Value, key: &str| {
        let attributes = span["attributes"].as_array().into_iter().flatten();
        attributes
            .into_iter()
            .find(|a| a["key"] == key)
            .map(|a| a["value"].clone())
    };
    assert_eq!(
        attribute(server_json, "http.response.status_code").unwrap()["intValue"],
        "200"
    );
    assert_eq!(
        attribute(server_json, "ratio").unwrap()["doubleValue"],
        "NaN"
    );
    assert!(attribute(server_json, "span.kind").is_none());

    assert_eq!(
        reserve["parentSpanId"],
        format!("{:016x}", server_context.span_id())
    );
    assert_eq!(reserve["kind"], 3);
    assert_eq!(reserve["status"]["code"], 2);
    assert_eq!(reserve["status"]["message"], "out of stock");
    assert!(attribute(reserve, "error").is_none());
    let events = reserve["events"].as_array().unwrap();
    assert_eq!(events[0]["name"], "retry");
    assert_eq!(events[0]["timeUnixNano"], "1700000000002000000");
    assert_eq!(events[0]["attributes"][0]["key"], "attempt");
    assert_eq!(events[1]["name"], "error");
    let links = reserve["links"].as_array().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0]["spanId"],
        format!("{:016x}", cause.context().unwrap().span_id())
    );
}

/// Each OpenTracing tag under its OpenTelemetry name, or under its own with
/// `opentracing_names`.
#[test]
fn tags_take_opentelemetry_names_unless_told_otherwise() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("checkout", recorder.clone());
    let server = tracer
        .span_builder("GET /cart")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_METHOD, "GET")
        .tag(tags::HTTP_URL, "/cart?id=7")
        .tag(tags::PEER_HOST_IPV4, "10.0.0.9")
        .tag(tags::PEER_PORT, 51000)
        .tag(tags::HTTP_STATUS_CODE, 503)
        .tag("http.route", "/cart")
        .tag(tags::ERROR, true)
        .start();
    server.finish();
    let client = tracer
        .span_builder("GET")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_CLIENT)
        .tag(tags::HTTP_URL, "http://inventory:8080/items?sku=1")
        .tag(tags::PEER_HOSTNAME, "inventory")
        .tag(tags::PEER_PORT, 8080)
        .start();
    client.record_error(&std::io::Error::other("refused"));
    client.finish();
    let db = tracer
        .span_builder("SELECT")
        .tag(tags::DATABASE_TYPE, "postgresql")
        .tag(tags::DATABASE_INSTANCE, "shop")
        .tag(tags::DATABASE_STATEMENT, "SELECT 1")
        .tag(tags::MESSAGE_BUS_DESTINATION, "orders")
        .start();
    db.finish();
    let attributes = |encoder: &Otlp| {
        let mut body = Vec::new();
        encoder.encode(&recorder.spans(), &mut body);
        let json: Value = serde_json::from_slice(&body).unwrap();
        let spans = json["resourceSpans"][0]["scopeSpans"][0]["spans"].clone();
        spans
            .as_array()
            .unwrap()
            .iter()
            .map(|span| {
                let attributes = span["attributes"].as_array().unwrap();
                attributes
                    .iter()
                    .map(|a| {
                        let value = &a["value"];
                        let text = value["stringValue"]
                            .as_str()
                            .or_else(|| value["intValue"].as_str())
                            .or_else(|| {
                                value["boolValue"]
                                    .as_bool()
                                    .map(|b| if b { "true" } else { "false" })
                            })
                            .unwrap()
                            .to_owned();
                        (a["key"].as_str().unwrap().to_owned(), text)
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let semantic = attributes(&Otlp::new("checkout").protocol(OtlpProtocol::HttpJson));
    assert_eq!(
        semantic[0],
        pairs(&[
            ("http.request.method", "GET"),
            ("url.path", "/cart"),
            ("url.query", "id=7"),
            ("client.address", "10.0.0.9"),
            ("network.peer.address", "10.0.0.9"),
            ("client.port", "51000"),
            ("network.peer.port", "51000"),
            ("http.response.status_code", "503"),
            ("http.route", "/cart"),
            ("error.type", "503"),
        ])
    );
    assert_eq!(
        semantic[1],
        pairs(&[
            ("url.full", "http://inventory:8080/items?sku=1"),
            ("server.address", "inventory"),
            ("server.port", "8080"),
            ("error.type", "std::io::error::Error"),
        ])
    );
    assert_eq!(
        semantic[2],
        pairs(&[
            ("db.system.name", "postgresql"),
            ("db.namespace", "shop"),
            ("db.query.text", "SELECT 1"),
            ("messaging.destination.name", "orders"),
        ])
    );
    let kept = attributes(
        &Otlp::new("checkout")
            .protocol(OtlpProtocol::HttpJson)
            .opentracing_names(),
    );
    let keys: Vec<_> = kept[1].iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(keys, ["http.url", "peer.hostname", "peer.port"]);
}
