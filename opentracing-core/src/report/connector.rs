//! How the reporter connects: plain TCP, and TLS too with feature `tls`.

use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;

use super::endpoint::check_endpoint;
use super::error::StartError;
#[cfg(feature = "tls")]
use super::tls::TlsConfig;

/// The connector of the reporter's HTTP client.
#[cfg(feature = "tls")]
pub(crate) type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
/// The connector of the reporter's HTTP client.
#[cfg(not(feature = "tls"))]
pub(crate) type Connector = HttpConnector;

/// A connector for `endpoint`: TLS as `tls` says for `https://`, offering HTTP/2 (for
/// gRPC) or HTTP/1.1.
#[cfg(feature = "tls")]
pub(crate) fn connector(
    endpoint: &Uri,
    tls: &TlsConfig,
    http2: bool,
) -> Result<Connector, StartError> {
    check_endpoint(endpoint, &["http", "https"])?;
    let config = if endpoint.scheme_str() == Some("https") {
        tls.client_config().map_err(StartError::tls)?
    } else {
        // Never used for http://, so no roots are loaded.
        TlsConfig::plain().map_err(StartError::tls)?
    };
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http();
    Ok(if http2 {
        builder.enable_http2().build()
    } else {
        builder.enable_http1().build()
    })
}

/// A connector for `endpoint`, which must be `http://`.
#[cfg(not(feature = "tls"))]
pub(crate) fn connector(endpoint: &Uri) -> Result<Connector, StartError> {
    if endpoint.scheme_str() == Some("https") {
        return Err(StartError::endpoint(
            "https:// needs the `tls` feature of opentracing-core (part of `reporter`)",
        ));
    }
    check_endpoint(endpoint, &["http"])?;
    Ok(HttpConnector::new())
}
