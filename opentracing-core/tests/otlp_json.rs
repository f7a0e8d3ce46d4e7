//! OTLP/HTTP JSON: the shape and values the OTLP specification asks for.
#![cfg(feature = "otlp")]

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Encoder, OtlpJson};
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
    OtlpJson::new("fallback").encode(&recorder.spans(), &mut body);
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
        attribute(server_json, "http.status_code").unwrap()["intValue"],
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
