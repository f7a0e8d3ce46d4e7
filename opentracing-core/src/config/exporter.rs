//! Where spans go and how they are sent: `OTEL_TRACES_EXPORTER`, `OTEL_EXPORTER_OTLP_*`
//! and `OTEL_EXPORTER_ZIPKIN_*`.

use std::fmt;
use std::time::Duration;

use http::{HeaderName, HeaderValue, Uri};

use super::ConfigError;
use super::vars::{Vars, key_values};
#[cfg(feature = "tls")]
use crate::report::TlsConfig;
use crate::report::{Compression, OtlpProtocol, shown_endpoint};

/// Where spans go. `Debug` shows the URL without its query, which may hold a key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exporter {
    /// Zipkin v2 JSON to this URL (`.../api/v2/spans`).
    Zipkin(Uri),
    /// OTLP in this protocol to this URL: `.../v1/traces` over HTTP, the collector's
    /// address for gRPC.
    Otlp(Uri, OtlpProtocol),
}

impl fmt::Debug for Exporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zipkin(url) => f.debug_tuple("Zipkin").field(&shown_endpoint(url)).finish(),
            Self::Otlp(url, protocol) => f
                .debug_tuple("Otlp")
                .field(&shown_endpoint(url))
                .field(protocol)
                .finish(),
        }
    }
}

/// The exporter and how its requests are made.
#[derive(Clone, Default)]
pub(super) struct ExportSettings {
    pub(super) exporter: Option<Exporter>,
    /// Sent with every request, values marked sensitive.
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) compression: Compression,
    pub(super) timeout: Option<Duration>,
    /// For an `https://` OTLP endpoint: the CA and client certificate files, if given.
    #[cfg(feature = "tls")]
    pub(super) tls: Option<TlsConfig>,
}

const CERTIFICATE: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CERTIFICATE",
];
const CLIENT_CERTIFICATE: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
];
const CLIENT_KEY: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_CLIENT_KEY",
];

pub(super) fn export_settings(vars: &Vars) -> Result<ExportSettings, ConfigError> {
    let otlp = vars.get(OTLP_TRACES_ENDPOINT).is_some() || vars.get(OTLP_ENDPOINT).is_some();
    let zipkin = vars.get("OTEL_EXPORTER_ZIPKIN_ENDPOINT");
    match vars.get("OTEL_TRACES_EXPORTER") {
        Some("none") => Ok(ExportSettings::default()),
        Some("otlp") => otlp_settings(vars),
        Some("zipkin") => zipkin_settings(vars),
        Some(other) => Err(ConfigError::new(
            "OTEL_TRACES_EXPORTER",
            format!("`{other}` is not otlp, zipkin or none"),
        )),
        None if otlp => otlp_settings(vars),
        None if zipkin.is_some() => zipkin_settings(vars),
        None => Ok(ExportSettings::default()),
    }
}

const OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
const OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

fn zipkin_settings(vars: &Vars) -> Result<ExportSettings, ConfigError> {
    let variable = "OTEL_EXPORTER_ZIPKIN_ENDPOINT";
    let url = vars
        .get(variable)
        .unwrap_or("http://localhost:9411/api/v2/spans");
    Ok(ExportSettings {
        exporter: Some(Exporter::Zipkin(endpoint(variable, url)?)),
        timeout: vars.timeout(&["OTEL_EXPORTER_ZIPKIN_TIMEOUT"])?,
        ..ExportSettings::default()
    })
}

/// The OTLP endpoint: the signal's URL as given; else the base URL, with `/v1/traces`
/// added over HTTP; else the protocol's default port on localhost.
fn otlp_endpoint(vars: &Vars, protocol: OtlpProtocol) -> Result<Uri, ConfigError> {
    let grpc = protocol == OtlpProtocol::Grpc;
    if let Some(url) = vars.get(OTLP_TRACES_ENDPOINT) {
        return endpoint(OTLP_TRACES_ENDPOINT, url);
    }
    let url = match vars.get(OTLP_ENDPOINT) {
        Some(base) if grpc => base.to_owned(),
        Some(base) => format!("{}/v1/traces", base.trim_end_matches('/')),
        None if grpc => "http://localhost:4317".to_owned(),
        None => "http://localhost:4318/v1/traces".to_owned(),
    };
    endpoint(OTLP_ENDPOINT, &url)
}

fn otlp_settings(vars: &Vars) -> Result<ExportSettings, ConfigError> {
    #[cfg(not(feature = "tls"))]
    refuse_tls(vars)?;
    let protocol = match vars.first(&[
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ]) {
        None => OtlpProtocol::default(),
        Some((variable, name)) => name.parse().map_err(|_| {
            ConfigError::new(
                variable,
                format!("`{name}` is not grpc, http/protobuf or http/json"),
            )
        })?,
    };
    let uri = otlp_endpoint(vars, protocol)?;
    let compression = match vars.first(&[
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
        "OTEL_EXPORTER_OTLP_COMPRESSION",
    ]) {
        None | Some((_, "none")) => Compression::None,
        Some((_, "gzip")) => Compression::Gzip,
        Some((variable, other)) => {
            return Err(ConfigError::new(
                variable,
                format!("`{other}` is not gzip or none"),
            ));
        }
    };
    let headers = match vars.first(&[
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "OTEL_EXPORTER_OTLP_HEADERS",
    ]) {
        None => Vec::new(),
        Some((variable, list)) => headers(variable, list)?,
    };
    Ok(ExportSettings {
        exporter: Some(Exporter::Otlp(uri, protocol)),
        headers,
        compression,
        timeout: vars.timeout(&[
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ])?,
        #[cfg(feature = "tls")]
        tls: tls(vars)?,
    })
}

/// The CA and client certificate files, read now.
#[cfg(feature = "tls")]
fn tls(vars: &Vars) -> Result<Option<TlsConfig>, ConfigError> {
    let ca = vars.first(&CERTIFICATE);
    let client = match (vars.first(&CLIENT_CERTIFICATE), vars.first(&CLIENT_KEY)) {
        (None, None) => None,
        (Some(certificate), Some(key)) => Some((certificate, key)),
        (Some((variable, _)), None) => return Err(alone(variable, CLIENT_KEY[1])),
        (None, Some((variable, _))) => return Err(alone(variable, CLIENT_CERTIFICATE[1])),
    };
    if ca.is_none() && client.is_none() {
        return Ok(None);
    }
    let mut tls = TlsConfig::new();
    if let Some((variable, path)) = ca {
        tls = tls
            .ca_file(path)
            .map_err(|error| ConfigError::new(variable, error.to_string()))?;
    }
    if let Some(((variable, certificate), (_, key))) = client {
        tls = tls
            .client_auth_files(certificate, key)
            .map_err(|error| ConfigError::new(variable, error.to_string()))?;
    }
    Ok(Some(tls))
}

#[cfg(feature = "tls")]
fn alone(variable: &'static str, other: &str) -> ConfigError {
    ConfigError::new(variable, format!("needs {other} too"))
}

/// Without TLS, its settings are refused.
#[cfg(not(feature = "tls"))]
fn refuse_tls(vars: &Vars) -> Result<(), ConfigError> {
    let all = CERTIFICATE
        .iter()
        .chain(&CLIENT_CERTIFICATE)
        .chain(&CLIENT_KEY);
    match all.copied().find(|name| vars.get(name).is_some()) {
        Some(variable) => Err(ConfigError::new(
            variable,
            "needs the `tls` feature of opentracing-core (part of `reporter`)".to_owned(),
        )),
        None => Ok(()),
    }
}

/// Request headers from `key=value,...`; errors never quote a value.
fn headers(
    variable: &'static str,
    list: &str,
) -> Result<Vec<(HeaderName, HeaderValue)>, ConfigError> {
    key_values(variable, list)?
        .into_iter()
        .enumerate()
        .map(|(index, (name, value))| {
            let bad =
                |what: &str| ConfigError::new(variable, format!("entry {} {what}", index + 1));
            let name = HeaderName::try_from(name).map_err(|_| bad("is not a header name"))?;
            let mut value =
                HeaderValue::try_from(value).map_err(|_| bad("is not a header value"))?;
            value.set_sensitive(true);
            Ok((name, value))
        })
        .collect()
}

/// The endpoint URL; errors never quote it, since it may hold credentials.
fn endpoint(variable: &'static str, url: &str) -> Result<Uri, ConfigError> {
    let uri: Uri = url
        .parse()
        .map_err(|error| ConfigError::new(variable, format!("not a URL: {error}")))?;
    match uri.scheme_str() {
        _ if crate::report::has_userinfo(&uri) => Err(ConfigError::new(
            variable,
            crate::report::USERINFO_REFUSED.to_owned(),
        )),
        Some("http") if uri.host().is_some() => Ok(uri),
        #[cfg(feature = "tls")]
        Some("https") if uri.host().is_some() => Ok(uri),
        #[cfg(not(feature = "tls"))]
        Some("https") => Err(ConfigError::new(
            variable,
            "https:// needs the `tls` feature of opentracing-core (part of `reporter`)".to_owned(),
        )),
        _ => Err(ConfigError::new(
            variable,
            "must be an http:// or https:// URL with a host".to_owned(),
        )),
    }
}
