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
        self.received.lock().unwrap().push(request.into_inner());
        match self.answer {
            Answer::Accept => Ok(Response::new(ExportTraceServiceResponse::default())),
            Answer::RejectOne => Ok(Response::new(ExportTraceServiceResponse {
                partial_success: Some(ExportTracePartialSuccess {
                    rejected_spans: 1,
                    error_message: "too old".into(),
                }),
            })),
            Answer::Unavailable => Err(Status::unavailable("collector is restarting")),
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
