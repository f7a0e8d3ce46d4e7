//! The reporter over TLS to a real HTTPS collector on loopback (rustls, with certificates
//! made at test time) that wants an API key and gzip bodies; mutual TLS; a wrong CA; and
//! OTLP/gRPC over TLS (HTTP/2 chosen by ALPN).
#![cfg(feature = "tls")]

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use opentracing_core::Tracer;
use opentracing_core::config::EnvConfig;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Compression, Executor, ExportErrorKind, Otlp, Reporter, TlsConfig};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

mod support;

#[allow(dead_code)] // The failing answers serve otlp_grpc.rs.
#[path = "support/grpc_collector.rs"]
mod grpc_collector;

use support::KEY;

/// A CA, a server certificate for `localhost` and a client certificate signed by it, and
/// a second CA that signed nothing here; as PEM files in a directory of the test's own.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "opentracing-tls-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = ca();
        let write = |name: &str, pem: String| std::fs::write(dir.join(name), pem).unwrap();
        write("ca.pem", ca.pem());
        write("other-ca.pem", crate::ca().pem());
        for (name, names) in [("server", vec!["localhost".to_owned()]), ("client", vec![])] {
            let key = KeyPair::generate().unwrap();
            let cert = CertificateParams::new(names)
                .unwrap()
                .signed_by(&key, &ca)
                .unwrap();
            write(&format!("{name}.pem"), cert.pem());
            write(&format!("{name}-key.pem"), key.serialize_pem());
        }
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn server_config(&self, require_client_certificate: bool) -> rustls::ServerConfig {
        let certificates: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(self.path("server.pem"))
                .unwrap()
                .map(Result::unwrap)
                .collect();
        let key = PrivateKeyDer::from_pem_file(self.path("server-key.pem")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if require_client_certificate {
            let mut roots = rustls::RootCertStore::empty();
            for ca in CertificateDer::pem_file_iter(self.path("ca.pem")).unwrap() {
                roots.add(ca.unwrap()).unwrap();
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        builder.with_single_cert(certificates, key).unwrap()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ca() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// An HTTPS collector on 127.0.0.1:0 that wants `x-api-key` and gzip, keeping each body
/// it accepted, decompressed; its `https://localhost:port/v1/traces` URL.
async fn tls_collector(config: rustls::ServerConfig) -> (http::Uri, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (acceptor, kept) = (acceptor.clone(), kept.clone());
            tokio::spawn(async move {
                // A client the server refuses fails here; the reporter sees the failure.
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let kept = kept.clone();
                    async move { Ok::<_, Infallible>(support::answer(request, &kept).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let uri = format!("https://localhost:{port}/v1/traces")
        .parse()
        .unwrap();
    (uri, bodies)
}

/// Reports one span through a reporter to `endpoint` with `tls`; the reporter, flushed.
async fn report_one(endpoint: http::Uri, tls: TlsConfig) -> Reporter {
    let reporter = Reporter::builder(endpoint, Otlp::new("shop"))
        .tls(tls)
        .header(
            HeaderName::from_static("x-api-key"),
            HeaderValue::from_static(KEY),
        )
        .compression(Compression::Gzip)
        .batch_delay(Duration::from_secs(60))
        .start(Executor::Tokio(tokio::runtime::Handle::current()))
        .unwrap();
    let tracer = ReferenceTracer::new("shop", Arc::new(reporter.clone()));
    tracer.start_span("checkout").finish();
    reporter.flush(Duration::from_secs(30)).await;
    reporter
}

fn span_names(bodies: &Mutex<Vec<Vec<u8>>>) -> Vec<String> {
    let bodies = bodies.lock().unwrap();
    bodies
        .iter()
        .flat_map(|body| {
            let request = support::decode_otlp(body);
            let spans = request.resource_spans[0].scope_spans[0].spans.clone();
            spans.into_iter().map(|span| span.name)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_an_https_collector_that_wants_a_key_and_gzip() {
    let pki = Pki::new();
    let (endpoint, bodies) = tls_collector(pki.server_config(false)).await;
    let tls = TlsConfig::new().ca_file(pki.path("ca.pem")).unwrap();
    let reporter = report_one(endpoint, tls).await;
    assert_eq!(
        reporter.metrics().spans_sent,
        1,
        "{:?}",
        reporter.last_error()
    );
    assert_eq!(span_names(&bodies), ["checkout"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_needs_the_client_certificate() {
    let pki = Pki::new();
    let (endpoint, bodies) = tls_collector(pki.server_config(true)).await;
    let without = TlsConfig::new().ca_file(pki.path("ca.pem")).unwrap();
    let refused = report_one(endpoint.clone(), without).await;
    assert_eq!(refused.metrics().dropped_send_failure, 1);
    assert_eq!(
        refused.last_error().unwrap().kind(),
        ExportErrorKind::Unreachable
    );
    let with = TlsConfig::new()
        .ca_file(pki.path("ca.pem"))
        .unwrap()
        .client_auth_files(pki.path("client.pem"), pki.path("client-key.pem"))
        .unwrap();
    let accepted = report_one(endpoint, with).await;
    assert_eq!(
        accepted.metrics().spans_sent,
        1,
        "{:?}",
        accepted.last_error()
    );
    assert_eq!(span_names(&bodies), ["checkout"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_ca_is_a_counted_send_failure_that_says_why() {
    let pki = Pki::new();
    let (endpoint, bodies) = tls_collector(pki.server_config(false)).await;
    let wrong = TlsConfig::new().ca_file(pki.path("other-ca.pem")).unwrap();
    let reporter = report_one(endpoint, wrong).await;
    let metrics = reporter.metrics();
    assert_eq!((metrics.spans_sent, metrics.dropped_send_failure), (0, 1));
    let error = reporter.last_error().unwrap();
    assert_eq!(error.kind(), ExportErrorKind::Unreachable);
    let mut chain = format!("{error}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(chain.to_lowercase().contains("certificate"), "{chain}");
    assert!(bodies.lock().unwrap().is_empty());
}

#[test]
fn unreadable_files_are_errors_that_name_them() {
    let pki = Pki::new();
    let missing = pki.path("missing.pem");
    let error = TlsConfig::new().ca_file(&missing).unwrap_err();
    assert!(error.to_string().contains("missing.pem"), "{error}");
    std::fs::write(pki.path("empty.pem"), "").unwrap();
    let error = TlsConfig::new().ca_file(pki.path("empty.pem")).unwrap_err();
    assert!(error.to_string().contains("no certificate"), "{error}");
    let error = TlsConfig::new()
        .client_auth_files(pki.path("client.pem"), pki.path("ca.pem"))
        .unwrap_err();
    assert!(error.to_string().contains("client key"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_configures_mutual_tls() {
    let pki = Pki::new();
    let (endpoint, bodies) = tls_collector(pki.server_config(true)).await;
    let path = |name: &str| pki.path(name).to_str().unwrap().to_owned();
    let endpoint = endpoint.to_string();
    let (ca, cert, key) = (path("ca.pem"), path("client.pem"), path("client-key.pem"));
    let config = EnvConfig::from_vars([
        ("OTEL_SERVICE_NAME", "shop"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=SECRET-KEY-4711"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", ca.as_str()),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", cert.as_str()),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", key.as_str()),
    ])
    .unwrap();
    support::report_checkout(config).await;
    assert_eq!(span_names(&bodies), ["checkout"]);
    let error = EnvConfig::from_vars([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://localhost:4318"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/no/such/ca.pem"),
    ])
    .unwrap_err();
    assert_eq!(error.variable(), "OTEL_EXPORTER_OTLP_CERTIFICATE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_reaches_a_tls_collector_over_http2() {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceServiceServer;
    use opentracing_core::report::OtlpProtocol;
    use tonic::transport::server::TcpIncoming;
    use tonic::transport::{Identity, ServerTlsConfig};

    let pki = Pki::new();
    let identity = Identity::from_pem(
        std::fs::read(pki.path("server.pem")).unwrap(),
        std::fs::read(pki.path("server-key.pem")).unwrap(),
    );
    let collector = grpc_collector::Collector::default();
    let incoming = TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = incoming.local_addr().unwrap().port();
    let server = tonic::transport::Server::builder()
        .tls_config(ServerTlsConfig::new().identity(identity))
        .unwrap()
        .add_service(TraceServiceServer::new(collector.clone()));
    tokio::spawn(server.serve_with_incoming(incoming));

    let endpoint = format!("https://localhost:{port}").parse().unwrap();
    let tls = TlsConfig::new().ca_file(pki.path("ca.pem")).unwrap();
    let reporter = Reporter::builder(endpoint, Otlp::new("shop").protocol(OtlpProtocol::Grpc))
        .tls(tls)
        .batch_delay(Duration::from_secs(60))
        .start(Executor::Tokio(tokio::runtime::Handle::current()))
        .unwrap();
    let tracer = ReferenceTracer::new("shop", Arc::new(reporter.clone()));
    tracer.start_span("checkout").finish();
    reporter.flush(Duration::from_secs(30)).await;
    assert_eq!(
        reporter.metrics().spans_sent,
        1,
        "{:?}",
        reporter.last_error()
    );
    assert_eq!(collector.span_names(), ["checkout"]);
}
