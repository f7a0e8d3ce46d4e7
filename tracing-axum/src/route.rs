//! Naming spans by route template, and the `http.route` tag.

use axum::extract::MatchedPath;
use http::Request;
use opentracing_core::{Key, Span};
use tracing_tower::{MakeOperationName, OnRequest};

/// The tag that holds the route template a request matched, such as `/users/{id}`.
pub const HTTP_ROUTE: &str = "http.route";

/// Names a span by method and route template (`GET /users/{id}`), from axum's
/// [`MatchedPath`], with the method as the layer records it (`_OTHER` for a method outside
/// its [known methods](tracing_tower::KnownMethods)). A request that matched no route is
/// named by its method alone, or by method and a marker of your choice
/// ([`unmatched`](Self::unmatched)); never by its raw path, which would give a name per id.
#[derive(Clone, Copy, Debug, Default)]
pub struct RouteName {
    unmatched: Option<&'static str>,
}

impl RouteName {
    /// Names unmatched requests by their method alone.
    pub const fn new() -> Self {
        Self { unmatched: None }
    }

    /// Names unmatched requests `{method} {marker}`, such as `GET unmatched`.
    pub const fn unmatched(mut self, marker: &'static str) -> Self {
        self.unmatched = Some(marker);
        self
    }
}

impl<B> MakeOperationName<B> for RouteName {
    fn make_operation_name(&self, request: &Request<B>, method: &Key) -> Key {
        match (request.extensions().get::<MatchedPath>(), self.unmatched) {
            (Some(route), _) => Key::Owned(joined(method, route.as_str())),
            (None, Some(marker)) => Key::Owned(joined(method, marker)),
            (None, None) => method.clone(),
        }
    }
}

/// `"{method} {route}"`, built without the formatting machinery: it runs on every request.
fn joined(method: &str, route: &str) -> String {
    let mut name = String::with_capacity(method.len() + 1 + route.len());
    name.push_str(method);
    name.push(' ');
    name.push_str(route);
    name
}

/// Tags [`HTTP_ROUTE`] with the matched route template; nothing for an unmatched request.
#[derive(Clone, Copy, Debug, Default)]
pub struct RouteTag;

impl<B> OnRequest<B> for RouteTag {
    fn on_request(&self, request: &Request<B>, span: &Span) {
        if let Some(route) = request.extensions().get::<MatchedPath>() {
            span.set_tag(HTTP_ROUTE, route.as_str().to_owned());
        }
    }
}
