//! The server layer's plain settings, shared by every clone of the layer and service.

use std::sync::Arc;

use http::HeaderName;

use crate::headers::HeaderCapture;
use crate::method::KnownMethods;
use crate::response::ResponseConfig;
use crate::server::InboundContext;
use crate::url::UrlRedactor;

#[derive(Clone, Debug)]
pub(crate) struct ServerConfig {
    pub(crate) component: &'static str,
    pub(crate) urls: UrlRedactor,
    pub(crate) methods: KnownMethods,
    pub(crate) request_headers: HeaderCapture,
    pub(crate) peer_service_header: Option<HeaderName>,
    pub(crate) inbound: InboundContext,
    pub(crate) response: Arc<ResponseConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            component: crate::COMPONENT,
            urls: UrlRedactor::default(),
            methods: KnownMethods::default(),
            request_headers: HeaderCapture::default(),
            peer_service_header: None,
            inbound: InboundContext::default(),
            response: Arc::new(ResponseConfig::new(crate::classify::Side::Server)),
        }
    }
}
