//! The client layer: configuration, cheap to clone.

use std::sync::Arc;

use http::Uri;
use opentracing_core::GlobalTracer;
use tower_layer::Layer;

use super::ClientTracing;
use crate::classify::Classify;
use crate::client::PropagationTargets;
use crate::finish::FinishAt;
use crate::method::KnownMethods;
use crate::operation_name::DefaultOperationName;
use crate::response::ResponseConfig;
use crate::url::UrlRedactor;

/// Gives every outbound request a client span and injects its context into the request
/// headers: a [`Layer`] that wraps HTTP client services in [`ClientTracing`]. See the
/// [module docs](crate::client) for what happens when.
///
/// ```
/// use opentracing_core::MockTracer;
/// use tracing_tower::ClientTracingLayer;
///
/// let layer = ClientTracingLayer::new(MockTracer::new()).allow_query_params(["page"]);
/// # drop(layer);
/// ```
#[derive(Clone, Debug)]
pub struct ClientTracingLayer<T = GlobalTracer, N = DefaultOperationName> {
    pub(super) tracer: T,
    pub(super) make_operation_name: N,
    pub(super) config: Arc<ClientConfig>,
}

/// The client layer's plain settings.
#[derive(Clone, Debug)]
pub(super) struct ClientConfig {
    pub(super) component: &'static str,
    pub(super) urls: UrlRedactor,
    pub(super) methods: KnownMethods,
    pub(super) targets: PropagationTargets,
    pub(super) response: Arc<ResponseConfig>,
    /// For requests without one (a tonic channel's).
    pub(super) origin: Option<Uri>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            component: crate::COMPONENT,
            urls: UrlRedactor::default(),
            methods: KnownMethods::default(),
            targets: PropagationTargets::default(),
            response: Arc::new(ResponseConfig::new(crate::classify::Side::Client)),
            origin: None,
        }
    }
}

impl Default for ClientTracingLayer {
    /// A layer that reports to the [global tracer](opentracing_core::global_tracer).
    fn default() -> Self {
        Self::new(GlobalTracer::default())
    }
}

impl<T> ClientTracingLayer<T> {
    /// A layer that starts spans with `tracer`.
    pub fn new(tracer: T) -> Self {
        Self {
            tracer,
            make_operation_name: DefaultOperationName,
            config: Arc::default(),
        }
    }
}

impl<T, N> ClientTracingLayer<T, N> {
    /// Names spans with `make_operation_name` (a
    /// [`MakeOperationName`](crate::MakeOperationName)) instead of by method.
    pub fn operation_name_with<N2>(self, make_operation_name: N2) -> ClientTracingLayer<T, N2> {
        ClientTracingLayer {
            tracer: self.tracer,
            make_operation_name,
            config: self.config,
        }
    }

    /// Keeps the values of these query parameters in `http.url`; the others are
    /// [redacted](crate::UrlRedactor).
    pub fn allow_query_params<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Arc::make_mut(&mut self.config).urls = UrlRedactor::allowing(names);
        self
    }

    /// The methods recorded by name; others are recorded as `_OTHER`
    /// ([`KnownMethods`]: RFC 9110's, `PATCH` and `QUERY` by default).
    pub fn known_methods(mut self, methods: KnownMethods) -> Self {
        Arc::make_mut(&mut self.config).methods = methods;
        self
    }

    /// The hosts that receive trace headers and baggage; every host by default. Calls to
    /// other hosts still get a span.
    pub fn propagate_to(mut self, targets: PropagationTargets) -> Self {
        Arc::make_mut(&mut self.config).targets = targets;
        self
    }

    /// When spans finish; [`FinishAt::BodyEnd`] (the response body read to its end) by
    /// default, so that a span covers the whole response and sees gRPC's status in the
    /// trailers.
    pub fn finish_at(mut self, finish_at: FinishAt) -> Self {
        let config = Arc::make_mut(&mut self.config);
        Arc::make_mut(&mut config.response).finish_at = finish_at;
        self
    }

    /// Decides from each response whether its span is an error and what to tag
    /// ([`Classify`]); [`DefaultClassifier`](crate::classify::DefaultClassifier) by
    /// default: a `4xx` or `5xx`, or any gRPC status but `OK`.
    pub fn classify_with(mut self, classifier: impl Classify) -> Self {
        let config = Arc::make_mut(&mut self.config);
        Arc::make_mut(&mut config.response).classifier = Arc::new(classifier);
        self
    }

    /// The origin (`http://inventory:50051`) of requests that carry only a path, as a tonic
    /// `Channel`'s do (it adds its endpoint's origin itself, inside the layer): `http.url`
    /// and the `peer.*` tags are taken from it for such requests.
    pub fn origin(mut self, origin: Uri) -> Self {
        Arc::make_mut(&mut self.config).origin = Some(origin);
        self
    }

    /// The `component` tag; `tracing-tower` by default. For integrations built on this
    /// layer.
    pub fn component(mut self, component: &'static str) -> Self {
        Arc::make_mut(&mut self.config).component = component;
        self
    }

    /// The tracer.
    pub fn tracer(&self) -> &T {
        &self.tracer
    }
}

impl<S, T: Clone, N: Clone> Layer<S> for ClientTracingLayer<T, N> {
    type Service = ClientTracing<S, T, N>;

    fn layer(&self, inner: S) -> Self::Service {
        ClientTracing {
            inner,
            layer: self.clone(),
        }
    }
}
