//! The peer's address: where the server layer finds it, and the tags it becomes.

use std::net::SocketAddr;

use http::Extensions;
use opentracing_core::{Span, tags};

use crate::bound::bounded_copy;

/// The remote address of a request's connection, as a request extension.
///
/// hyper does not record the peer's address on requests. A server that accepts connections
/// itself adds it, for example with tower-http's `AddExtensionLayer`, so the server layer can
/// tag `peer.ipv4`/`peer.ipv6` and `peer.port`:
///
/// ```
/// use std::net::SocketAddr;
/// use tower::ServiceBuilder;
/// use tower_http::add_extension::AddExtensionLayer;
/// use tracing_tower::{RemoteAddr, ServerTracingLayer};
///
/// # let handler = tower::service_fn(|_: http::Request<String>| async {
/// #     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
/// # });
/// let peer: SocketAddr = "192.0.2.7:50123".parse().unwrap(); // from `TcpListener::accept`
/// let service = ServiceBuilder::new()
///     .layer(AddExtensionLayer::new(RemoteAddr(peer)))
///     .layer(ServerTracingLayer::default())
///     .service(handler);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RemoteAddr(pub SocketAddr);

/// Finds the peer's address in a request's extensions; the server layer's hook for
/// `peer.*` tags. Implemented by [`DefaultPeerAddr`] and by closures
/// `Fn(&Extensions) -> Option<SocketAddr>`.
pub trait PeerAddr {
    /// The peer's address, if known.
    fn peer_addr(&self, extensions: &Extensions) -> Option<SocketAddr>;
}

/// Reads the [`RemoteAddr`] extension.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultPeerAddr;

impl PeerAddr for DefaultPeerAddr {
    fn peer_addr(&self, extensions: &Extensions) -> Option<SocketAddr> {
        extensions.get::<RemoteAddr>().map(|remote| remote.0)
    }
}

impl<F> PeerAddr for F
where
    F: Fn(&Extensions) -> Option<SocketAddr>,
{
    fn peer_addr(&self, extensions: &Extensions) -> Option<SocketAddr> {
        self(extensions)
    }
}

/// Tags `peer.ipv4` or `peer.ipv6` and `peer.port` (an IPv4-mapped IPv6 address is written
/// as IPv4).
pub fn tag_peer_addr(span: &Span, addr: SocketAddr) {
    let ip = addr.ip().to_canonical();
    let key = if ip.is_ipv4() {
        tags::PEER_HOST_IPV4
    } else {
        tags::PEER_HOST_IPV6
    };
    span.set_tag(key, ip)
        .set_tag(tags::PEER_PORT, i64::from(addr.port()));
}

/// Tags the host of a request's URI; see [`tag_peer_host`].
pub(crate) fn tag_peer_uri(span: &Span, uri: &http::Uri) {
    if let Some(host) = uri.host() {
        let default_port = match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        };
        tag_peer_host(span, host, uri.port_u16().or(default_port));
    }
}

/// Tags a request's target host as `peer.hostname`, or as `peer.ipv4`/`peer.ipv6` when it is
/// an address (IPv6 in brackets or not), and `peer.port` when known. A host name longer than
/// [`MAX_TAG_VALUE_LEN`](crate::MAX_TAG_VALUE_LEN) bytes is cut.
pub fn tag_peer_host(span: &Span, host: &str, port: Option<u16>) {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_ipv4() => span.set_tag(tags::PEER_HOST_IPV4, bare.to_owned()),
        Ok(_) => span.set_tag(tags::PEER_HOST_IPV6, bare.to_owned()),
        Err(_) => span.set_tag(tags::PEER_HOSTNAME, bounded_copy(host)),
    };
    if let Some(port) = port {
        span.set_tag(tags::PEER_PORT, i64::from(port));
    }
}
