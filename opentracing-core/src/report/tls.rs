//! HTTPS for the reporter: which collectors it trusts, and how it proves who it is.

use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// TLS for `https://` endpoints (feature `tls`): whom to trust (the system's root
/// certificates by default) and, for mutual TLS, the certificate to present. Files are read
/// when given, so a missing or unreadable one is an error at once.
///
/// ```no_run
/// use opentracing_core::report::{Executor, Otlp, Reporter, TlsConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tls = TlsConfig::new()
///     .ca_file("/etc/collector/ca.pem")?
///     .client_auth_files("/etc/collector/client.pem", "/etc/collector/client-key.pem")?;
/// let endpoint = "https://collector.internal:4318/v1/traces".parse()?;
/// let reporter = Reporter::builder(endpoint, Otlp::new("checkout"))
///     .tls(tls)
///     .start(Executor::OwnThread)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct TlsConfig {
    roots: Roots,
    client: Option<ClientIdentity>,
}

#[derive(Clone, Debug, Default)]
enum Roots {
    /// The operating system's trust store.
    #[default]
    System,
    /// Mozilla's root certificates, compiled in.
    Bundled,
    /// Only these certificates.
    Only(Vec<CertificateDer<'static>>),
}

#[derive(Clone)]
struct ClientIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

impl TlsConfig {
    /// Trusts the system's root certificates and presents no certificate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts Mozilla's root certificates, compiled into this crate, instead of the
    /// system's: for containers without a CA bundle.
    #[must_use]
    pub fn bundled_roots(mut self) -> Self {
        self.roots = Roots::Bundled;
        self
    }

    /// Trusts only the certificates in this PEM file: a private CA, a self-signed
    /// collector (`OTEL_EXPORTER_OTLP_CERTIFICATE`).
    ///
    /// # Errors
    ///
    /// When the file cannot be read or holds no certificate.
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Result<Self, TlsError> {
        self.roots = Roots::Only(certificates(path.as_ref(), "CA certificate")?);
        Ok(self)
    }

    /// Presents this certificate chain and private key (PEM files) to a collector that
    /// asks for one: mutual TLS (`OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` and
    /// `OTEL_EXPORTER_OTLP_CLIENT_KEY`).
    ///
    /// # Errors
    ///
    /// When a file cannot be read, or holds no certificate or no private key.
    pub fn client_auth_files(
        mut self,
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, TlsError> {
        let chain = certificates(certificate.as_ref(), "client certificate")?;
        let key = PrivateKeyDer::from_pem_file(key.as_ref())
            .map_err(|error| TlsError::file("client key", key.as_ref(), error))?;
        self.client = Some(ClientIdentity {
            chain,
            key: Arc::new(key),
        });
        Ok(self)
    }

    /// A configuration that trusts nothing, for a client that only speaks plain HTTP.
    pub(crate) fn plain() -> Result<ClientConfig, TlsError> {
        Ok(builder()?
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth())
    }

    /// The rustls configuration: the roots are loaded now (the system's from disk).
    pub(crate) fn client_config(&self) -> Result<ClientConfig, TlsError> {
        let mut roots = RootCertStore::empty();
        match &self.roots {
            Roots::System => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
                if roots.is_empty() {
                    return Err(TlsError::new(
                        "no root certificate found on this system: use bundled_roots() or ca_file()",
                    ));
                }
            }
            Roots::Bundled => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            Roots::Only(certificates) => {
                for certificate in certificates {
                    roots.add(certificate.clone()).map_err(|error| {
                        TlsError::new("an unusable CA certificate").caused(error)
                    })?;
                }
            }
        }
        let builder = builder()?.with_root_certificates(roots);
        match &self.client {
            None => Ok(builder.with_no_client_auth()),
            Some(identity) => builder
                .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
                .map_err(|error| {
                    TlsError::new("an unusable client certificate or key").caused(error)
                }),
        }
    }
}

/// A client configuration with ring's cryptography and the safe TLS versions.
fn builder() -> Result<rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>, TlsError> {
    ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|error| TlsError::new("no TLS version").caused(error))
}

/// The certificates of a PEM file; at least one.
fn certificates(path: &Path, what: &'static str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|error| TlsError::file(what, path, error))?;
    if certificates.is_empty() {
        return Err(TlsError {
            what,
            path: Some(path.to_owned()),
            source: None,
        });
    }
    Ok(certificates)
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let roots = match &self.roots {
            Roots::System => "system",
            Roots::Bundled => "bundled",
            Roots::Only(_) => "CA file",
        };
        f.debug_struct("TlsConfig")
            .field("roots", &roots)
            .field("client_certificate", &self.client.is_some())
            .finish()
    }
}

/// A TLS setting that cannot be used: which, the file it came from, and why.
#[derive(Debug)]
pub struct TlsError {
    what: &'static str,
    path: Option<PathBuf>,
    source: Option<Box<dyn Error + Send + Sync>>,
}

impl TlsError {
    fn new(what: &'static str) -> Self {
        Self {
            what,
            path: None,
            source: None,
        }
    }

    fn file(what: &'static str, path: &Path, source: impl Error + Send + Sync + 'static) -> Self {
        Self {
            what,
            path: Some(path.to_owned()),
            source: Some(Box::new(source)),
        }
    }

    fn caused(mut self, source: impl Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, &self.source) {
            (Some(path), Some(source)) => write!(f, "{} {}: {source}", self.what, path.display()),
            (Some(path), None) => {
                write!(f, "{} {}: no certificate in it", self.what, path.display())
            }
            (None, Some(source)) => write!(f, "{}: {source}", self.what),
            (None, None) => f.write_str(self.what),
        }
    }
}

impl Error for TlsError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|source| source as _)
    }
}
