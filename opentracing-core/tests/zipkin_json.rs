//! Zipkin v2 JSON: every encoded batch validates against the span schema of Zipkin's own
//! `zipkin2-api.yaml` and decodes with an independent implementation (the `zipkin` crate)
//! to the same values.
#![cfg(feature = "zipkin")]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentracing_core::propagation::B3;
use opentracing_core::reference::{Propagator, ReferenceTracer};
use opentracing_core::report::{Encoder, ZipkinJson};
use opentracing_core::{ExtractCarrier, FinishedSpan, InMemoryRecorder, Tracer, tags};

/// The `ListOfSpans` schema from Zipkin's API file, as a JSON schema.
fn zipkin_schema() -> jsonschema::Validator {
    let yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/zipkin2-api.yaml"
    ))
    .expect("the Zipkin API file");
    let api: serde_json::Value = serde_norway::from_str(&yaml).expect("valid YAML");
    let schema = serde_json::json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "definitions": api["definitions"],
        "$ref": "#/definitions/ListOfSpans",
    });
    jsonschema::validator_for(&schema).expect("a valid schema")
}

fn encode(spans: &[FinishedSpan]) -> String {
    let mut body = Vec::new();
    ZipkinJson::new("Fallback-Service").encode(spans, &mut body);
    String::from_utf8(body).expect("UTF-8")
}

/// A trace with every mapping: a server span continuing a 64-bit B3 trace, a client child
/// with peer tags, an internal child with an error and logs.
fn sample_trace() -> Vec<FinishedSpan> {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::builder("Checkout", recorder.clone())
        .propagator(Propagator::empty().codec(B3::multi()))
        .build();
    let headers: http::HeaderMap = [
        ("x-b3-traceid", "463ac35c9f6413ad"),
        ("x-b3-spanid", "a2fb4a1d1a96d312"),
        ("x-b3-sampled", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
    .collect();
    let caller = tracer
        .extract(ExtractCarrier::HttpHeaders(&headers))
        .unwrap();
    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let server = tracer
        .span_builder("GET /Cart")
        .child_of(caller)
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_STATUS_CODE, 200)
        .tag(tags::PEER_HOST_IPV4, "192.0.2.7")
        .tag(tags::PEER_PORT, 50123)
        .start_time(t0)
        .start();
    let client = tracer
        .span_builder("GET")
        .child_of(&server)
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_CLIENT)
        .tag(tags::PEER_SERVICE, "Inventory")
        .tag(tags::PEER_HOST_IPV6, "2001:db8::1")
        .tag(tags::PEER_HOSTNAME, "inventory.internal")
        .tag(tags::SAMPLING_PRIORITY, 1)
        .start_time(t0 + Duration::from_millis(1))
        .start();
    client.finish_at(t0 + Duration::from_millis(5));
    let internal = tracer
        .span_builder("render")
        .child_of(&server)
        .tag("cache.hit", false)
        .tag("items", 3)
        .tag("ratio", 0.5)
        .start_time(t0 + Duration::from_millis(6))
        .start();
    internal.log_kv_at(t0 + Duration::from_millis(7), [("event", "cache miss")]);
    internal.record_error(&std::io::Error::other("template missing"));
    internal.finish_at(t0 + Duration::from_millis(6) + Duration::from_nanos(300));
    server.finish_at(t0 + Duration::from_millis(9));
    recorder.spans()
}

#[test]
fn every_batch_validates_against_zipkins_schema() {
    let schema = zipkin_schema();
    let json: serde_json::Value = serde_json::from_str(&encode(&sample_trace())).unwrap();
    let errors: Vec<String> = schema.iter_errors(&json).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{json:#}");

    // The schema is not a rubber stamp: a span without an id fails it.
    let mut broken = json.clone();
    broken[0].as_object_mut().unwrap().remove("id");
    assert!(!schema.is_valid(&broken));
    assert!(schema.is_valid(&serde_json::from_str(&encode(&[])).unwrap()));
}

#[test]
fn the_zipkin_crate_decodes_the_same_values() {
    let spans = sample_trace();
    let decoded: Vec<zipkin::Span> = serde_json::from_str(&encode(&spans)).expect("decodes");
    assert_eq!(decoded.len(), 3);
    let find = |name: &str| decoded.iter().find(|s| s.name() == Some(name)).unwrap();
    let (server, client, internal) = (find("get /cart"), find("get"), find("render"));

    // 64-bit trace ids stay 16 hex digits; the parent is the B3 caller.
    assert_eq!(server.trace_id().to_string(), "463ac35c9f6413ad");
    assert_eq!(server.parent_id().unwrap().to_string(), "a2fb4a1d1a96d312");
    assert_eq!(client.parent_id(), Some(server.id()));
    assert_eq!(internal.parent_id(), Some(server.id()));

    assert!(matches!(server.kind(), Some(zipkin::Kind::Server)));
    assert!(matches!(client.kind(), Some(zipkin::Kind::Client)));
    assert!(internal.kind().is_none());

    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    assert_eq!(server.timestamp(), Some(t0));
    assert_eq!(server.duration(), Some(Duration::from_millis(9)));
    // Sub-microsecond durations round up to 1 µs.
    assert_eq!(internal.duration(), Some(Duration::from_micros(1)));

    let local = server.local_endpoint().unwrap();
    assert_eq!(local.service_name(), Some("checkout"));
    let remote = server.remote_endpoint().unwrap();
    assert_eq!(remote.ipv4(), Some("192.0.2.7".parse().unwrap()));
    assert_eq!(remote.port(), Some(50123));
    let remote = client.remote_endpoint().unwrap();
    assert_eq!(remote.service_name(), Some("inventory"));
    assert_eq!(remote.ipv6(), Some("2001:db8::1".parse().unwrap()));

    assert_eq!(
        server.tags().get("http.status_code").map(String::as_str),
        Some("200")
    );
    assert_eq!(
        client.tags().get("peer.hostname").map(String::as_str),
        Some("inventory.internal")
    );
    assert!(!client.tags().contains_key(tags::SAMPLING_PRIORITY));
    assert!(!client.tags().contains_key(tags::PEER_SERVICE));
    assert_eq!(
        internal.tags().get("error").map(String::as_str),
        Some("template missing")
    );
    assert_eq!(
        internal.tags().get("cache.hit").map(String::as_str),
        Some("false")
    );
    assert_eq!(
        internal.tags().get("ratio").map(String::as_str),
        Some("0.5")
    );

    let annotations: Vec<_> = internal
        .annotations()
        .iter()
        .map(|a| a.value().to_owned())
        .collect();
    assert!(
        annotations.contains(&"event:cache miss".to_owned()),
        "{annotations:?}"
    );
    assert!(
        annotations.contains(&"message:template missing".to_owned()),
        "{annotations:?}"
    );
    let times: Vec<SystemTime> = internal
        .annotations()
        .iter()
        .map(|a| a.timestamp())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "annotations sorted by time"
    );
}

#[test]
fn roots_have_no_parent_and_error_false_is_left_out() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("svc", recorder.clone());
    tracer
        .span_builder("ok")
        .tag(tags::ERROR, false)
        .tag(tags::SPAN_KIND, "weird")
        .start()
        .finish();
    let json: serde_json::Value = serde_json::from_str(&encode(&recorder.spans())).unwrap();
    let span = &json[0];
    assert!(span.get("parentId").is_none());
    assert_eq!(span["traceId"].as_str().unwrap().len(), 32);
    assert!(span["tags"].get("error").is_none());
    // A kind Zipkin does not know stays a tag.
    assert!(span.get("kind").is_none());
    assert_eq!(span["tags"]["span.kind"], "weird");
    assert_eq!(span["localEndpoint"]["serviceName"], "svc");
    assert!(zipkin_schema().is_valid(&json));
}

#[test]
fn error_messages_mapped_addresses_and_unusable_peer_values() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("svc", recorder.clone());
    tracer
        .span_builder("call")
        .tag(tags::ERROR, "connection reset")
        .tag(tags::PEER_HOST_IPV6, "::ffff:192.0.2.9")
        .tag(tags::PEER_PORT, "not a port")
        .start()
        .finish();
    let json: serde_json::Value = serde_json::from_str(&encode(&recorder.spans())).unwrap();
    let span = &json[0];
    assert_eq!(span["tags"]["error"], "connection reset");
    assert_eq!(span["remoteEndpoint"]["ipv4"], "192.0.2.9");
    assert!(span["remoteEndpoint"].get("ipv6").is_none());
    assert_eq!(span["tags"]["peer.port"], "not a port");
    assert!(zipkin_schema().is_valid(&json));
}

#[test]
fn the_local_endpoint_names_each_spans_own_service() {
    let recorder = Arc::new(InMemoryRecorder::new());
    for service in ["Checkout", "Payments"] {
        let tracer = ReferenceTracer::new(service, recorder.clone());
        tracer.start_span("work").finish();
    }
    let mut body = Vec::new();
    ZipkinJson::new("Checkout")
        .local_addr("192.0.2.1:8080".parse().unwrap())
        .encode(&recorder.spans(), &mut body);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let local = |i: usize| json[i]["localEndpoint"].clone();
    assert_eq!(
        local(0),
        serde_json::json!({"serviceName": "checkout", "ipv4": "192.0.2.1", "port": 8080})
    );
    assert_eq!(
        local(1),
        serde_json::json!({"serviceName": "payments", "ipv4": "192.0.2.1", "port": 8080})
    );
    assert!(zipkin_schema().is_valid(&json));
}

#[test]
fn resource_attributes_become_tags_the_span_does_not_set() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("shop", recorder.clone());
    tracer
        .span_builder("work")
        .tag("team", "checkout")
        .start()
        .finish();
    let encoder = ZipkinJson::new("shop")
        .resource_attribute("deployment.environment.name", "old")
        .resource_attribute("deployment.environment.name", "prod")
        .resource_attribute("team", "platform")
        .resource_attribute("service.name", "ignored");
    let mut out = Vec::new();
    encoder.encode(&recorder.spans(), &mut out);
    assert!(zipkin_schema().is_valid(&serde_json::from_slice(&out).unwrap()));
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        json[0]["tags"],
        serde_json::json!({"team": "checkout", "deployment.environment.name": "prod"})
    );
    assert_eq!(json[0]["localEndpoint"]["serviceName"], "shop");
}

#[test]
fn http_url_gives_zipkins_http_path_and_stays_on_clients_only() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("shop", recorder.clone());
    for (kind, url) in [
        (tags::SPAN_KIND_RPC_SERVER, "/cart?id=REDACTED"),
        (
            tags::SPAN_KIND_RPC_CLIENT,
            "http://inventory:8080/items?sku=REDACTED",
        ),
    ] {
        tracer
            .span_builder("GET")
            .tag(tags::SPAN_KIND, kind)
            .tag(tags::HTTP_URL, url)
            .start()
            .finish();
    }
    let json: serde_json::Value = serde_json::from_str(&encode(&recorder.spans())).unwrap();
    assert!(zipkin_schema().is_valid(&json));
    assert_eq!(json[0]["tags"], serde_json::json!({"http.path": "/cart"}));
    assert_eq!(
        json[1]["tags"],
        serde_json::json!({
            "http.path": "/items",
            "http.url": "http://inventory:8080/items?sku=REDACTED",
        })
    );
}
