//! The peer's address from axum's connection info.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::Extensions;
use tracing_tower::{PeerAddr, RemoteAddr};

/// Finds the peer's address in axum's [`ConnectInfo<SocketAddr>`], which axum adds when the
/// app is served with `into_make_service_with_connect_info::<SocketAddr>()`; failing that,
/// in a [`RemoteAddr`] extension. Without either, spans have no `peer.*` address tags (a
/// proxy's `forwarded` header is not trusted for them).
#[derive(Clone, Copy, Debug, Default)]
pub struct ConnectInfoAddr;

impl PeerAddr for ConnectInfoAddr {
    fn peer_addr(&self, extensions: &Extensions) -> Option<SocketAddr> {
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0)
            .or_else(|| extensions.get::<RemoteAddr>().map(|remote| remote.0))
    }
}
