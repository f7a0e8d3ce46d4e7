//! OpenTracing tags under OpenTelemetry's semantic-convention names, for the OTLP encoder;
//! the table is in the `report` module's docs.

use smallvec::SmallVec;

use super::url_parts::path_and_query;
use crate::finished::FinishedSpan;
use crate::value::Value;
use crate::{logs, tags};

/// An attribute to write: a tag's value, a piece of a tag's text, or a number as text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Attribute<'a> {
    Value(&'a str, &'a Value),
    Text(&'a str, &'a str),
    NumberText(&'a str, i64),
}

impl<'a> Attribute<'a> {
    pub(crate) fn key(&self) -> &'a str {
        match *self {
            Self::Value(key, _) | Self::Text(key, _) | Self::NumberText(key, _) => key,
        }
    }
}

/// The span's tags as OpenTelemetry attributes; `server` for a server span.
pub(crate) fn attributes<'a>(
    span: &'a FinishedSpan,
    server: bool,
) -> SmallVec<[Attribute<'a>; 16]> {
    let mut out: SmallVec<[Attribute<'a>; 16]> = SmallVec::new();
    let mut push = |attribute: Attribute<'a>| {
        if !out.iter().any(|kept| kept.key() == attribute.key()) {
            out.push(attribute);
        }
    };
    for (key, value) in span.tags() {
        let renamed = |name| Attribute::Value(name, value);
        match key {
            tags::SPAN_KIND | tags::ERROR => {}
            tags::HTTP_METHOD => push(renamed("http.request.method")),
            "http.method_original" => push(renamed("http.request.method_original")),
            tags::HTTP_STATUS_CODE => push(renamed("http.response.status_code")),
            tags::HTTP_URL => match value.as_str() {
                Some(url) if server => {
                    let (path, query) = path_and_query(url);
                    push(Attribute::Text("url.path", path));
                    if let Some(query) = query {
                        push(Attribute::Text("url.query", query));
                    }
                }
                _ => push(renamed("url.full")),
            },
            tags::PEER_HOSTNAME if server => push(renamed("client.address")),
            tags::PEER_HOST_IPV4 | tags::PEER_HOST_IPV6 if server => {
                push(renamed("client.address"));
                push(renamed("network.peer.address"));
            }
            tags::PEER_HOSTNAME | tags::PEER_HOST_IPV4 | tags::PEER_HOST_IPV6 => {
                push(renamed("server.address"));
            }
            tags::PEER_PORT if server => {
                push(renamed("client.port"));
                push(renamed("network.peer.port"));
            }
            tags::PEER_PORT => push(renamed("server.port")),
            tags::DATABASE_TYPE => push(renamed("db.system.name")),
            tags::DATABASE_INSTANCE => push(renamed("db.namespace")),
            tags::DATABASE_STATEMENT => push(renamed("db.query.text")),
            tags::MESSAGE_BUS_DESTINATION => push(renamed("messaging.destination.name")),
            other => push(Attribute::Value(other, value)),
        }
    }
    out
}

/// `error.type` of a failed span: the `error.kind` of its error log, else the HTTP status
/// code (as text), else `_OTHER`.
pub(crate) fn error_type(span: &FinishedSpan) -> Attribute<'_> {
    let kind = span.logs().iter().find_map(|log| {
        (log.field(logs::EVENT)?.as_str()? == "error")
            .then(|| log.field(logs::ERROR_KIND)?.as_str())
            .flatten()
    });
    let status = span.tag(tags::HTTP_STATUS_CODE).and_then(Value::as_i64);
    match (kind, status) {
        (Some(kind), _) => Attribute::Text("error.type", kind),
        (None, Some(status)) => Attribute::NumberText("error.type", status),
        (None, None) => Attribute::Text("error.type", "_OTHER"),
    }
}
