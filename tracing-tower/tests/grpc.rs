//! gRPC through the layers: a tonic server and a tonic channel over HTTP/2 on loopback,
//! each with its layer, calling a service written by hand (`support/shop.rs`).

#[path = "support/shop.rs"]
mod shop;
mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use opentracing_core::propagation::{B3, W3cTraceContext};
use opentracing_core::reference::{Propagator, ReferenceTracer};
use opentracing_core::{FinishedSpan, InMemoryRecorder, MockTracer, Tracer, WithSpan, tags};
use shop::{Item, Shop, ShopClient};
use support::str_tag;
use tonic::transport::server::{TcpConnectInfo, TcpIncoming};
use tonic::transport::{Channel, Server};
use tonic::{Code, Request};
use tower::Layer;
use tracing_tower::grpc::{
    RPC_GRPC_DEADLINE_MS, RPC_GRPC_STATUS_CODE, RPC_METHOD, RPC_SERVICE, RPC_SYSTEM,
};
use tracing_tower::{ClientTracing, ClientTracingLayer, FINISH_REASON, ServerTracingLayer};

/// Serves `test.Shop` on a free port with the server layer; its address.
async fn serve<T: Tracer + Clone + Send + Sync + 'static>(tracer: T) -> SocketAddr {
    let incoming = TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = incoming.local_addr().unwrap();
    let layer = ServerTracingLayer::new(tracer).peer_addr_with(|extensions: &http::Extensions| {
        extensions
            .get::<TcpConnectInfo>()
            .and_then(TcpConnectInfo::remote_addr)
    });
    tokio::spawn(
        Server::builder()
            .layer(layer)
            .add_service(Shop)
            .serve_with_incoming(incoming),
    );
    addr
}

/// A client of the server at `addr`: a tonic channel with the client layer.
fn client<T: Tracer + Clone>(
    tracer: T,
    addr: SocketAddr,
) -> ShopClient<ClientTracing<Channel, T, tracing_tower::DefaultOperationName>> {
    let origin: http::Uri = format!("http://{addr}").parse().unwrap();
    let channel = Channel::builder(origin.clone()).connect_lazy();
    ShopClient::new(
        ClientTracingLayer::new(tracer)
            .origin(origin)
            .layer(channel),
    )
}

fn item(name: &str, fail: Code) -> Request<Item> {
    Request::new(Item {
        name: name.to_owned(),
        fail: fail as i32,
        ..Item::default()
    })
}

fn int_tag(span: &FinishedSpan, key: &str) -> Option<i64> {
    span.tag(key)?.as_i64()
}

fn by_kind<'a>(spans: &'a [FinishedSpan], kind: &str) -> Vec<&'a FinishedSpan> {
    spans
        .iter()
        .filter(|span| str_tag(span, tags::SPAN_KIND) == Some(kind))
        .collect()
}

/// Waits until `tracer` has `count` finished spans: the server finishes its span as the
/// last frame goes, which the client may see first.
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

/// The client and the server span of the one call made.
async fn call_spans(tracer: &MockTracer) -> (FinishedSpan, FinishedSpan) {
    let spans = finished(tracer, 2).await;
    let client = by_kind(&spans, tags::SPAN_KIND_RPC_CLIENT)[0].clone();
    let server = by_kind(&spans, tags::SPAN_KIND_RPC_SERVER)[0].clone();
    (client, server)
}

fn message_logged(span: &FinishedSpan) -> Option<String> {
    span.logs().iter().find_map(|log| {
        log.field("message")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    })
}

#[tokio::test]
async fn a_unary_call_is_named_and_tagged_on_both_sides() {
    let tracer = MockTracer::new();
    let addr = serve(tracer.clone()).await;
    let answer = client(tracer.clone(), addr)
        .get(item("apple", Code::Ok))
        .await
        .unwrap();
    assert_eq!(answer.into_inner().name, "apple");
    let (client, server) = call_spans(&tracer).await;
    for span in [&client, &server] {
        assert_eq!(span.operation_name(), "test.Shop/Get");
        assert_eq!(str_tag(span, RPC_SYSTEM), Some("grpc"));
        assert_eq!(str_tag(span, RPC_SERVICE), Some("test.Shop"));
        assert_eq!(str_tag(span, RPC_METHOD), Some("Get"));
        // OK came in the trailers, after the answer.
        assert_eq!(int_tag(span, RPC_GRPC_STATUS_CODE), Some(0), "{span:#?}");
        assert_eq!(span.tag(tags::ERROR), None);
        assert_eq!(str_tag(span, FINISH_REASON), Some("complete"));
    }
    assert_eq!(server.parent_id(), Some(client.context().span_id()));
    assert_eq!(
        str_tag(&client, tags::HTTP_URL),
        Some(format!("http://{addr}/test.Shop/Get").as_str())
    );
    assert_eq!(str_tag(&client, tags::PEER_HOST_IPV4), Some("127.0.0.1"));
    assert_eq!(
        int_tag(&client, tags::PEER_PORT),
        Some(i64::from(addr.port()))
    );
    assert_eq!(str_tag(&server, tags::PEER_HOST_IPV4), Some("127.0.0.1"));
}

#[tokio::test]
async fn a_failure_in_the_headers_is_the_clients_error_and_by_its_code_the_servers() {
    for (code, server_error) in [(Code::NotFound, false), (Code::Internal, true)] {
        let tracer = MockTracer::new();
        let addr = serve(tracer.clone()).await;
        let status = client(tracer.clone(), addr)
            .get(item("pear", code))
            .await
            .unwrap_err();
        assert_eq!(status.code(), code);
        let (client, server) = call_spans(&tracer).await;
        for span in [&client, &server] {
            assert_eq!(int_tag(span, RPC_GRPC_STATUS_CODE), Some(code as i64));
            assert_eq!(
                message_logged(span),
                Some(format!("{}: no pear", name_of(code)))
            );
        }
        assert_eq!(
            client.tag(tags::ERROR).and_then(|v| v.as_bool()),
            Some(true)
        );
        assert_eq!(
            server.tag(tags::ERROR).and_then(|v| v.as_bool()),
            server_error.then_some(true),
            "{code:?}"
        );
        assert_eq!(
            client.tag(tags::HTTP_STATUS_CODE),
            None,
            "not an HTTP failure"
        );
    }
}

fn name_of(code: Code) -> &'static str {
    match code {
        Code::NotFound => "NOT_FOUND",
        Code::Internal => "INTERNAL",
        _ => unreachable!("only these are used"),
    }
}

#[tokio::test]
async fn a_stream_of_100_finishes_at_its_trailers_and_a_failure_in_them_is_read() {
    for (fail, count) in [(Code::Ok, 100), (Code::Internal, 3), (Code::NotFound, 3)] {
        let tracer = MockTracer::new();
        let addr = serve(tracer.clone()).await;
        let mut request = item("plum", fail);
        request.get_mut().count = count;
        let mut stream = client(tracer.clone(), addr)
            .list(request)
            .await
            .unwrap()
            .into_inner();
        let mut received = 0;
        let end = loop {
            match stream.message().await {
                Ok(Some(_)) => received += 1,
                Ok(None) => break Code::Ok,
                Err(status) => break status.code(),
            }
        };
        assert_eq!((received, end), (count, fail));
        drop(stream);
        let (client, server) = call_spans(&tracer).await;
        for span in [&client, &server] {
            assert_eq!(span.operation_name(), "test.Shop/List");
            assert_eq!(int_tag(span, RPC_GRPC_STATUS_CODE), Some(fail as i64));
            assert_eq!(str_tag(span, FINISH_REASON), Some("complete"));
        }
        let error = |span: &FinishedSpan| span.tag(tags::ERROR).and_then(|v| v.as_bool());
        assert_eq!(error(&client), (fail != Code::Ok).then_some(true));
        assert_eq!(error(&server), (fail == Code::Internal).then_some(true));
    }
}

#[tokio::test]
async fn a_client_stream_of_50_finishes_at_the_answers_trailers() {
    let tracer = MockTracer::new();
    let addr = serve(tracer.clone()).await;
    let items = tokio_stream::iter((0..50).map(|n| Item {
        name: format!("item-{n}"),
        ..Item::default()
    }));
    let answer = client(tracer.clone(), addr).count(items).await.unwrap();
    assert_eq!(answer.into_inner().count, 50);
    let (client, server) = call_spans(&tracer).await;
    for span in [&client, &server] {
        assert_eq!(span.operation_name(), "test.Shop/Count");
        assert_eq!(int_tag(span, RPC_GRPC_STATUS_CODE), Some(0));
        assert_eq!(str_tag(span, FINISH_REASON), Some("complete"));
        assert_eq!(span.tag(tags::ERROR), None);
    }
    assert_eq!(server.parent_id(), Some(client.context().span_id()));
}

#[tokio::test]
async fn a_client_that_drops_the_stream_half_way_leaves_both_spans_without_a_status() {
    let tracer = MockTracer::new();
    let addr = serve(tracer.clone()).await;
    let mut request = item("fig", Code::Ok);
    request.get_mut().count = 100;
    request.get_mut().delay_ms = 5;
    let mut stream = client(tracer.clone(), addr)
        .list(request)
        .await
        .unwrap()
        .into_inner();
    for _ in 0..10 {
        stream.message().await.unwrap().unwrap();
    }
    drop(stream);
    let (client, server) = call_spans(&tracer).await;
    for span in [&client, &server] {
        assert_eq!(
            str_tag(span, FINISH_REASON),
            Some("client_gone"),
            "{span:#?}"
        );
        assert_eq!(span.tag(RPC_GRPC_STATUS_CODE), None);
    }
}

#[tokio::test]
async fn a_deadline_is_tagged_and_a_call_past_it_is_deadline_exceeded() {
    let tracer = MockTracer::new();
    let addr = serve(tracer.clone()).await;
    let mut request = item("slow", Code::Ok);
    request.get_mut().delay_ms = 2_000;
    request.set_timeout(Duration::from_millis(100));
    let status = client(tracer.clone(), addr).get(request).await.unwrap_err();
    assert_eq!(
        status.code(),
        Code::Cancelled,
        "tonic's own report: {status:?}"
    );
    let (client, server) = call_spans(&tracer).await;
    for span in [&client, &server] {
        assert_eq!(int_tag(span, RPC_GRPC_DEADLINE_MS), Some(100));
        assert_eq!(int_tag(span, RPC_GRPC_STATUS_CODE), Some(4), "{span:#?}");
        assert_eq!(span.tag(tags::ERROR).and_then(|v| v.as_bool()), Some(true));
    }
    assert_eq!(str_tag(&server, FINISH_REASON), Some("cancelled"));
}

/// A reference tracer speaking `codec`, recording to `recorder`.
fn reference(recorder: &Arc<InMemoryRecorder>, propagator: Propagator) -> ReferenceTracer {
    ReferenceTracer::builder("shop", recorder.clone())
        .propagator(propagator)
        .build()
}

#[tokio::test]
async fn w3c_and_b3_carry_the_trace_across_the_call() {
    for propagator in [
        Propagator::new().codec(W3cTraceContext),
        Propagator::empty().codec(B3::multi()),
        Propagator::empty().codec(B3::single()),
    ] {
        let recorder = Arc::new(InMemoryRecorder::new());
        let tracer = reference(&recorder, propagator);
        let addr = serve(tracer.clone()).await;
        let checkout = tracer.start_span("checkout");
        client(tracer.clone(), addr)
            .get(item("kiwi", Code::Ok))
            .with_span(checkout.clone())
            .await
            .unwrap();
        checkout.finish();
        for _ in 0..400 {
            if recorder.spans().len() == 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let spans = recorder.spans();
        let client = by_kind(&spans, tags::SPAN_KIND_RPC_CLIENT)[0];
        let server = by_kind(&spans, tags::SPAN_KIND_RPC_SERVER)[0];
        let checkout = spans
            .iter()
            .find(|s| s.operation_name() == "checkout")
            .unwrap();
        assert_eq!(client.parent_id(), Some(checkout.context().span_id()));
        assert_eq!(server.parent_id(), Some(client.context().span_id()));
        assert_eq!(server.context().trace_id(), checkout.context().trace_id());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_on_one_channel_keep_their_parents() {
    let tracer = MockTracer::new();
    let addr = serve(tracer.clone()).await;
    let shop = client(tracer.clone(), addr);
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..1_000 {
        let (tracer, mut shop) = (tracer.clone(), shop.clone());
        calls.spawn(async move {
            let parent = tracer.start_span(format!("parent-{n}"));
            shop.get(item(&format!("item-{n}"), Code::Ok))
                .with_span(parent.clone())
                .await
                .unwrap();
            parent.finish();
        });
    }
    while let Some(call) = calls.join_next().await {
        call.unwrap();
    }
    let spans = finished(&tracer, 3_000).await;
    let by_id: std::collections::HashMap<_, _> = spans
        .iter()
        .map(|span| (span.context().span_id(), span))
        .collect();
    let servers = by_kind(&spans, tags::SPAN_KIND_RPC_SERVER);
    assert_eq!(servers.len(), 1_000);
    let mut parents = std::collections::HashSet::new();
    for server in servers {
        let client = by_id[&server.parent_id().unwrap()];
        assert_eq!(str_tag(client, tags::SPAN_KIND), Some("client"));
        let parent = by_id[&client.parent_id().unwrap()];
        assert!(parent.operation_name().starts_with("parent-"));
        assert_eq!(parent.context().trace_id(), server.context().trace_id());
        assert!(parents.insert(parent.operation_name().to_owned()));
    }
}
