//! OpenTracing tags under OpenTelemetry's semantic-convention names, for the OTLP encoder;
//! the table is in the `report` module's docs.

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

/// The names tags are renamed to, and `error.type`: each is written once, with the first
/// value met, whether it came from a renamed tag or a tag of that very name.
#[derive(Clone, Copy)]
enum Renamed {
    Method,
    MethodOriginal,
    StatusCode,
    UrlPath,
    UrlQuery,
    UrlFull,
    ClientAddress,
    ClientPort,
    NetworkPeerAddress,
    NetworkPeerPort,
    ServerAddress,
    ServerPort,
    DbSystem,
    DbNamespace,
    DbQuery,
    MessagingDestination,
    ErrorType,
}

impl Renamed {
    const fn name(self) -> &'static str {
        match self {
            Self::Method => "http.request.method",
            Self::MethodOriginal => "http.request.method_original",
            Self::StatusCode => "http.response.status_code",
            Self::UrlPath => "url.path",
            Self::UrlQuery => "url.query",
            Self::UrlFull => "url.full",
            Self::ClientAddress => "client.address",
            Self::ClientPort => "client.port",
            Self::NetworkPeerAddress => "network.peer.address",
            Self::NetworkPeerPort => "network.peer.port",
            Self::ServerAddress => "server.address",
            Self::ServerPort => "server.port",
            Self::DbSystem => "db.system.name",
            Self::DbNamespace => "db.namespace",
            Self::DbQuery => "db.query.text",
            Self::MessagingDestination => "messaging.destination.name",
            Self::ErrorType => "error.type",
        }
    }

    /// The name a tag of this very name takes, if any.
    fn of(key: &str) -> Option<Self> {
        Some(match key {
            "http.request.method" => Self::Method,
            "http.request.method_original" => Self::MethodOriginal,
            "http.response.status_code" => Self::StatusCode,
            "url.path" => Self::UrlPath,
            "url.query" => Self::UrlQuery,
            "url.full" => Self::UrlFull,
            "client.address" => Self::ClientAddress,
            "client.port" => Self::ClientPort,
            "network.peer.address" => Self::NetworkPeerAddress,
            "network.peer.port" => Self::NetworkPeerPort,
            "server.address" => Self::ServerAddress,
            "server.port" => Self::ServerPort,
            "db.system.name" => Self::DbSystem,
            "db.namespace" => Self::DbNamespace,
            "db.query.text" => Self::DbQuery,
            "messaging.destination.name" => Self::MessagingDestination,
            "error.type" => Self::ErrorType,
            _ => return None,
        })
    }
}

/// Gives `write` the span's tags as OpenTelemetry attributes, for a server span if
/// `server`, with `error.type` last if `failed` and no tag gave it.
pub(crate) fn for_each_attribute<'a>(
    span: &'a FinishedSpan,
    server: bool,
    failed: bool,
    mut write: impl FnMut(Attribute<'a>),
) {
    let mut written = 0u32;
    // Writes an attribute, a renamed one only the first time.
    let mut emit = |(renamed, attribute): (Option<Renamed>, Attribute<'a>)| {
        if let Some(renamed) = renamed {
            let bit = 1 << renamed as u32;
            if written & bit != 0 {
                return;
            }
            written |= bit;
        }
        write(attribute);
    };
    for (key, value) in span.tags() {
        let to = |renamed: Renamed| (Some(renamed), Attribute::Value(renamed.name(), value));
        match key {
            tags::SPAN_KIND | tags::ERROR => {}
            tags::HTTP_METHOD => emit(to(Renamed::Method)),
            "http.method_original" => emit(to(Renamed::MethodOriginal)),
            tags::HTTP_STATUS_CODE => emit(to(Renamed::StatusCode)),
            tags::HTTP_URL => match value.as_str() {
                Some(url) if server => {
                    let (path, query) = path_and_query(url);
                    let text = |renamed: Renamed, text| {
                        (Some(renamed), Attribute::Text(renamed.name(), text))
                    };
                    emit(text(Renamed::UrlPath, path));
                    if let Some(query) = query {
                        emit(text(Renamed::UrlQuery, query));
                    }
                }
                _ => emit(to(Renamed::UrlFull)),
            },
            tags::PEER_HOSTNAME if server => emit(to(Renamed::ClientAddress)),
            tags::PEER_HOST_IPV4 | tags::PEER_HOST_IPV6 if server => {
                emit(to(Renamed::ClientAddress));
                emit(to(Renamed::NetworkPeerAddress));
            }
            tags::PEER_HOSTNAME | tags::PEER_HOST_IPV4 | tags::PEER_HOST_IPV6 => {
                emit(to(Renamed::ServerAddress));
            }
            tags::PEER_PORT if server => {
                emit(to(Renamed::ClientPort));
                emit(to(Renamed::NetworkPeerPort));
            }
            tags::PEER_PORT => emit(to(Renamed::ServerPort)),
            tags::DATABASE_TYPE => emit(to(Renamed::DbSystem)),
            tags::DATABASE_INSTANCE => emit(to(Renamed::DbNamespace)),
            tags::DATABASE_STATEMENT => emit(to(Renamed::DbQuery)),
            tags::MESSAGE_BUS_DESTINATION => emit(to(Renamed::MessagingDestination)),
            other => emit((Renamed::of(other), Attribute::Value(other, value))),
        }
    }
    if failed {
        emit((Some(Renamed::ErrorType), error_type(span)));
    }
}

/// `error.type` of a failed span: the `error.kind` of its error log, else the HTTP status
/// code (as text), else `_OTHER`.
fn error_type(span: &FinishedSpan) -> Attribute<'_> {
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
