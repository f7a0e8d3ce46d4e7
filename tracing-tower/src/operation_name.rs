//! The hook that names a request's span.

use http::{Method, Request};
use opentracing_core::Key;

/// Names the span of a request: a hook of both layers. Implemented by
/// [`DefaultOperationName`] and by closures `Fn(&Request<B>) -> String`.
///
/// Names should have low cardinality: a route template such as `GET /users/{id}`, never a
/// path with ids in it.
///
/// Closures return a `String` rather than any `Into<Key>`: a closure returning a borrowed
/// `&'static str` would make the layer's futures fail rustc's `Send` checks inside spawned
/// tasks (the returned lifetime is forgotten there). A type of your own can implement this
/// trait and return a borrowed [`Key`] without allocating.
pub trait MakeOperationName<B> {
    /// The operation name for `request`.
    fn make_operation_name(&self, request: &Request<B>) -> Key;
}

/// Names a span by the request's method, such as `GET`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultOperationName;

impl<B> MakeOperationName<B> for DefaultOperationName {
    fn make_operation_name(&self, request: &Request<B>) -> Key {
        method_key(request.method())
    }
}

impl<B, F> MakeOperationName<B> for F
where
    F: Fn(&Request<B>) -> String,
{
    fn make_operation_name(&self, request: &Request<B>) -> Key {
        Key::Owned(self(request))
    }
}

/// The method's name as a span tag value or operation name, without allocating for the
/// standard methods.
pub fn method_key(method: &Method) -> Key {
    let name = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => return Key::Owned(method.as_str().to_owned()),
    };
    Key::Borrowed(name)
}
