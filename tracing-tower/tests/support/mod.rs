//! Helpers shared by the behaviour tests.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use opentracing_core::{FinishedSpan, MockTracer, Tracer};
use tokio::sync::mpsc;

/// A string tag of a finished span.
pub fn str_tag<'a>(span: &'a FinishedSpan, key: &str) -> Option<&'a str> {
    span.tag(key)?.as_str()
}

/// The finished span named `name`; panics (failing the test) when there is not exactly one.
pub fn only(spans: &[FinishedSpan], name: &str) -> FinishedSpan {
    let mut named = spans.iter().filter(|s| s.operation_name() == name);
    let span = named
        .next()
        .unwrap_or_else(|| panic!("no span named {name}: {spans:#?}"));
    assert!(named.next().is_none(), "several spans named {name}");
    span.clone()
}

/// Reads a body to its end as a string.
pub async fn text<B>(body: B) -> String
where
    B: Body,
    B::Error: fmt::Debug,
{
    let bytes = body.collect().await.expect("body").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

/// The error a [`ChannelBody`] can yield.
#[derive(Debug)]
pub struct BodyFailed;

impl fmt::Display for BodyFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the body failed")
    }
}

impl std::error::Error for BodyFailed {}

/// A streaming body fed by the test through a channel. Each frame it makes starts and
/// finishes a span named `frame` with `tracer`, to show which span is active meanwhile.
pub struct ChannelBody {
    frames: mpsc::UnboundedReceiver<Result<&'static str, BodyFailed>>,
    tracer: MockTracer,
}

impl ChannelBody {
    pub fn new(
        tracer: MockTracer,
    ) -> (
        mpsc::UnboundedSender<Result<&'static str, BodyFailed>>,
        Self,
    ) {
        let (sender, frames) = mpsc::unbounded_channel();
        (sender, Self { frames, tracer })
    }
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = BodyFailed;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyFailed>>> {
        let frame = self.frames.poll_recv(cx);
        if let Poll::Ready(Some(Ok(_))) = frame {
            self.tracer.start_span("frame").finish();
        }
        frame.map(|frame| frame.map(|chunk| chunk.map(|s| Frame::data(Bytes::from(s)))))
    }
}

/// An always-ready handler answering `body`.
pub async fn answer(body: &'static str) -> Result<http::Response<String>, Infallible> {
    Ok(http::Response::new(body.to_owned()))
}

/// Serves `service` on `127.0.0.1:0` with hyper (HTTP/1.1) until the runtime stops; each
/// request carries its connection's [`RemoteAddr`](tracing_tower::RemoteAddr).
pub async fn serve<S, B>(service: S) -> std::net::SocketAddr
where
    S: tower::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceBuilder;
    use tower_http::add_extension::AddExtensionLayer;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                continue;
            };
            let service = ServiceBuilder::new()
                .layer(AddExtensionLayer::new(tracing_tower::RemoteAddr(peer)))
                .service(service.clone());
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)),
            );
        }
    });
    addr
}

/// A plain hyper-util HTTP/1.1 client.
pub fn hyper_client()
-> hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, String> {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}
