//! Zipkin v2 JSON (`POST /api/v2/spans`), as `zipkin2-api.yaml` defines it.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde::Serialize;

use super::encoder::{Encoder, error_of, since_epoch};
use crate::finished::FinishedSpan;
use crate::sampling::Sampling;
use crate::tags;
use crate::value::Value;

/// Encodes spans as a Zipkin v2 JSON list, the body of `POST /api/v2/spans`.
///
/// The mapping, after zipkin-go-opentracing and the OpenTelemetry Zipkin exporter:
/// `span.kind` (client, server, producer, consumer) becomes `kind` (other values stay a
/// tag); `peer.service`, `peer.ipv4`, `peer.ipv6` and `peer.port` become `remoteEndpoint`;
/// `error=true` becomes the tag `error` holding the error message when a log gives one
/// (`error=false` is left out: Zipkin reads any `error` tag as a failure);
/// `sampling.priority` is a sampling hint, not reported; other tags become strings; each
/// log field becomes an annotation `key:value` at the log's time. Times are microseconds
/// (a duration is at least 1), trace ids 16 hex digits when the upper half is zero, names
/// lower case (as Zipkin stores them). `localEndpoint` names the span's service.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::reference::ReferenceTracer;
/// use opentracing_core::report::{Encoder, ZipkinJson};
/// use opentracing_core::{InMemoryRecorder, Tracer, tags};
///
/// let recorder = Arc::new(InMemoryRecorder::new());
/// let tracer = ReferenceTracer::new("checkout", recorder.clone());
/// tracer.span_builder("GET /cart").tag(tags::SPAN_KIND, "server").start().finish();
///
/// let mut body = Vec::new();
/// ZipkinJson::new("checkout").encode(&recorder.spans(), &mut body);
/// let json = String::from_utf8(body).unwrap();
/// assert!(json.starts_with(r#"[{"traceId":"#));
/// assert!(json.contains(r#""kind":"SERVER","name":"get /cart""#));
/// ```
#[derive(Clone, Debug)]
pub struct ZipkinJson {
    service_name: String,
    local_addr: Option<SocketAddr>,
}

impl ZipkinJson {
    /// An encoder whose `localEndpoint` names `service_name` for spans that do not name
    /// their service themselves.
    pub fn new(service_name: impl Into<String>) -> Self {
        Self {
            service_name: service_name.into(),
            local_addr: None,
        }
    }

    /// Puts this address (the service's own, as its peers see it) in `localEndpoint`.
    pub fn local_addr(mut self, addr: SocketAddr) -> Self {
        self.local_addr = Some(addr);
        self
    }

    fn span<'a>(&'a self, span: &'a FinishedSpan) -> Span<'a> {
        let context = span.context();
        let trace_id = context.trace_id();
        let span_id = context.span_id();
        let mut kind = None;
        let mut remote = Endpoint::default();
        let mut tags = BTreeMap::new();
        for (key, value) in span.tags() {
            match (key, value) {
                (tags::SPAN_KIND, Value::String(k)) if kind_of(k).is_some() => kind = kind_of(k),
                (tags::PEER_SERVICE, _) => {
                    remote.service_name = Some(value.to_string().to_lowercase())
                }
                (tags::PEER_HOST_IPV4, _) => remote.ipv4 = ipv4_of(value),
                (tags::PEER_HOST_IPV6, _) => remote.ipv6 = ipv6_of(value),
                (tags::PEER_PORT, _) => {
                    remote.port = value
                        .as_i64()
                        .and_then(|p| u16::try_from(p).ok())
                        .filter(|p| *p != 0)
                }
                (tags::ERROR | tags::SAMPLING_PRIORITY, _) => {}
                _ => {
                    tags.insert(key, value.to_string());
                }
            }
        }
        if let Some(message) = error_of(span) {
            tags.insert(tags::ERROR, message.unwrap_or("true").to_owned());
        }
        let start = since_epoch(span.start_time());
        let duration = span
            .finish_time()
            .duration_since(span.start_time())
            .unwrap_or_default();
        let mut annotations: Vec<Annotation> = span
            .logs()
            .iter()
            .flat_map(|log| {
                let timestamp = micros(since_epoch(log.timestamp()));
                log.fields().map(move |(key, value)| Annotation {
                    timestamp,
                    value: format!("{key}:{value}"),
                })
            })
            .collect();
        annotations.sort();
        annotations.dedup();
        let parent_id = span.parent_id().filter(|parent| *parent != span_id);
        let local_service = span.service_name().unwrap_or(&self.service_name);
        Span {
            trace_id: if trace_id.high() == 0 {
                format!("{:016x}", trace_id.low())
            } else {
                format!("{trace_id:032x}")
            },
            parent_id: parent_id.map(|id| format!("{id:016x}")),
            id: format!("{span_id:016x}"),
            kind,
            name: Some(span.operation_name().to_lowercase()).filter(|name| !name.is_empty()),
            timestamp: Some(micros(start)).filter(|t| *t > 0),
            duration: micros_rounding_up(duration).max(1),
            local_endpoint: Endpoint::local(&local_service.to_lowercase(), self.local_addr),
            remote_endpoint: Some(remote).filter(|e| !e.is_empty()),
            annotations,
            tags,
            debug: context.sampling() == Sampling::Debug,
            shared: context.is_shared() && kind != Some("CLIENT"),
        }
    }
}

impl Encoder for ZipkinJson {
    fn content_type(&self) -> &'static str {
        "application/json"
    }

    fn encode(&self, spans: &[FinishedSpan], out: &mut Vec<u8>) {
        let spans: Vec<Span<'_>> = spans.iter().map(|span| self.span(span)).collect();
        // Writing to a Vec cannot fail, and every value here serializes.
        let _ = serde_json::to_writer(out, &spans);
    }
}

/// `span.kind` as Zipkin's `kind`.
fn kind_of(kind: &str) -> Option<&'static str> {
    match kind {
        tags::SPAN_KIND_RPC_CLIENT => Some("CLIENT"),
        tags::SPAN_KIND_RPC_SERVER => Some("SERVER"),
        tags::SPAN_KIND_PRODUCER => Some("PRODUCER"),
        tags::SPAN_KIND_CONSUMER => Some("CONSUMER"),
        _ => None,
    }
}

/// `peer.ipv4` as dotted text: a dotted string, or the `u32` opentracing-python documents.
fn ipv4_of(value: &Value) -> Option<String> {
    let ip = match value {
        Value::String(text) => text.parse::<Ipv4Addr>().ok()?,
        Value::I64(number) => Ipv4Addr::from(u32::try_from(*number).ok()?),
        _ => return None,
    };
    Some(ip.to_string())
}

/// `peer.ipv6` as text.
fn ipv6_of(value: &Value) -> Option<String> {
    value
        .as_str()?
        .parse::<Ipv6Addr>()
        .ok()
        .map(|ip| ip.to_string())
}

fn micros(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

fn micros_rounding_up(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_nanos().div_ceil(1000)).unwrap_or(u64::MAX)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Span<'a> {
    trace_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_id: Option<String>,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<u64>,
    duration: u64,
    local_endpoint: Endpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    remote_endpoint: Option<Endpoint>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: BTreeMap<&'a str, String>,
    #[serde(skip_serializing_if = "is_false")]
    debug: bool,
    #[serde(skip_serializing_if = "is_false")]
    shared: bool,
}

#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Endpoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    service_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ipv4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ipv6: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
}

impl Endpoint {
    fn local(service_name: &str, addr: Option<SocketAddr>) -> Self {
        let mut endpoint = Self {
            service_name: Some(service_name.to_owned()),
            ..Self::default()
        };
        if let Some(addr) = addr {
            match addr.ip().to_canonical() {
                IpAddr::V4(ip) => endpoint.ipv4 = Some(ip.to_string()),
                IpAddr::V6(ip) => endpoint.ipv6 = Some(ip.to_string()),
            }
            endpoint.port = Some(addr.port()).filter(|port| *port != 0);
        }
        endpoint
    }

    fn is_empty(&self) -> bool {
        self.service_name.is_none()
            && self.ipv4.is_none()
            && self.ipv6.is_none()
            && self.port.is_none()
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Serialize)]
struct Annotation {
    timestamp: u64,
    value: String,
}

fn is_false(value: &bool) -> bool {
    !*value
}
