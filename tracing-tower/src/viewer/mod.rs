//! A trace viewer to mount in your own service (feature `viewer`): recent traces from a
//! [`TraceStore`], as HTML pages and as Zipkin v2 JSON.
//!
//! | path (under the mount point) | what |
//! |---|---|
//! | `/` | recent traces, filtered by `operation`, `service`, `errors=1`, `min_ms` and `trace` (an id); each root operation's traces per duration bucket |
//! | `/trace/{id}` | one trace's waterfall; a span's tags, logs and references open when it is selected |
//! | `/api/traces` | the listed traces in Zipkin v2 JSON (a list of traces, each a list of spans), same filters, `limit` (default 100) |
//! | `/api/traces/{id}` | one trace in Zipkin v2 JSON |
//!
//! The pages are plain HTML and one stylesheet served from the same place: no script, nothing
//! fetched from elsewhere, every string from a span escaped, and a Content-Security-Policy
//! that allows nothing else. Traces show tags, logs and URLs as recorded: **mount it behind
//! your application's own authentication, never on a public port.**
//!
//! ```
//! use std::sync::Arc;
//! use axum::Router;
//! use opentracing_core::Fanout;
//! use opentracing_core::reference::ReferenceTracer;
//! use opentracing_core::view::TraceStore;
//! use tracing_tower::viewer::TraceViewer;
//!
//! let store = Arc::new(TraceStore::default());
//! // Record into the store, and into a reporter too if there is one.
//! let tracer = ReferenceTracer::new("shop", Arc::new(Fanout::new().with(store.clone())));
//! let admin: Router = Router::new().nest_service("/debug/traces", TraceViewer::new(store));
//! ```
//!
//! The viewer links to its pages under `/debug/traces`; mounted elsewhere, say where with
//! [`TraceViewer::base_path`].

mod pages;

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri};
use http_body_util::Full;
use opentracing_core::TraceId;
use opentracing_core::report::{Encoder, ZipkinJson};
use opentracing_core::view::{TraceFilter, TraceStore};
use tower_service::Service;

/// What the pages may load: their own stylesheet and an empty icon, nothing else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src data:; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The stylesheet of every page.
const STYLE: &str = include_str!("style.css");

/// Traces listed by `/api/traces` unless `limit` says otherwise.
const DEFAULT_API_LIMIT: usize = 100;

/// A tower service that shows the traces of a [`TraceStore`]: see the [module](self) for
/// its pages.
///
/// It answers `GET` and `HEAD` (anything else is `405`), whatever the request body, and
/// never fails. Its responses are never cached and never sniffed.
#[derive(Clone)]
pub struct TraceViewer {
    store: Arc<TraceStore>,
    base: Arc<str>,
}

impl TraceViewer {
    /// A viewer of `store`, linking to its pages under `/debug/traces`.
    pub fn new(store: Arc<TraceStore>) -> Self {
        Self {
            store,
            base: "/debug/traces".into(),
        }
    }

    /// Where it is mounted, for the links between its pages (`/ops/traces`; a trailing
    /// `/` is ignored, and `""` is the root). Requests may come with this prefix or with
    /// it stripped, as axum's `nest_service` does.
    pub fn base_path(mut self, path: &str) -> Self {
        let path = path.trim_end_matches('/');
        self.base = if path.is_empty() || path.starts_with('/') {
            path.into()
        } else {
            format!("/{path}").into()
        };
        self
    }

    fn respond(&self, method: &Method, uri: &Uri) -> Response<Full<Bytes>> {
        if method != Method::GET && method != Method::HEAD {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let path = uri.path();
        let path = match path.strip_prefix(&*self.base) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
            _ => path,
        };
        let query = Query::parse(uri.query().unwrap_or(""));
        match path {
            "" | "/" => self.list(&query),
            "/style.css" => respond(StatusCode::OK, "text/css; charset=utf-8", STYLE.into()),
            "/api/traces" => self.api_list(&query),
            _ => {
                if let Some(id) = path.strip_prefix("/trace/") {
                    self.trace_page(id)
                } else if let Some(id) = path.strip_prefix("/api/traces/") {
                    self.api_trace(id)
                } else {
                    plain(StatusCode::NOT_FOUND, "no such page")
                }
            }
        }
    }

    fn list(&self, query: &Query) -> Response<Full<Bytes>> {
        let traces = self.store.traces(&query.filter);
        let operations = self.store.operations();
        let page = pages::list_page(&pages::ListPage {
            base: &self.base,
            filter: &query.filter,
            traces: &traces,
            operations: &operations,
            usage: self.store.usage(),
        });
        html(StatusCode::OK, page)
    }

    fn trace_page(&self, id: &str) -> Response<Full<Bytes>> {
        match TraceId::from_hex(id).and_then(|id| self.store.trace(id)) {
            Some(spans) => html(StatusCode::OK, pages::trace_page(&self.base, &spans)),
            None => html(StatusCode::NOT_FOUND, pages::not_found_page(&self.base)),
        }
    }

    fn api_list(&self, query: &Query) -> Response<Full<Bytes>> {
        let encoder = zipkin();
        let mut out = vec![b'['];
        let traces = self.store.traces(&query.filter);
        let limit = query.limit.unwrap_or(DEFAULT_API_LIMIT);
        for (i, summary) in traces.iter().take(limit).enumerate() {
            let Some(spans) = self.store.trace(summary.trace_id) else {
                continue;
            };
            if i > 0 {
                out.push(b',');
            }
            encoder.encode(&spans, &mut out);
        }
        out.push(b']');
        json(StatusCode::OK, out)
    }

    fn api_trace(&self, id: &str) -> Response<Full<Bytes>> {
        match TraceId::from_hex(id).and_then(|id| self.store.trace(id)) {
            Some(spans) => {
                let mut out = Vec::new();
                zipkin().encode(&spans, &mut out);
                json(StatusCode::OK, out)
            }
            None => plain(StatusCode::NOT_FOUND, "no such trace"),
        }
    }
}

impl fmt::Debug for TraceViewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceViewer")
            .field("base", &self.base)
            .field("store", &self.store)
            .finish()
    }
}

impl<B> Service<Request<B>> for TraceViewer {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        std::future::ready(Ok(self.respond(request.method(), request.uri())))
    }
}

/// The list's query: the filters, and the API's `limit`. Values that do not parse are
/// ignored.
struct Query {
    filter: TraceFilter,
    limit: Option<usize>,
}

impl Query {
    fn parse(query: &str) -> Self {
        let mut filter = TraceFilter::default();
        let mut limit = None;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match &*key {
                "operation" => filter.operation = Some(value.to_owned()),
                "service" => filter.service = Some(value.to_owned()),
                "errors" => filter.errors_only = value != "0",
                "min_ms" => filter.min_duration = value.parse().ok().map(Duration::from_millis),
                "trace" => filter.trace_id = TraceId::from_hex(value),
                "limit" => limit = value.parse().ok(),
                _ => {}
            }
        }
        Self { filter, limit }
    }
}

/// Zipkin's encoding, naming `unknown` the service of spans that name none.
fn zipkin() -> ZipkinJson {
    ZipkinJson::new("unknown")
}

fn html(status: StatusCode, page: String) -> Response<Full<Bytes>> {
    respond(status, "text/html; charset=utf-8", page.into())
}

fn json(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    respond(status, "application/json", body.into())
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    respond(
        status,
        "text/plain; charset=utf-8",
        Bytes::from_static(text.as_bytes()),
    )
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
