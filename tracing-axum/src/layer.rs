//! The layer: tracing-tower's server layer with axum's hooks.

use opentracing_core::GlobalTracer;
use tracing_tower::ServerTracingLayer;

use crate::{ConnectInfoAddr, RouteName, RouteTag};

/// tracing-tower's [`ServerTracingLayer`] set up for axum: spans named by route template,
/// tagged `http.route`, with the peer address from `ConnectInfo`. Every option of the tower
/// layer is available on it.
pub type TracingLayer<T = GlobalTracer> =
    ServerTracingLayer<T, RouteName, (), ConnectInfoAddr, RouteTag>;

/// The layer, reporting to the [global tracer](opentracing_core::global_tracer).
pub fn layer() -> TracingLayer {
    layer_with(GlobalTracer::default())
}

/// The layer, reporting to `tracer`.
pub fn layer_with<T>(tracer: T) -> TracingLayer<T> {
    ServerTracingLayer::new(tracer)
        .operation_name_with(RouteName::new())
        .peer_addr_with(ConnectInfoAddr)
        .on_request_with(RouteTag)
        .component(crate::COMPONENT)
}
