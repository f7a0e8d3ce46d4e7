//! The trace viewer as a tower service: its routes, headers, escaping, JSON and bad input.
#![cfg(feature = "viewer")]

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::view::TraceStore;
use opentracing_core::{TraceId, Tracer};
use serde_json::Value;
use tower::ServiceExt;
use tracing_tower::viewer::TraceViewer;

const HOSTILE: &str = "<script>alert(1)</script>";

/// A store with a checkout trace (hostile strings in its names and tags) and a failed one.
fn store() -> (Arc<TraceStore>, TraceId, TraceId) {
    let store = Arc::new(TraceStore::default());
    let tracer = ReferenceTracer::new("shop\"><i id=x>", store.clone());
    let root = tracer.start_span("GET /checkout");
    let child = tracer
        .span_builder("<img src=x onerror=alert(2)>")
        .child_of(&root)
        .start();
    child.set_tag(HOSTILE, HOSTILE);
    child.log_kv([("event", HOSTILE)]);
    child.finish();
    let checkout = root.context().unwrap().trace_id();
    root.finish();
    let failed = tracer.start_span("GET /fail");
    failed.set_tag("error", true);
    let failed_id = failed.context().unwrap().trace_id();
    failed.finish();
    (store, checkout, failed_id)
}

async fn send(
    viewer: &TraceViewer,
    method: Method,
    uri: &str,
) -> (StatusCode, http::HeaderMap, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(String::new())
        .unwrap();
    let response = viewer.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body: Bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn pages_escape_every_span_string_and_allow_nothing_from_elsewhere() {
    let (store, checkout, _) = store();
    let viewer = TraceViewer::new(store);
    for uri in ["/".to_owned(), format!("/trace/{checkout}")] {
        let (status, headers, page) = send(&viewer, Method::GET, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        assert!(!csp.contains("script-src"), "{csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert!(!page.contains("<script"), "{uri}: {page}");
        assert!(!page.contains("<img src=x"), "{uri}: {page}");
        assert!(!page.contains("<i id=x>"), "{uri}: {page}");
        assert!(
            page.contains("shop&quot;&gt;&lt;i id=x&gt;"),
            "{uri}: {page}"
        );
    }
    let (_, _, page) = send(&viewer, Method::GET, &format!("/trace/{checkout}")).await;
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(
        page.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{page}"
    );
}

#[tokio::test]
async fn the_stylesheet_is_served_beside_the_pages() {
    let (store, _, _) = store();
    let viewer = TraceViewer::new(store);
    let (status, headers, css) = send(&viewer, Method::GET, "/style.css").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(css.contains(".d24 > summary .name"), "{css}");
}

#[tokio::test]
async fn the_api_answers_in_zipkin_v2_json() {
    let (store, checkout, failed) = store();
    let viewer = TraceViewer::new(store);
    let (status, headers, body) = send(&viewer, Method::GET, "/api/traces").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let traces: Value = serde_json::from_str(&body).unwrap();
    let traces = traces.as_array().unwrap();
    assert_eq!(traces.len(), 2);
    // Latest first: each trace a list of Zipkin spans.
    assert_eq!(traces[0][0]["traceId"], failed.to_string());
    assert_eq!(traces[1].as_array().unwrap().len(), 2);

    let (_, _, body) = send(&viewer, Method::GET, "/api/traces?errors=1").await;
    let traces: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(traces.as_array().unwrap().len(), 1);
    let (_, _, body) = send(&viewer, Method::GET, "/api/traces?limit=1").await;
    let traces: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(traces.as_array().unwrap().len(), 1);

    let (status, _, body) = send(&viewer, Method::GET, &format!("/api/traces/{checkout}")).await;
    assert_eq!(status, StatusCode::OK);
    let spans: Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = spans
        .as_array()
        .unwrap()
        .iter()
        .map(|span| span["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["<img src=x onerror=alert(2)>", "get /checkout"]);
    assert_eq!(spans[0]["tags"][HOSTILE], HOSTILE);
}

#[tokio::test]
async fn unknown_traces_and_pages_are_not_found_and_only_reads_are_answered() {
    let (store, _, _) = store();
    let viewer = TraceViewer::new(store);
    for uri in [
        "/trace/zzz",
        "/trace/00000000000000000000000000000000",
        "/trace/4bf92f3577b34da6a3ce929d0e0e4736",
        "/api/traces/nope",
        "/elsewhere",
    ] {
        let (status, _, body) = send(&viewer, Method::GET, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!body.contains("zzz") && !body.contains("nope"), "{body}");
    }
    let (status, headers, _) = send(&viewer, Method::POST, "/").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::ALLOW], "GET, HEAD");
    let (status, _, _) = send(&viewer, Method::HEAD, "/").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn bad_query_values_are_ignored() {
    let (store, _, _) = store();
    let viewer = TraceViewer::new(store);
    for query in [
        "?min_ms=abc&trace=zz&limit=-1",
        "?%ff%fe=%ff&operation=%00%ff",
        "?errors=0&min_ms=99999999999999999999999",
        "?operation=&service=&trace=&&&==",
    ] {
        let (status, _, _) = send(&viewer, Method::GET, &format!("/{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let (status, _, body) = send(&viewer, Method::GET, &format!("/api/traces{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        serde_json::from_str::<Value>(&body).unwrap();
    }
}

#[tokio::test]
async fn links_follow_the_base_path_and_requests_may_keep_or_drop_it() {
    let (store, checkout, _) = store();
    let viewer = TraceViewer::new(store).base_path("ops/traces/");
    for uri in ["/ops/traces", "/ops/traces/", "/"] {
        let (status, _, page) = send(&viewer, Method::GET, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(
            page.contains(&format!("href=\"/ops/traces/trace/{checkout}\"")),
            "{page}"
        );
        assert!(page.contains("href=\"/ops/traces/style.css\""), "{page}");
    }
    let (status, _, _) = send(
        &viewer,
        Method::GET,
        &format!("/ops/traces/trace/{checkout}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // A path that merely starts like the base is not under it.
    let (status, _, _) = send(&viewer, Method::GET, "/ops/tracesX").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
