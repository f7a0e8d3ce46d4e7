//! `test.Shop`, a gRPC service written by hand (what tonic's code generator would write):
//! `Get` answers one item or fails with the status it is asked for; `List` streams items
//! and ends with the status it is asked for, in the trailers; `Count` reads a stream of
//! items and answers how many came.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Duration;

use tonic::body::Body;
use tonic::codegen::{BoxFuture, Service, StdError, http};
use tonic::{Code, Request, Response, Status};
use tonic_prost::ProstCodec;

/// An item, and how to answer for it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Item {
    #[prost(string, tag = "1")]
    pub name: String,
    /// The status code to fail with; 0 answers.
    #[prost(int32, tag = "2")]
    pub fail: i32,
    /// For `List`: how many items to stream.
    #[prost(uint32, tag = "3")]
    pub count: u32,
    /// How long to wait before answering, in milliseconds.
    #[prost(uint64, tag = "4")]
    pub delay_ms: u64,
}

pub const GET: &str = "/test.Shop/Get";
pub const LIST: &str = "/test.Shop/List";
pub const COUNT: &str = "/test.Shop/Count";

/// The server.
#[derive(Clone, Debug, Default)]
pub struct Shop;

impl tonic::server::NamedService for Shop {
    const NAME: &'static str = "test.Shop";
}

struct Get;

impl tonic::server::UnaryService<Item> for Get {
    type Response = Item;
    type Future = BoxFuture<Response<Item>, Status>;

    fn call(&mut self, request: Request<Item>) -> Self::Future {
        Box::pin(async move {
            let item = request.into_inner();
            tokio::time::sleep(Duration::from_millis(item.delay_ms)).await;
            match item.fail {
                0 => Ok(Response::new(item)),
                code => Err(Status::new(Code::from(code), format!("no {}", item.name))),
            }
        })
    }
}

struct List;

impl tonic::server::ServerStreamingService<Item> for List {
    type Response = Item;
    type ResponseStream = tokio_stream::wrappers::ReceiverStream<Result<Item, Status>>;
    type Future = BoxFuture<Response<Self::ResponseStream>, Status>;

    fn call(&mut self, request: Request<Item>) -> Self::Future {
        Box::pin(async move {
            let asked = request.into_inner();
            let (sender, receiver) = tokio::sync::mpsc::channel(4);
            tokio::spawn(async move {
                for n in 0..asked.count {
                    tokio::time::sleep(Duration::from_millis(asked.delay_ms)).await;
                    let item = Item {
                        name: format!("{}-{n}", asked.name),
                        ..Item::default()
                    };
                    if sender.send(Ok(item)).await.is_err() {
                        return;
                    }
                }
                if asked.fail != 0 {
                    let status = Status::new(Code::from(asked.fail), "stream broke");
                    let _ = sender.send(Err(status)).await;
                }
            });
            Ok(Response::new(tokio_stream::wrappers::ReceiverStream::new(
                receiver,
            )))
        })
    }
}

struct Count;

impl tonic::server::ClientStreamingService<Item> for Count {
    type Response = Item;
    type Future = BoxFuture<Response<Item>, Status>;

    fn call(&mut self, request: Request<tonic::Streaming<Item>>) -> Self::Future {
        Box::pin(async move {
            let mut items = request.into_inner();
            let mut count = 0;
            while items.message().await?.is_some() {
                count += 1;
            }
            Ok(Response::new(Item {
                count,
                ..Item::default()
            }))
        })
    }
}

impl<B> Service<http::Request<B>> for Shop
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        match request.uri().path() {
            GET => Box::pin(async move {
                let mut grpc = tonic::server::Grpc::new(ProstCodec::<Item, Item>::default());
                Ok(grpc.unary(Get, request).await)
            }),
            LIST => Box::pin(async move {
                let mut grpc = tonic::server::Grpc::new(ProstCodec::<Item, Item>::default());
                Ok(grpc.server_streaming(List, request).await)
            }),
            COUNT => Box::pin(async move {
                let mut grpc = tonic::server::Grpc::new(ProstCodec::<Item, Item>::default());
                Ok(grpc.client_streaming(Count, request).await)
            }),
            _ => Box::pin(async move { Ok(Status::unimplemented("no such method").into_http()) }),
        }
    }
}

/// A client of `test.Shop` over any gRPC transport (a channel, with layers or not).
#[derive(Clone, Debug)]
pub struct ShopClient<T> {
    inner: tonic::client::Grpc<T>,
}

impl<T> ShopClient<T>
where
    T: tonic::client::GrpcService<Body>,
    T::Error: Into<StdError>,
    T::ResponseBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    <T::ResponseBody as http_body::Body>::Error: Into<StdError> + Send,
{
    pub fn new(inner: T) -> Self {
        Self {
            inner: tonic::client::Grpc::new(inner),
        }
    }

    pub async fn get(&mut self, request: Request<Item>) -> Result<Response<Item>, Status> {
        self.ready().await?;
        let path = http::uri::PathAndQuery::from_static(GET);
        self.inner.unary(request, path, ProstCodec::default()).await
    }

    pub async fn list(
        &mut self,
        request: Request<Item>,
    ) -> Result<Response<tonic::codec::Streaming<Item>>, Status> {
        self.ready().await?;
        let path = http::uri::PathAndQuery::from_static(LIST);
        self.inner
            .server_streaming(request, path, ProstCodec::default())
            .await
    }

    pub async fn count(
        &mut self,
        items: impl tokio_stream::Stream<Item = Item> + Send + 'static,
    ) -> Result<Response<Item>, Status> {
        self.ready().await?;
        let path = http::uri::PathAndQuery::from_static(COUNT);
        self.inner
            .client_streaming(Request::new(items), path, ProstCodec::default())
            .await
    }

    async fn ready(&mut self) -> Result<(), Status> {
        self.inner
            .ready()
            .await
            .map_err(|error| Status::unknown(format!("not ready: {}", error.into())))
    }
}
