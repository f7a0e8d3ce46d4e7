//! Zipkin v2 JSON (`POST /api/v2/spans`), as `zipkin2-api.yaml` defines it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use smallvec::SmallVec;

use super::encoder::{Encoder, error_of, since_epoch};
use super::json_writer::{
    decimal, display, escaped, escaped_value, hex64, lower_case_string, string,
};
use super::resource::Resource;
use super::url_parts::path_and_query;
use crate::finished::FinishedSpan;
use crate::ids::{SpanId, TraceId};
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
/// `sampling.priority` is a sampling hint, not reported; `http.url` gives Zipkin's
/// `http.path` (its path), and stays as `http.url` on spans other than servers'; other tags
/// become strings; each
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
#[derive(Clone)]
pub struct ZipkinJson {
    service_name: String,
    local_addr: Option<SocketAddr>,
    /// Tags of every span, unless the span has the key itself.
    resource: Resource,
    /// The `localEndpoint` of spans of this service, written once.
    local_endpoint: Box<[u8]>,
}

impl ZipkinJson {
    /// An encoder whose `localEndpoint` names `service_name` for spans that do not name
    /// their service themselves.
    pub fn new(service_name: impl Into<String>) -> Self {
        Self {
            service_name: service_name.into(),
            local_addr: None,
            resource: Resource::default(),
            local_endpoint: Box::default(),
        }
        .with_local_endpoint()
    }

    /// Adds a tag to every span that does not set it itself: the resource attributes of
    /// OpenTelemetry, such as `deployment.environment.name`, which Zipkin has no other
    /// place for; a repeated key replaces the value. `service.name` is `localEndpoint`'s.
    #[must_use]
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.resource.set(key.into(), value.into());
        self
    }

    /// Puts this address (the service's own, as its peers see it) in `localEndpoint`.
    pub fn local_addr(mut self, addr: SocketAddr) -> Self {
        self.local_addr = Some(addr);
        self.with_local_endpoint()
    }

    fn with_local_endpoint(mut self) -> Self {
        let mut json = Vec::new();
        Endpoint::local(&self.service_name, self.local_addr).write(&mut json);
        self.local_endpoint = json.into();
        self
    }

    fn span<'a>(&'a self, span: &'a FinishedSpan) -> Span<'a> {
        let context = span.context();
        let trace_id = context.trace_id();
        let span_id = context.span_id();
        let mut kind = None;
        let mut remote = Endpoint::default();
        let mut tags = SmallVec::new();
        let mut url = None;
        let mut has_path = false;
        for (key, value) in span.tags() {
            // `Some` when the tag became a field of the span rather than a tag.
            let field = match key {
                tags::SPAN_KIND => value.as_str().and_then(kind_of).map(|k| kind = Some(k)),
                tags::PEER_SERVICE => value.as_str().map(|name| remote.service_name = Some(name)),
                tags::PEER_HOST_IPV4 => ipv4_of(value).map(|ip| remote.ipv4 = Some(ip)),
                // An IPv4-mapped address is written as IPv4, as Zipkin prefers.
                tags::PEER_HOST_IPV6 => ipv6_of(value).map(|ip| match ip.to_canonical() {
                    IpAddr::V4(ip) => remote.ipv4 = Some(Ipv4::Addr(ip)),
                    IpAddr::V6(ip) => remote.ipv6 = Some(ip),
                }),
                tags::PEER_PORT => port_of(value).map(|port| remote.port = Some(port)),
                tags::HTTP_URL => value.as_str().map(|text| url = Some((text, value))),
                tags::ERROR | tags::SAMPLING_PRIORITY => Some(()),
                HTTP_PATH => {
                    has_path = true;
                    None
                }
                _ => None,
            };
            if field.is_none() {
                tags.push((key, TagValue::Value(value)));
            }
        }
        if let Some(message) = error_of(span) {
            tags.push((tags::ERROR, TagValue::Text(message.unwrap_or("true"))));
        }
        // Zipkin's own names: `http.path` always, the whole `http.url` on clients only.
        if let Some((text, value)) = url {
            if !has_path {
                tags.push((HTTP_PATH, TagValue::Text(path_and_query(text).0)));
            }
            if kind != Some("SERVER") {
                tags.push((tags::HTTP_URL, TagValue::Value(value)));
            }
        }
        for (key, value) in self.resource.iter() {
            if span.tag(key).is_none() {
                tags.push((key, TagValue::Text(value)));
            }
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
        // Spans name the service of the tracer that started them, usually this one.
        let local_endpoint = match span.service_name() {
            Some(service) if service != self.service_name => {
                LocalEndpoint::Other(Endpoint::local(service, self.local_addr))
            }
            _ => LocalEndpoint::Ours(&self.local_endpoint),
        };
        Span {
            trace_id,
            parent_id,
            id: span_id,
            kind,
            name: Some(span.operation_name()).filter(|name| !name.is_empty()),
            timestamp: Some(micros(start)).filter(|t| *t > 0),
            duration: micros_rounding_up(duration).max(1),
            local_endpoint,
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
        out.push(b'[');
        for (i, span) in spans.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.span(span).write(out);
        }
        out.push(b']');
    }
}

/// Zipkin's tag for the request path.
const HTTP_PATH: &str = "http.path";

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
fn ipv4_of(value: &Value) -> Option<Ipv4<'_>> {
    match value {
        // What `Ipv4Addr` parses is what its `Display` writes: the text is written as is.
        Value::String(text) => text.parse::<Ipv4Addr>().ok().map(|_| Ipv4::Text(text)),
        Value::I64(number) => Some(Ipv4::Addr(Ipv4Addr::from(u32::try_from(*number).ok()?))),
        _ => None,
    }
}

/// An IPv4 address as written in a tag, or as a number.
#[derive(Clone, Copy)]
enum Ipv4<'a> {
    Text(&'a str),
    Addr(Ipv4Addr),
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

/// One span of the list, as `zipkin2-api.yaml`'s `Span` defines it.
struct Span<'a> {
    trace_id: TraceId,
    parent_id: Option<SpanId>,
    id: SpanId,
    kind: Option<&'static str>,
    /// Written in lower case.
    name: Option<&'a str>,
    timestamp: Option<u64>,
    duration: u64,
    local_endpoint: LocalEndpoint<'a>,
    remote_endpoint: Option<Endpoint<'a>>,
    annotations: Vec<Annotation<'a>>,
    /// Each key once (the span gives the latest value of each).
    tags: SmallVec<[(&'a str, TagValue<'a>); 12]>,
    debug: bool,
    shared: bool,
}

impl Span<'_> {
    /// Appends the span as a JSON object; empty and default fields are left out.
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"traceId\":\"");
        // A 64-bit trace id is written as 16 digits, as Zipkin's own libraries do.
        if self.trace_id.high() != 0 {
            hex64(out, self.trace_id.high());
        }
        hex64(out, self.trace_id.low());
        if let Some(parent) = self.parent_id {
            out.extend_from_slice(b"\",\"parentId\":\"");
            hex64(out, parent.get());
        }
        out.extend_from_slice(b"\",\"id\":\"");
        hex64(out, self.id.get());
        out.push(b'"');
        if let Some(kind) = self.kind {
            out.extend_from_slice(b",\"kind\":");
            string(out, kind);
        }
        if let Some(name) = self.name {
            out.extend_from_slice(b",\"name\":");
            lower_case_string(out, name);
        }
        if let Some(timestamp) = self.timestamp {
            out.extend_from_slice(b",\"timestamp\":");
            decimal(out, timestamp);
        }
        out.extend_from_slice(b",\"duration\":");
        decimal(out, self.duration);
        out.extend_from_slice(b",\"localEndpoint\":");
        match &self.local_endpoint {
            LocalEndpoint::Ours(json) => out.extend_from_slice(json),
            LocalEndpoint::Other(endpoint) => endpoint.write(out),
        }
        if let Some(remote) = &self.remote_endpoint {
            out.extend_from_slice(b",\"remoteEndpoint\":");
            remote.write(out);
        }
        if !self.annotations.is_empty() {
            out.extend_from_slice(b",\"annotations\":[");
            for (i, annotation) in self.annotations.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                annotation.write(out);
            }
            out.push(b']');
        }
        if !self.tags.is_empty() {
            out.extend_from_slice(b",\"tags\":{");
            for (i, (key, value)) in self.tags.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, key);
                out.extend_from_slice(b":\"");
                match value {
                    TagValue::Value(value) => escaped_value(out, value),
                    TagValue::Text(text) => escaped(out, text),
                }
                out.push(b'"');
            }
            out.push(b'}');
        }
        if self.debug {
            out.extend_from_slice(b",\"debug\":true");
        }
        if self.shared {
            out.extend_from_slice(b",\"shared\":true");
        }
        out.push(b'}');
    }
}

impl fmt::Debug for ZipkinJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZipkinJson")
            .field("service_name", &self.service_name)
            .field("resource", &self.resource)
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

/// A span's `localEndpoint`: the encoder's own, written once, or another service's.
enum LocalEndpoint<'a> {
    Ours(&'a [u8]),
    Other(Endpoint<'a>),
}

#[derive(Default)]
struct Endpoint<'a> {
    /// Written in lower case.
    service_name: Option<&'a str>,
    ipv4: Option<Ipv4<'a>>,
    ipv6: Option<Ipv6Addr>,
    port: Option<u16>,
}

impl<'a> Endpoint<'a> {
    fn local(service_name: &'a str, addr: Option<SocketAddr>) -> Self {
        let mut endpoint = Self {
            service_name: Some(service_name),
            ..Self::default()
        };
        if let Some(addr) = addr {
            match addr.ip().to_canonical() {
                IpAddr::V4(ip) => endpoint.ipv4 = Some(Ipv4::Addr(ip)),
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

    /// Appends the endpoint as a JSON object of the fields it has.
    fn write(&self, out: &mut Vec<u8>) {
        let mut separator = b'{';
        let mut field = |out: &mut Vec<u8>, name: &[u8]| {
            out.push(separator);
            separator = b',';
            out.extend_from_slice(name);
        };
        if let Some(name) = self.service_name {
            field(out, b"\"serviceName\":");
            lower_case_string(out, name);
        }
        if let Some(ip) = self.ipv4 {
            field(out, b"\"ipv4\":\"");
            match ip {
                Ipv4::Text(text) => out.extend_from_slice(text.as_bytes()),
                Ipv4::Addr(ip) => display(out, &ip),
            }
            out.push(b'"');
        }
        if let Some(ip) = self.ipv6 {
            field(out, b"\"ipv6\":\"");
            display(out, &ip);
            out.push(b'"');
        }
        if let Some(port) = self.port {
            field(out, b"\"port\":");
            decimal(out, port.into());
        }
        if separator == b'{' {
            out.push(b'{');
        }
        out.push(b'}');
    }
}

/// A log field as an annotation: `key:value` at the log's time.
struct Annotation<'a> {
    timestamp: u64,
    key: &'a str,
    value: &'a Value,
}

impl Annotation<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"timestamp\":");
        decimal(out, self.timestamp);
        out.extend_from_slice(b",\"value\":\"");
        escaped(out, self.key);
        out.push(b':');
        escaped_value(out, self.value);
        out.extend_from_slice(b"\"}");
    }
}

/// A tag's value, written as a string.
enum TagValue<'a> {
    Value(&'a Value),
    Text(&'a str),
}
