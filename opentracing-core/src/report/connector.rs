//! How the reporter connects: plain TCP, and TLS too with feature `tls`.

use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;

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

/// Why an endpoint with credentials in it (`http://user:secret@host`) is refused: they
/// would go in the clear, in HTTP/2's `:authority` and in error texts.
pub(crate) const USERINFO_REFUSED: &str =
    "credentials in the URL are not sent: give them as headers";

/// Whether `endpoint` has credentials (userinfo) in its authority.
pub(crate) fn has_userinfo(endpoint: &Uri) -> bool {
    endpoint
        .authority()
        .is_some_and(|authority| authority.as_str().contains('@'))
}

fn check_endpoint(endpoint: &Uri, schemes: &[&str]) -> Result<(), StartError> {
    if has_userinfo(endpoint) {
        return Err(StartError::endpoint(USERINFO_REFUSED));
    }
    let scheme_ok = endpoint
        .scheme_str()
        .is_some_and(|scheme| schemes.contains(&scheme));
    if !scheme_ok || endpoint.host().is_none() {
        return Err(StartError::endpoint(if schemes.len() == 2 {
            "the endpoint must be an http:// or https:// URL with a host"
        } else {
            "the endpoint must be an http:// URL with a host"
        }));
    }
    Ok(())
}
