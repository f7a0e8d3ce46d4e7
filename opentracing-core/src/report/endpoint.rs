//! The collector's URL: what is accepted at start, and how logs and `Debug` show it.

use http::Uri;

use super::error::StartError;

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

/// Refuses an endpoint with credentials, of another scheme, or without a host.
pub(crate) fn check_endpoint(endpoint: &Uri, schemes: &[&str]) -> Result<(), StartError> {
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

/// `endpoint` as logs and `Debug` show it: scheme, host, port and path; never credentials
/// or a query (either may hold a key).
pub(crate) fn shown(endpoint: &Uri) -> String {
    let host = endpoint.host().unwrap_or_default();
    let port = endpoint
        .port_u16()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    let scheme = endpoint.scheme_str().unwrap_or("http");
    format!("{scheme}://{host}{port}{}", endpoint.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_endpoints_hold_no_credentials_and_no_query() {
        let endpoint = "https://user:SECRET@collector:4318/v1/traces?key=SECRET"
            .parse()
            .unwrap();
        assert!(has_userinfo(&endpoint));
        assert_eq!(shown(&endpoint), "https://collector:4318/v1/traces");
    }
}
