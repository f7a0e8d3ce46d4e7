//! Real axum servers on `127.0.0.1:0`, one per routing shape: span names, tags, finishing.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use bytes::Bytes;
use opentracing_core::{FinishedSpan, MockTracer, Tracer, tags};
use tower_http::catch_panic::CatchPanicLayer;
use tracing_axum::{ActiveSpan, HTTP_ROUTE, RouteName, RouterExt, layer_with};

/// Serves `app` with connect info; returns its address.
async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    addr
}

/// Waits for `count` finished spans (a server finishes just after its last byte).
async fn finished(tracer: &MockTracer, count: usize) -> Vec<FinishedSpan> {
    for _ in 0..400 {
        if tracer.finished_spans().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let spans = tracer.finished_spans();
    assert_eq!(spans.len(), count, "{spans:#?}");
    spans
}

fn str_tag<'a>(span: &'a FinishedSpan, key: &str) -> Option<&'a str> {
    span.tag(key)?.as_str()
}

fn status(span: &FinishedSpan) -> Option<i64> {
    span.tag(tags::HTTP_STATUS_CODE)?.as_i64()
}

async fn get_status(addr: SocketAddr, path: &str) -> StatusCode {
    reqwest::get(format!("http://{addr}{path}"))
        .await
        .unwrap()
        .status()
}

async fn user(Path(id): Path<u32>) -> String {
    format!("user {id}")
}

#[tokio::test]
async fn layer_after_the_routes_names_spans_by_template() {
    let tracer = MockTracer::new();
    let app = Router::new()
        .route("/users/{id}", get(user))
        .layer(layer_with(tracer.clone()));
    let addr = serve(app).await;
    assert_eq!(get_status(addr, "/users/42").await, StatusCode::OK);

    let span = &finished(&tracer, 1).await[0];
    assert_eq!(span.operation_name(), "GET /users/{id}");
    assert_eq!(str_tag(span, HTTP_ROUTE), Some("/users/{id}"));
    assert_eq!(str_tag(span, tags::HTTP_URL), Some("/users/42"));
    assert_eq!(str_tag(span, tags::COMPONENT), Some("tracing-axum"));
    assert_eq!(str_tag(span, tags::PEER_HOST_IPV4), Some("127.0.0.1"));
    assert!(span.tag(tags::PEER_PORT).and_then(|v| v.as_i64()).is_some());
    assert_eq!(status(span), Some(200));
}

#[tokio::test]
async fn unmatched_requests_get_a_stable_name_and_no_route() {
    let tracer = MockTracer::new();
    let app = Router::new()
        .route("/users/{id}", get(user))
        .traced_with(tracer.clone());
    let addr = serve(app).await;
    assert_eq!(get_status(addr, "/nope/123").await, StatusCode::NOT_FOUND);
    let span = &finished(&tracer, 1).await[0];
    assert_eq!(span.operation_name(), "GET");
    assert_eq!(span.tag(HTTP_ROUTE), None);
    assert_eq!(status(span), Some(404));

    let tracer = MockTracer::new();
    let app = Router::new().route("/users/{id}", get(user)).layer(
        layer_with(tracer.clone()).operation_name_with(RouteName::new().unmatched("unmatched")),
    );
    let addr = serve(app).await;
    get_status(addr, "/nope/123").await;
    assert_eq!(
        finished(&tracer, 1).await[0].operation_name(),
        "GET unmatched"
    );
}

#[tokio::test]
async fn method_not_allowed_is_named_by_its_route() {
    let tracer = MockTracer::new();
    let app = Router::new()
        .route("/users/{id}", get(user))
        .traced_with(tracer.clone());
    let addr = serve(app).await;
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/users/9"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let span = &finished(&tracer, 1).await[0];
    assert_eq!(span.operation_name(), "POST /users/{id}");
    assert_eq!(status(span), Some(405));
}

#[tokio::test]
async fn route_layer_traces_matched_routes_only() {
    let tracer = MockTracer::new();
    let app = Router::new()
        .route("/users/{id}", get(user))
        .route_layer(layer_with(tracer.clone()));
    let addr = serve(app).await;
    assert_eq!(get_status(addr, "/users/1").await, StatusCode::OK);
    assert_eq!(get_status(addr, "/missing").await, StatusCode::NOT_FOUND);
    let spans = finished(&tracer, 1).await;
    assert_eq!(spans[0].operation_name(), "GET /users/{id}");
}

#[tokio::test]
async fn nested_merged_and_fallback_routes() {
    let tracer = MockTracer::new();
    let api = Router::new().route("/users/{id}", get(user));
    let admin = Router::new().route("/admin/stats", get(|| async { "stats" }));
    let files = tower::service_fn(|_: axum::extract::Request| async {
        Ok::<_, Infallible>(axum::response::Response::new(Body::from("file")))
    });
    let app = Router::new()
        .nest("/api", api)
        .merge(admin)
        .nest_service("/static", files)
        .fallback(|| async { (StatusCode::IM_A_TEAPOT, "fallback") })
        .traced_with(tracer.clone());
    let addr = serve(app).await;

    assert_eq!(get_status(addr, "/api/users/5").await, StatusCode::OK);
    assert_eq!(get_status(addr, "/admin/stats").await, StatusCode::OK);
    assert_eq!(
        get_status(addr, "/static/css/site.css").await,
        StatusCode::OK
    );
    assert_eq!(
        get_status(addr, "/elsewhere/77").await,
        StatusCode::IM_A_TEAPOT
    );

    let spans = finished(&tracer, 4).await;
    let names: Vec<_> = spans
        .iter()
        .map(|s| s.operation_name().to_owned())
        .collect();
    assert!(
        names.contains(&"GET /api/users/{id}".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"GET /admin/stats".to_owned()), "{names:?}");
    // axum keeps the prefix of a `nest_service` from layers: such spans get the method
    // alone, never the raw path.
    let files = spans
        .iter()
        .find(|s| status(s) == Some(200) && s.operation_name() == "GET");
    assert!(files.is_some(), "{names:?}");
    let fallback = spans.iter().find(|s| status(s) == Some(418)).unwrap();
    assert_eq!(fallback.operation_name(), "GET");
    assert_eq!(fallback.tag(HTTP_ROUTE), None);
    for span in &spans {
        assert!(
            !span.operation_name().chars().any(|c| c.is_ascii_digit()),
            "{}",
            span.operation_name()
        );
    }
}

#[tokio::test]
async fn handlers_tag_and_start_children_through_active_span() {
    let tracer = MockTracer::new();
    let handler_tracer = tracer.clone();
    let app = Router::new()
        .route(
            "/checkout",
            post(move |span: ActiveSpan| async move {
                span.set_tag("cart.items", 3);
                handler_tracer.start_span("reserve stock").finish();
                "done"
            }),
        )
        .traced_with(tracer.clone());
    let addr = serve(app).await;
    reqwest::Client::new()
        .post(format!("http://{addr}/checkout"))
        .send()
        .await
        .unwrap();

    let spans = finished(&tracer, 2).await;
    let server = spans
        .iter()
        .find(|s| s.operation_name() == "POST /checkout")
        .unwrap();
    let child = spans
        .iter()
        .find(|s| s.operation_name() == "reserve stock")
        .unwrap();
    assert_eq!(server.tag("cart.items").and_then(|v| v.as_i64()), Some(3));
    assert_eq!(child.parent_id(), Some(server.context().span_id()));
}

#[tokio::test]
async fn errors_and_panics_are_tagged() {
    let tracer = MockTracer::new();
    let app = Router::new()
        .route(
            "/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route(
            "/panic",
            get(|| async {
                panic!("handler bug");
                #[allow(unreachable_code)]
                ""
            }),
        )
        .route(
            "/bad-request",
            get(
                |Query(q): Query<std::collections::HashMap<String, u32>>| async move {
                    q.len().to_string()
                },
            ),
        )
        .traced_with(tracer.clone())
        .layer(CatchPanicLayer::new());
    let addr = serve(app).await;
    assert_eq!(
        get_status(addr, "/fail").await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        get_status(addr, "/panic").await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        get_status(addr, "/bad-request?n=x").await,
        StatusCode::BAD_REQUEST
    );

    let spans = finished(&tracer, 3).await;
    let by_name = |name: &str| spans.iter().find(|s| s.operation_name() == name).unwrap();
    let fail = by_name("GET /fail");
    assert_eq!(fail.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    assert_eq!(status(fail), Some(500));
    let panic = by_name("GET /panic");
    assert_eq!(panic.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    assert_eq!(str_tag(panic, tracing_tower::FINISH_REASON), Some("panic"));
    let rejected = by_name("GET /bad-request");
    assert_eq!(status(rejected), Some(400));
    assert_eq!(rejected.tag(tags::ERROR), None);
}

/// A body that yields `left` chunks, one every 20 ms.
struct Ticking {
    left: u32,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for Ticking {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        std::task::ready!(self.sleep.as_mut().poll(cx));
        self.left -= 1;
        self.sleep = Box::pin(tokio::time::sleep(Duration::from_millis(20)));
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from_static(
            b"tick\n",
        )))))
    }
}

#[tokio::test]
async fn a_streaming_response_finishes_after_its_last_chunk() {
    let tracer = MockTracer::new();
    let app = Router::new()
        .route(
            "/stream",
            get(|| async {
                let sleep = Box::pin(tokio::time::sleep(Duration::ZERO));
                Body::new(Ticking { left: 5, sleep })
            }),
        )
        .traced_with(tracer.clone());
    let addr = serve(app).await;
    let mut response = reqwest::get(format!("http://{addr}/stream")).await.unwrap();
    let first = response.chunk().await.unwrap().unwrap();
    assert_eq!(first, "tick\n");
    assert!(
        tracer.finished_spans().is_empty(),
        "finished before the stream ended"
    );
    let mut chunks = 1;
    while response.chunk().await.unwrap().is_some() {
        chunks += 1;
    }
    assert_eq!(chunks, 5);
    let span = &finished(&tracer, 1).await[0];
    assert_eq!(
        str_tag(span, tracing_tower::FINISH_REASON),
        Some("complete")
    );
    assert!(
        span.duration() >= Duration::from_millis(80),
        "{:?}",
        span.duration()
    );
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_spans_finish() {
    let tracer = MockTracer::new();
    let app = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                "done"
            }),
        )
        .traced_with(tracer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    let request = tokio::spawn(reqwest::get(format!("http://{addr}/slow")));
    tokio::time::sleep(Duration::from_millis(30)).await;
    stop.send(()).unwrap();
    let response = request.await.unwrap().unwrap();
    assert_eq!(response.text().await.unwrap(), "done");
    server.await.unwrap().unwrap();

    let spans = tracer.finished_spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(
        str_tag(&spans[0], tracing_tower::FINISH_REASON),
        Some("complete")
    );
}

#[tokio::test]
async fn active_span_without_the_layer() {
    let app = Router::new()
        .route("/required", get(|_: ActiveSpan| async { "never" }))
        .route(
            "/optional",
            get(|span: Option<ActiveSpan>| async move { span.is_some().to_string() }),
        );
    let addr = serve(app).await;
    let response = reqwest::get(format!("http://{addr}/required"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.text().await.unwrap().contains("tracing_axum"));
    let response = reqwest::get(format!("http://{addr}/optional"))
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "false");
}

#[tokio::test]
async fn without_connect_info_there_are_no_peer_address_tags() {
    let tracer = MockTracer::new();
    let app = Router::new()
        .route("/", get(|| async { "ok" }))
        .traced_with(tracer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    get_status(addr, "/").await;
    let span = &finished(&tracer, 1).await[0];
    assert_eq!(span.tag(tags::PEER_HOST_IPV4), None);
    assert_eq!(span.tag(tags::PEER_PORT), None);
}

/// `ActiveSpan` sits anywhere among the other extractors axum allows (the body last).
#[test]
fn active_span_goes_with_other_extractors_in_any_order() {
    #[derive(Clone)]
    struct AppState;
    type Params = Query<std::collections::HashMap<String, String>>;
    async fn first(_: ActiveSpan, _: Path<u32>, _: Params, _: State<AppState>, _: String) {}
    async fn middle(_: Path<u32>, _: ActiveSpan, _: State<AppState>, _: String) {}
    async fn last_before_body(_: State<AppState>, _: Params, _: Option<ActiveSpan>, _: Bytes) {}
    let _app: Router = Router::new()
        .route("/a/{id}", get(first))
        .route("/b/{id}", get(middle))
        .route("/c", get(last_before_body))
        .with_state(AppState)
        .traced();
}
