//! Zipkin v2 JSON (`POST /api/v2/spans`), as `zipkin2-api.yaml` defines it.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::encoder::{Encoder, error_of, since_epoch};
use super::json::{SpanHex, Text, TraceHex, lower_case};
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
        let mut tags = Vec::new();
        for (key, value) in span.tags() {
            match (key, value) {
                (tags::SPAN_KIND, Value::String(k)) if kind_of(k).is_some() => kind = kind_of(k),
                (tags::PEER_SERVICE, Value::String(name)) => {
                    remote.service_name = Some(lower_case(name));
                }
                (tags::PEER_HOST_IPV4, _) if ipv4_of(value).is_some() => {
                    remote.ipv4 = ipv4_of(value);
                }
                // An IPv4-mapped address is written as IPv4, as Zipkin prefers.
                (tags::PEER_HOST_IPV6, _) if ipv6_of(value).is_some() => {
                    match ipv6_of(value).map(|ip| ip.to_canonical()) {
                        Some(IpAddr::V4(ip)) => remote.ipv4 = Some(ip),
                        Some(IpAddr::V6(ip)) => remote.ipv6 = Some(ip),
                        None => {}
                    }
                }
                (tags::PEER_PORT, _) if port_of(value).is_some() => remote.port = port_of(value),
                (tags::ERROR | tags::SAMPLING_PRIORITY, _) => {}
                _ => tags.push((key, TagValue::Value(value))),
            }
        }
        if let Some(message) = error_of(span) {
            tags.push((tags::ERROR, TagValue::Text(message.unwrap_or("true"))));
        }
        let start = since_epoch(span.start_time());
        let duration = span
            .finish_time()
            .duration_since(span.start_time())
            .unwrap_or_default();
        let mut annotations: Vec<Annotation<'_>> = span
            .logs()
            .iter()
            .flat_map(|log| {
                let timestamp = micros(since_epoch(log.timestamp()));
                log.fields().map(move |(key, value)| Annotation {
                    timestamp,
                    key,
                    value,
                })
            })
            .collect();
        // Sorted by time (then text), without duplicates, as Zipkin stores them.
        annotations.sort_by(|a, b| {
            let by_time = (a.timestamp, a.key).cmp(&(b.timestamp, b.key));
            by_time.then_with(|| a.value.to_string().cmp(&b.value.to_string()))
        });
        annotations.dedup_by(|a, b| (a.timestamp, a.key, a.value) == (b.timestamp, b.key, b.value));
        let parent_id = span.parent_id().filter(|parent| *parent != span_id);
        let local_service = span.service_name().unwrap_or(&self.service_name);
        Span {
            trace_id: TraceHex {
                id: trace_id,
                short: true,
            },
            parent_id: parent_id.map(SpanHex),
            id: SpanHex(span_id),
            kind,
            name: Some(lower_case(span.operation_name())).filter(|name| !name.is_empty()),
            timestamp: Some(micros(start)).filter(|t| *t > 0),
            duration: micros_rounding_up(duration).max(1),
            local_endpoint: Endpoint::local(lower_case(local_service), self.local_addr),
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

/// `peer.ipv4`: a dotted string, or the `u32` opentracing-python documents.
fn ipv4_of(value: &Value) -> Option<Ipv4Addr> {
    match value {
        Value::String(text) => text.parse().ok(),
        Value::I64(number) => Some(Ipv4Addr::from(u32::try_from(*number).ok()?)),
        _ => None,
    }
}

/// `peer.port`, when it is a usable port number.
fn port_of(value: &Value) -> Option<u16> {
    value
        .as_i64()
        .and_then(|port| u16::try_from(port).ok())
        .filter(|port| *port != 0)
}

/// `peer.ipv6`.
fn ipv6_of(value: &Value) -> Option<Ipv6Addr> {
    value.as_str()?.parse().ok()
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
    trace_id: TraceHex,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_id: Option<SpanHex>,
    id: SpanHex,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<u64>,
    duration: u64,
    local_endpoint: Endpoint<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remote_endpoint: Option<Endpoint<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_object")]
    tags: Vec<(&'a str, TagValue<'a>)>,
    #[serde(skip_serializing_if = "is_false")]
    debug: bool,
    #[serde(skip_serializing_if = "is_false")]
    shared: bool,
}

#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Endpoint<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    service_name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ipv4: Option<Ipv4Addr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ipv6: Option<Ipv6Addr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
}

impl<'a> Endpoint<'a> {
    fn local(service_name: Cow<'a, str>, addr: Option<SocketAddr>) -> Self {
        let mut endpoint = Self {
            service_name: Some(service_name),
            ..Self::default()
        };
        if let Some(addr) = addr {
            match addr.ip().to_canonical() {
                IpAddr::V4(ip) => endpoint.ipv4 = Some(ip),
                IpAddr::V6(ip) => endpoint.ipv6 = Some(ip),
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

/// A log field as an annotation: `key:value` at the log's time.
struct Annotation<'a> {
    timestamp: u64,
    key: &'a str,
    value: &'a Value,
}

impl Serialize for Annotation<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut annotation = serializer.serialize_struct("Annotation", 2)?;
        annotation.serialize_field("timestamp", &self.timestamp)?;
        let value = Text(format_args!("{}:{}", self.key, self.value));
        annotation.serialize_field("value", &value)?;
        annotation.end()
    }
}

/// A tag's value, written as a string.
enum TagValue<'a> {
    Value(&'a Value),
    Text(&'a str),
}

impl Serialize for TagValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(value) => serializer.collect_str(value),
            Self::Text(text) => serializer.serialize_str(text),
        }
    }
}

/// Tags, each key once (the span gives the latest value of each), as a JSON object.
fn as_object<S: Serializer>(
    tags: &[(&str, TagValue<'_>)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(tags.iter().map(|(key, value)| (key, value)))
}

fn is_false(value: &bool) -> bool {
    !*value
}
