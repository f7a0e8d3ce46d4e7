//! The hook that names a request's span.

use http::Request;
use opentracing_core::Key;

use crate::bound::bounded;

/// Names the span of a request: a hook of both layers. Implemented by
/// [`DefaultOperationName`] and by closures `Fn(&Request<B>) -> String`.
///
/// Names should have low cardinality: a route template such as `GET /users/{id}`, never a
/// path with ids in it. A closure sees the request as sent: build its names from what you
/// control (routes, not the raw path; [`KnownMethods::name`](crate::KnownMethods::name),
/// not the raw method), or a client can mint names. The layers cut a name longer than
/// [`MAX_TAG_VALUE_LEN`](crate::MAX_TAG_VALUE_LEN) bytes.
///
/// Closures return a `String` rather than any `Into<Key>`: a closure returning a borrowed
/// `&'static str` would make the layer's futures fail rustc's `Send` checks inside spawned
/// tasks (the returned lifetime is forgotten there). A type of your own can implement this
/// trait and return a borrowed [`Key`] without allocating.
pub trait MakeOperationName<B> {
    /// The operation name for `request`, whose method the span records as `method`: its
    /// name, or [`_OTHER`](crate::OTHER_METHOD) for a method outside the layer's
    /// [`KnownMethods`](crate::KnownMethods). Use `method` rather than the request's own,
    /// so that a client sending methods of its own cannot mint span names.
    fn make_operation_name(&self, request: &Request<B>, method: &Key) -> Key;
}

/// Names a span by the request's method as recorded, such as `GET` (or `_OTHER`); a gRPC
/// call by its service and method, `package.Service/Method`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultOperationName;

impl<B> MakeOperationName<B> for DefaultOperationName {
    fn make_operation_name(&self, request: &Request<B>, method: &Key) -> Key {
        match crate::grpc::operation_name(request.headers(), request.uri().path()) {
            Some(name) => Key::Owned(name),
            None => method.clone(),
        }
    }
}

impl<B, F> MakeOperationName<B> for F
where
    F: Fn(&Request<B>) -> String,
{
    fn make_operation_name(&self, request: &Request<B>, _: &Key) -> Key {
        Key::Owned(self(request))
    }
}

/// The span name `make` gives `request`, cut to the tag bound.
pub(crate) fn operation_name<B, N: MakeOperationName<B>>(
    make: &N,
    request: &Request<B>,
    method: &Key,
) -> Key {
    match make.make_operation_name(request, method) {
        Key::Owned(name) => Key::Owned(bounded(name)),
        name => name,
    }
}
