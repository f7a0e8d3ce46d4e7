//! Both layers over real connections: a hyper server on `127.0.0.1:0` behind the server
//! layer, called by hyper-util's client behind the client layer.

mod support;

use std::sync::Arc;

use http::Request;
use opentracing_core::propagation::{B3, Codec, Jaeger, OtHeaders, W3cTraceContext};
use opentracing_core::reference::{Propagator, ReferenceTracer};
use opentracing_core::{InMemoryRecorder, tags};
use support::{hyper_client, only, serve, str_tag, text};
use tower::{Layer, ServiceExt, service_fn};
use tracing_tower::{ClientTracingLayer, ServerTracingLayer};

fn tracer_speaking(
    codec: impl Codec + 'static,
    recorder: &Arc<InMemoryRecorder>,
) -> ReferenceTracer {
    ReferenceTracer::builder("e2e", recorder.clone())
        .propagator(Propagator::empty().codec(codec).w3c_baggage(false))
        .build()
}

async fn server_is_child_of_client(tracer: ReferenceTracer, recorder: &InMemoryRecorder) {
    let server = ServerTracingLayer::new(tracer.clone())
        .operation_name_with(|_: &Request<hyper::body::Incoming>| "serve".to_owned())
        .layer(service_fn(|_| support::answer("pong")));
    let addr = serve(server).await;
    let client = ClientTracingLayer::new(tracer)
        .operation_name_with(|_: &Request<String>| "call".to_owned())
        .layer(hyper_client());

    let request = Request::get(format!("http://{addr}/ping?x=1"))
        .body(String::new())
        .unwrap();
    let response = client.oneshot(request).await.unwrap();
    assert_eq!(text(response.into_body()).await, "pong");
    // The server finishes its span once the body is sent; give it a moment to get there.
    for _ in 0..200 {
        if recorder.spans().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    let spans = recorder.spans();
    let call = only(&spans, "call");
    let serve = only(&spans, "serve");
    assert_eq!(serve.context().trace_id(), call.context().trace_id());
    assert_eq!(serve.parent_id(), Some(call.context().span_id()));
    assert_eq!(str_tag(&serve, tags::PEER_HOST_IPV4), Some("127.0.0.1"));
    assert_eq!(str_tag(&call, tags::PEER_HOST_IPV4), Some("127.0.0.1"));
    assert_eq!(
        call.tag(tags::PEER_PORT).and_then(|v| v.as_i64()),
        Some(i64::from(addr.port()))
    );
    assert_eq!(str_tag(&serve, tags::HTTP_URL), Some("/ping?x=REDACTED"));
    for span in [&call, &serve] {
        assert_eq!(
            span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
            Some(200)
        );
        assert_eq!(
            str_tag(span, tracing_tower::FINISH_REASON),
            Some("complete")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w3c_trace_context() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(W3cTraceContext, &recorder), &recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b3_multi_header() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(B3::multi(), &recorder), &recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b3_single_header() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(B3::single(), &recorder), &recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jaeger() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(Jaeger, &recorder), &recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opentracing_headers() {
    let recorder = Arc::new(InMemoryRecorder::new());
    server_is_child_of_client(tracer_speaking(OtHeaders, &recorder), &recorder).await;
}

/// Waits until `recorder` holds `count` spans (a server finishes just after its last byte).
async fn wait_for(
    recorder: &InMemoryRecorder,
    count: usize,
) -> Vec<opentracing_core::FinishedSpan> {
    for _ in 0..200 {
        if recorder.spans().len() >= count {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    recorder.spans()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_requests_and_sized_streams_finish_complete_over_hyper() {
    use http_body_util::{BodyExt, StreamBody};

    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = tracer_speaking(W3cTraceContext, &recorder);
    // A streamed body with a Content-Length: hyper stops polling after the last byte.
    let server = ServerTracingLayer::new(tracer).layer(service_fn(
        |_: Request<hyper::body::Incoming>| async {
            let chunks = ["abc", "def"].map(|chunk| {
                Ok::<_, std::convert::Infallible>(http_body::Frame::data(bytes::Bytes::from(chunk)))
            });
            let body = StreamBody::new(SlowStream(chunks.into_iter()));
            let mut response = http::Response::new(body);
            response
                .headers_mut()
                .insert(http::header::CONTENT_LENGTH, "6".parse().unwrap());
            Ok::<_, std::convert::Infallible>(response)
        },
    ));
    let addr = serve(server).await;
    let client = hyper_client();

    let response = client
        .request(
            Request::get(format!("http://{addr}/"))
                .body(String::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "abcdef"
    );
    let head = Request::head(format!("http://{addr}/"))
        .body(String::new())
        .unwrap();
    client.request(head).await.unwrap();

    let spans = wait_for(&recorder, 2).await;
    assert_eq!(spans.len(), 2);
    for span in &spans {
        assert_eq!(
            str_tag(span, tracing_tower::FINISH_REASON),
            Some("complete"),
            "{span:?}"
        );
    }
}

/// A stream that never says it has ended until polled past its last item, as most
/// streaming bodies do.
struct SlowStream<I>(I);

impl<I: Iterator + Unpin> futures_core::Stream for SlowStream<I> {
    type Item = I::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<I::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}

/// A protocol upgrade over a real connection: the span finishes `complete` when the `101`
/// is sent, under every `FinishAt`, while the upgraded connection goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protocol_upgrade_finishes_at_its_101() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tracing_tower::FinishAt;

    for finish_at in [
        FinishAt::BodyEnd,
        FinishAt::Headers,
        FinishAt::HeadersForStreams,
    ] {
        let recorder = Arc::new(InMemoryRecorder::new());
        let tracer = tracer_speaking(W3cTraceContext, &recorder);
        // Answers `101`, then echoes what comes over the upgraded connection.
        let echo = service_fn(|mut request: Request<hyper::body::Incoming>| async move {
            let upgrade = hyper::upgrade::on(&mut request);
            tokio::spawn(async move {
                let mut io = hyper_util::rt::TokioIo::new(upgrade.await.unwrap());
                let mut buf = [0; 4];
                io.read_exact(&mut buf).await.unwrap();
                io.write_all(&buf).await.unwrap();
            });
            let response = http::Response::builder()
                .status(http::StatusCode::SWITCHING_PROTOCOLS)
                .header(http::header::CONNECTION, "upgrade")
                .header(http::header::UPGRADE, "echo")
                .body(String::new())
                .unwrap();
            Ok::<_, std::convert::Infallible>(response)
        });
        let service = ServerTracingLayer::new(tracer)
            .finish_at(finish_at)
            .layer(echo);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            hyper::server::conn::http1::Builder::new()
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    hyper_util::service::TowerToHyperService::new(service),
                )
                .with_upgrades()
                .await
                .unwrap();
        });

        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(
                b"GET /chat HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n",
            )
            .await
            .unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(stream.read_u8().await.unwrap());
        }
        assert!(head.starts_with(b"HTTP/1.1 101"), "{finish_at:?}");
        // Finished at the 101, before the upgraded connection carried a byte.
        let spans = wait_for(&recorder, 1).await;
        assert_eq!(spans.len(), 1, "{finish_at:?}");
        let span = &spans[0];
        assert_eq!(
            str_tag(span, tracing_tower::FINISH_REASON),
            Some("complete")
        );
        assert_eq!(
            span.tag(tags::HTTP_STATUS_CODE).and_then(|v| v.as_i64()),
            Some(101)
        );
        stream.write_all(b"ping").await.unwrap();
        let mut echoed = [0; 4];
        stream.read_exact(&mut echoed).await.unwrap();
        assert_eq!(&echoed, b"ping");
    }
}
