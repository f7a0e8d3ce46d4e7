//! An OTLP/gRPC collector built from the official `opentelemetry-proto` definitions (tonic
//! decodes every message): what it received, and the answer it was told to give.

use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceService;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tonic::{Request, Response, Status};

/// What the collector answers, and what it received.
#[derive(Clone, Default)]
pub(crate) struct Collector {
    pub(crate) received: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
    pub(crate) keys: Arc<Mutex<Vec<Option<String>>>>,
    pub(crate) answer: Answer,
}

#[derive(Clone, Copy, Default)]
pub(crate) enum Answer {
    #[default]
    Accept,
    RejectOne,
    Unavailable,
    /// `RESOURCE_EXHAUSTED` with a `RetryInfo` of 200 ms to the first two calls.
    ExhaustedTwice,
}

/// `google.rpc.Status`, `google.protobuf.Any`, `google.rpc.RetryInfo` and
/// `google.protobuf.Duration`, as the gRPC error model defines them.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<Any>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Any {
    #[prost(string, tag = "1")]
    type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    retry_delay: Option<ProtoDuration>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct ProtoDuration {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

/// `RESOURCE_EXHAUSTED`, asking for a wait of `delay` in a `RetryInfo`.
fn exhausted(delay: std::time::Duration) -> Status {
    use prost::Message as _;
    let info = RetryInfo {
        retry_delay: Some(ProtoDuration {
            seconds: delay.as_secs() as i64,
            nanos: delay.subsec_nanos() as i32,
        }),
    };
    let status = RpcStatus {
        code: tonic::Code::ResourceExhausted as i32,
        message: "slow down".into(),
        details: vec![Any {
            type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
            value: info.encode_to_vec(),
        }],
    };
    Status::with_details(
        tonic::Code::ResourceExhausted,
        "slow down",
        status.encode_to_vec().into(),
    )
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let key = request.metadata().get("x-api-key");
        let key = key.and_then(|key| key.to_str().ok()).map(str::to_owned);
        self.keys.lock().unwrap().push(key);
        let calls = {
            let mut received = self.received.lock().unwrap();
            received.push(request.into_inner());
            received.len()
        };
        match self.answer {
            Answer::Accept => Ok(Response::new(ExportTraceServiceResponse::default())),
            Answer::RejectOne => Ok(Response::new(ExportTraceServiceResponse {
                partial_success: Some(ExportTracePartialSuccess {
                    rejected_spans: 1,
                    error_message: "too old".into(),
                }),
            })),
            Answer::Unavailable => Err(Status::unavailable("collector is restarting")),
            Answer::ExhaustedTwice if calls <= 2 => {
                Err(exhausted(std::time::Duration::from_millis(200)))
            }
            Answer::ExhaustedTwice => Ok(Response::new(ExportTraceServiceResponse::default())),
        }
    }
}

impl Collector {
    /// The names of every span received.
    pub(crate) fn span_names(&self) -> Vec<String> {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .flat_map(|request| &request.resource_spans)
            .flat_map(|resource| &resource.scope_spans)
            .flat_map(|scope| &scope.spans)
            .map(|span| span.name.clone())
            .collect()
    }
}
