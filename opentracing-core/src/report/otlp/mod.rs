//! OTLP, as the OpenTelemetry protocol specification defines it: the [`Otlp`] encoder, its
//! three protocols, and the mapping of OpenTracing spans to OTLP spans that they share.

mod json;
mod protobuf;

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use super::encoder::{Encoder, Rejection, error_of, is_explicit_success, since_epoch};
use super::resource::Resource;
use super::semconv::{self, Attribute};
use crate::finished::{FinishedSpan, LogRecord};
use crate::references::SpanReference;
use crate::value::Value;
use crate::{logs, tags};

/// Encodes spans as an OTLP `ExportTraceServiceRequest`, for OpenTelemetry collectors,
/// Jaeger and Grafana Tempo, in one of the three [protocols](OtlpProtocol): protobuf over
/// HTTP (the default, `POST /v1/traces`), JSON over HTTP (`POST /v1/traces`), or gRPC
/// (`TraceService/Export`, the endpoint being the collector's address:
/// `http://collector:4317`).
///
/// Spans are grouped by service into one resource each: `service.name`,
/// `telemetry.sdk.name` (`opentracing-core`), `telemetry.sdk.language` (`rust`),
/// `telemetry.sdk.version`, and the [resource attributes](Self::resource_attribute) given.
/// The OpenTracing mapping, as the OpenTelemetry OpenTracing shim has it: `span.kind`
/// becomes the span kind (internal when absent or unknown); `error=true` the status `ERROR`
/// with the error log's message, `error=false` the status `OK`; other tags become typed
/// attributes, under OpenTelemetry's semantic-convention names (see the
/// [module](crate::report) docs) unless [`opentracing_names`](Self::opentracing_names) is
/// set; each log an event named by its `event` field (`log` without one) with the other
/// fields as attributes; references other than the parent become links.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::reference::ReferenceTracer;
/// use opentracing_core::report::{Encoder, Otlp, OtlpProtocol};
/// use opentracing_core::{InMemoryRecorder, Tracer};
///
/// let recorder = Arc::new(InMemoryRecorder::new());
/// let tracer = ReferenceTracer::new("checkout", recorder.clone());
/// tracer.start_span("charge card").finish();
///
/// let mut body = Vec::new();
/// let encoder = Otlp::new("checkout").protocol(OtlpProtocol::HttpJson);
/// encoder.encode(&recorder.spans(), &mut body);
/// let json = String::from_utf8(body).unwrap();
/// assert!(json.contains(r#""key":"service.name","value":{"stringValue":"checkout"}"#));
/// assert!(json.contains(r#""name":"charge card","kind":1"#));
/// ```
#[derive(Clone, Debug)]
pub struct Otlp {
    service_name: String,
    resource: Resource,
    /// Tags under OpenTelemetry's semantic-convention names (the default), or as they are.
    semantic_names: bool,
    protocol: OtlpProtocol,
}

/// How OTLP messages are encoded and carried, as `OTEL_EXPORTER_OTLP_PROTOCOL` names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtlpProtocol {
    /// `http/protobuf`: protobuf in an HTTP POST to `.../v1/traces`; the specification's
    /// default.
    #[default]
    HttpProtobuf,
    /// `http/json`: JSON in an HTTP POST to `.../v1/traces`.
    HttpJson,
    /// `grpc`: the `opentelemetry.proto.collector.trace.v1.TraceService/Export` call over
    /// HTTP/2, to the collector's address (`http://collector:4317`).
    Grpc,
}

impl OtlpProtocol {
    /// The protocol's name in `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub fn name(self) -> &'static str {
        match self {
            Self::HttpProtobuf => "http/protobuf",
            Self::HttpJson => "http/json",
            Self::Grpc => "grpc",
        }
    }
}

impl fmt::Display for OtlpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not `grpc`, `http/protobuf` or `http/json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownProtocol;

impl fmt::Display for UnknownProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the OTLP protocol is not grpc, http/protobuf or http/json")
    }
}

impl std::error::Error for UnknownProtocol {}

impl FromStr for OtlpProtocol {
    type Err = UnknownProtocol;

    fn from_str(name: &str) -> Result<Self, UnknownProtocol> {
        [Self::HttpProtobuf, Self::HttpJson, Self::Grpc]
            .into_iter()
            .find(|protocol| protocol.name() == name)
            .ok_or(UnknownProtocol)
    }
}

/// The gRPC method that takes a batch of spans.
const GRPC_EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

impl Otlp {
    /// An encoder that puts spans that do not name their service under `service_name`,
    /// using protobuf over HTTP.
    pub fn new(service_name: impl Into<String>) -> Self {
        Self {
            service_name: service_name.into(),
            resource: Resource::default(),
            semantic_names: true,
            protocol: OtlpProtocol::default(),
        }
    }

    /// Uses `protocol`: protobuf or JSON over HTTP, or gRPC.
    #[must_use]
    pub fn protocol(mut self, protocol: OtlpProtocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Writes tags under their OpenTracing names (`http.method`, `peer.ipv4`, ...) instead
    /// of OpenTelemetry's semantic conventions (`http.request.method`, `client.address`,
    /// ...; the table is in the [module](crate::report) docs), for backends and dashboards
    /// built on the old names.
    #[must_use]
    pub fn opentracing_names(mut self) -> Self {
        self.semantic_names = false;
        self
    }

    /// Adds an attribute to every resource, such as `deployment.environment.name`; a
    /// repeated key replaces the value. `service.name` comes from each span's service.
    #[must_use]
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.resource.set(key.into(), value.into());
        self
    }

    /// The spans by service, in the order services first appear (a batch has few).
    fn by_service<'a>(&'a self, spans: &'a [FinishedSpan]) -> Vec<ServiceSpans<'a>> {
        let mut groups: Vec<ServiceSpans<'a>> = Vec::new();
        for span in spans {
            let service = span.service_name().unwrap_or(&self.service_name);
            match groups.iter_mut().find(|group| group.service == service) {
                Some(group) => group.spans.push(span),
                None => groups.push(ServiceSpans {
                    service,
                    resource: &self.resource,
                    spans: vec![span],
                }),
            }
        }
        groups
    }
}

impl Encoder for Otlp {
    fn content_type(&self) -> &'static str {
        match self.protocol {
            OtlpProtocol::HttpProtobuf => "application/x-protobuf",
            OtlpProtocol::HttpJson => "application/json",
            OtlpProtocol::Grpc => "application/grpc",
        }
    }

    fn encode(&self, spans: &[FinishedSpan], out: &mut Vec<u8>) {
        let groups = self.by_service(spans);
        match self.protocol {
            OtlpProtocol::HttpJson => json::encode(&groups, self.semantic_names, out),
            OtlpProtocol::HttpProtobuf | OtlpProtocol::Grpc => {
                protobuf::encode(&groups, self.semantic_names, out);
            }
        }
    }

    /// OTLP has no flag for a span that shares its caller's id.
    fn supports_shared_spans(&self) -> bool {
        false
    }

    /// `partialSuccess` of the `ExportTraceServiceResponse`.
    fn rejection(&self, answer: &[u8]) -> Rejection {
        match self.protocol {
            OtlpProtocol::HttpJson => json::rejection(answer),
            OtlpProtocol::HttpProtobuf | OtlpProtocol::Grpc => protobuf::rejection(answer),
        }
    }

    fn grpc_method(&self) -> Option<&'static str> {
        (self.protocol == OtlpProtocol::Grpc).then_some(GRPC_EXPORT)
    }
}

/// The spans of one service: one `ResourceSpans`.
struct ServiceSpans<'a> {
    service: &'a str,
    resource: &'a Resource,
    spans: Vec<&'a FinishedSpan>,
}

impl ServiceSpans<'_> {
    /// The resource's attributes: `service.name`, `telemetry.sdk.*` (unless the user set
    /// them: theirs win, as in an OpenTelemetry SDK's merge), the user's; each key once.
    fn resource_attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        let sdk = SDK
            .into_iter()
            .filter(|(key, _)| !self.resource.contains(key));
        std::iter::once(("service.name", self.service))
            .chain(sdk)
            .chain(self.resource.iter())
    }
}

/// The `telemetry.sdk.*` resource attributes.
const SDK: [(&str, &str); 3] = [
    ("telemetry.sdk.name", env!("CARGO_PKG_NAME")),
    ("telemetry.sdk.language", "rust"),
    ("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
];

/// The instrumentation scope: this crate.
const SCOPE: (&str, &str) = (env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));

/// W3C trace flags: sampled. Only sampled spans are recorded.
const SAMPLED: u32 = 0x01;

/// OTLP's `SpanKind` for a `span.kind` tag.
fn kind_of(span: &FinishedSpan) -> u8 {
    match span.tag(tags::SPAN_KIND).and_then(Value::as_str) {
        Some(tags::SPAN_KIND_RPC_SERVER) => 2,
        Some(tags::SPAN_KIND_RPC_CLIENT) => 3,
        Some(tags::SPAN_KIND_PRODUCER) => 4,
        Some(tags::SPAN_KIND_CONSUMER) => 5,
        _ => 1,
    }
}

/// Gives `write` the span's attributes: its tags but `span.kind` and `error`, renamed by
/// the semantic conventions (with `error.type` on a failed span) when `semantic_names`.
fn for_each_attribute<'a>(
    span: &'a FinishedSpan,
    kind: u8,
    semantic_names: bool,
    mut write: impl FnMut(Attribute<'a>),
) {
    if semantic_names {
        let failed = error_of(span).is_some();
        semconv::for_each_attribute(span, kind == 2, failed, write);
    } else {
        for (key, value) in span.tags() {
            if !matches!(key, tags::SPAN_KIND | tags::ERROR) {
                write(Attribute::Value(key, value));
            }
        }
    }
}

/// An event's name: the log's `event` field, else `log`.
fn event_name(log: &LogRecord) -> &str {
    log.field(logs::EVENT)
        .and_then(Value::as_str)
        .unwrap_or("log")
}

/// An event's attributes: the log's fields but `event`.
fn event_attributes(log: &LogRecord) -> impl Iterator<Item = (&str, &Value)> {
    log.fields().filter(|(key, _)| *key != logs::EVENT)
}

/// The span's links: its references but the parent.
fn links(span: &FinishedSpan) -> impl Iterator<Item = &SpanReference> {
    let parent = span.parent_id();
    span.references()
        .iter()
        .filter(move |reference| Some(reference.span_id()) != parent)
}

/// The span's status code (`OK` 1, `ERROR` 2) and message, if set.
fn status(span: &FinishedSpan) -> Option<(u8, Option<&str>)> {
    match error_of(span) {
        Some(message) => Some((2, message)),
        None if is_explicit_success(span) => Some((1, None)),
        None => None,
    }
}

/// Nanoseconds since the Unix epoch.
fn nanos(time: SystemTime) -> u64 {
    u64::try_from(since_epoch(time).as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_go_by_their_specification_names() {
        for protocol in [
            OtlpProtocol::HttpProtobuf,
            OtlpProtocol::HttpJson,
            OtlpProtocol::Grpc,
        ] {
            assert_eq!(protocol.name().parse(), Ok(protocol));
            assert_eq!(protocol.to_string(), protocol.name());
        }
        assert_eq!("http/proto".parse::<OtlpProtocol>(), Err(UnknownProtocol));
        assert_eq!(OtlpProtocol::default(), OtlpProtocol::HttpProtobuf);
    }

    #[test]
    fn a_resource_key_is_written_once_and_the_users_value_wins() {
        let encoder = Otlp::new("shop")
            .resource_attribute("telemetry.sdk.language", "rust-nightly")
            .resource_attribute("service.name", "ignored");
        let group = ServiceSpans {
            service: "shop",
            resource: &encoder.resource,
            spans: Vec::new(),
        };
        let attributes: Vec<_> = group.resource_attributes().collect();
        let keys: Vec<_> = attributes.iter().map(|(key, _)| *key).collect();
        assert_eq!(
            keys,
            [
                "service.name",
                "telemetry.sdk.name",
                "telemetry.sdk.version",
                "telemetry.sdk.language"
            ]
        );
        assert_eq!(attributes[0].1, "shop");
        assert_eq!(attributes[3].1, "rust-nightly");
    }
}
