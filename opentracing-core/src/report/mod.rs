//! Reporting finished spans to tracing backends: span encodings for Zipkin v2 JSON
//! ([`ZipkinJson`], feature `zipkin`) and OTLP over HTTP (protobuf or JSON) or gRPC
//! ([`Otlp`], feature `otlp`),
//! and a [`Reporter`] that sends them over HTTP without ever making the service wait
//! (feature `reporter`).
//!
//! Zipkin's encoding reaches Zipkin, Jaeger (with its Zipkin port on) and OpenTelemetry
//! collectors with a zipkin receiver; OTLP reaches OpenTelemetry collectors, Jaeger and
//! Grafana Tempo. Requests can carry headers (API keys), be gzip-compressed ([`Compression`]) and go over
//! TLS ([`TlsConfig`], feature `tls`).
//!
//! # Attribute names
//!
//! [`Otlp`] writes OpenTracing tags under OpenTelemetry's semantic-convention names
//! (unless told to keep theirs with [`Otlp::opentracing_names`]); [`ZipkinJson`] keeps
//! the tags as they are, which for `http.method`, `http.route` and `http.status_code` are
//! Zipkin's own names too, and writes Zipkin's `http.path` from `http.url` (servers' spans
//! keep no `http.url`):
//!
//! | OpenTracing tag | server span | other spans |
//! |---|---|---|
//! | `http.method` | `http.request.method` | same |
//! | `http.method_original` | `http.request.method_original` | same |
//! | `http.status_code` | `http.response.status_code` | same |
//! | `http.url` | `url.path` and `url.query` | `url.full` |
//! | `peer.hostname` | `client.address` | `server.address` |
//! | `peer.ipv4`, `peer.ipv6` | `client.address` and `network.peer.address` | `server.address` |
//! | `peer.port` | `client.port` and `network.peer.port` | `server.port` |
//! | `db.type` | `db.system.name` | same |
//! | `db.instance` | `db.namespace` | same |
//! | `db.statement` | `db.query.text` | same |
//! | `message_bus.destination` | `messaging.destination.name` | same |
//! | `span.kind`, `error` | the span's kind and status, plus `error.type` on failed spans | same |
//!
//! Other tags (`http.route`, `peer.service`, `component`, your own) keep their names. A name
//! given twice keeps its first value.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use opentracing_core::reference::ReferenceTracer;
//! use opentracing_core::report::{Executor, Reporter, ZipkinJson};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let endpoint = "http://127.0.0.1:9411/api/v2/spans".parse()?;
//! let reporter = Reporter::builder(endpoint, ZipkinJson::new("checkout"))
//!     .batch_delay(Duration::from_millis(500))
//!     .start(Executor::OwnThread)?;
//! let tracer = ReferenceTracer::new("checkout", Arc::new(reporter.clone()));
//! // ... the service runs, its spans are reported ...
//! let metrics = reporter.shutdown_blocking(Duration::from_secs(5));
//! println!("sent {} spans, dropped {}", metrics.spans_sent, metrics.dropped());
//! # drop(tracer);
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "reporter-plain")]
mod compression;
#[cfg(feature = "reporter-plain")]
mod connector;
#[cfg(feature = "reporter-plain")]
mod endpoint;
#[cfg(feature = "reporter-plain")]
pub(crate) use endpoint::{USERINFO_REFUSED, has_userinfo, shown as shown_endpoint};
mod encoder;
#[cfg(feature = "reporter-plain")]
mod error;
#[cfg(feature = "reporter-plain")]
mod export;
#[cfg(feature = "reporter-plain")]
mod flush;
#[cfg(feature = "reporter-plain")]
mod grpc;
#[cfg(feature = "reporter-plain")]
mod health;
#[cfg(any(feature = "zipkin", feature = "otlp"))]
mod json_writer;
#[cfg(feature = "reporter-plain")]
mod metrics;
#[cfg(feature = "otlp")]
mod otlp;
#[cfg(feature = "otlp")]
mod protobuf_writer;
#[cfg(feature = "reporter-plain")]
mod reporter;
#[cfg(any(feature = "zipkin", feature = "otlp"))]
mod resource;
#[cfg(feature = "reporter-plain")]
mod retry;
#[cfg(feature = "otlp")]
mod semconv;
#[cfg(feature = "reporter-plain")]
mod sender;
#[cfg(feature = "tls")]
mod tls;
#[cfg(any(feature = "zipkin", feature = "otlp"))]
mod url_parts;
#[cfg(feature = "zipkin")]
mod zipkin;

#[cfg(feature = "reporter-plain")]
#[cfg_attr(docsrs, doc(cfg(feature = "reporter-plain")))]
pub use compression::Compression;
pub use encoder::{Encoder, Rejection};
#[cfg(feature = "reporter-plain")]
#[cfg_attr(docsrs, doc(cfg(feature = "reporter-plain")))]
pub use error::{ExportError, ExportErrorKind, StartError};
#[cfg(feature = "reporter-plain")]
#[cfg_attr(docsrs, doc(cfg(feature = "reporter-plain")))]
pub use metrics::{DropReason, FlushOutcome, ReporterMetrics};
#[cfg(feature = "otlp")]
#[cfg_attr(docsrs, doc(cfg(feature = "otlp")))]
pub use otlp::{Otlp, OtlpProtocol, UnknownProtocol};
#[cfg(feature = "reporter-plain")]
#[cfg_attr(docsrs, doc(cfg(feature = "reporter-plain")))]
pub use reporter::{Executor, Reporter, ReporterBuilder};
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use tls::{TlsConfig, TlsError};
#[cfg(feature = "zipkin")]
#[cfg_attr(docsrs, doc(cfg(feature = "zipkin")))]
pub use zipkin::ZipkinJson;
