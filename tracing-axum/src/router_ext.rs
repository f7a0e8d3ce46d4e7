//! The one-line form: a method on `Router`.

use axum::Router;
use opentracing_core::Tracer;

/// Adds the tracing layer to every route of a router, as a method.
///
/// ```
/// use axum::{Router, routing::get};
/// use tracing_axum::RouterExt;
///
/// let app: Router = Router::new().route("/users/{id}", get(|| async { "user" })).traced();
/// ```
pub trait RouterExt: sealed::Sealed {
    /// [`layer`](crate::layer)ed: every route added so far (and the fallback) gets server
    /// spans reported to the global tracer.
    fn traced(self) -> Self;

    /// [`layer_with`](crate::layer_with)`(tracer)`ed.
    fn traced_with<T>(self, tracer: T) -> Self
    where
        T: Tracer + Clone + 'static;
}

impl<S> RouterExt for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn traced(self) -> Self {
        self.layer(crate::layer())
    }

    fn traced_with<T>(self, tracer: T) -> Self
    where
        T: Tracer + Clone + 'static,
    {
        self.layer(crate::layer_with(tracer))
    }
}

mod sealed {
    pub trait Sealed {}
    impl<S> Sealed for axum::Router<S> {}
}
