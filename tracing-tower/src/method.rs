//! The request method as span names and tags record it.

use std::sync::Arc;

use http::Method;
use opentracing_core::{Key, Span, tags};

use crate::bound::bounded_copy;

/// What `http.method` and span names say for a method outside the [`KnownMethods`], as
/// OpenTelemetry's HTTP conventions have it: a client cannot mint span names or unbounded
/// tags by sending methods of its own.
pub const OTHER_METHOD: &str = "_OTHER";

/// The tag that keeps a method outside the [`KnownMethods`] as it was sent, cut to
/// [`MAX_TAG_VALUE_LEN`](crate::MAX_TAG_VALUE_LEN) bytes.
pub const HTTP_METHOD_ORIGINAL: &str = "http.request.method_original";

/// The methods recorded by name; any other is recorded as [`OTHER_METHOD`]. By default the
/// methods of RFC 9110, `PATCH` and `QUERY`, compared case-sensitively; [`new`](Self::new)
/// replaces that list.
///
/// ```
/// use http::Method;
/// use tracing_tower::KnownMethods;
///
/// let webdav = KnownMethods::new([Method::GET, Method::from_bytes(b"PROPFIND").unwrap()]);
/// assert_eq!(webdav.name(&Method::from_bytes(b"PROPFIND").unwrap()), "PROPFIND");
/// assert_eq!(webdav.name(&Method::POST), "_OTHER");
/// assert_eq!(KnownMethods::default().name(&Method::from_bytes(b"get").unwrap()), "_OTHER");
/// ```
#[derive(Clone, Debug, Default)]
pub struct KnownMethods {
    /// The list that replaces the default one.
    custom: Option<Arc<[Method]>>,
}

impl KnownMethods {
    /// Exactly these methods, in place of the default list.
    pub fn new(methods: impl IntoIterator<Item = Method>) -> Self {
        Self {
            custom: Some(methods.into_iter().collect()),
        }
    }

    /// `method`'s name if it is known, else [`OTHER_METHOD`].
    pub fn name(&self, method: &Method) -> Key {
        match &self.custom {
            None => Key::Borrowed(standard_name(method).unwrap_or(OTHER_METHOD)),
            Some(known) if known.contains(method) => match standard_name(method) {
                Some(name) => Key::Borrowed(name),
                None => Key::Owned(method.as_str().to_owned()),
            },
            Some(_) => Key::Borrowed(OTHER_METHOD),
        }
    }
}

/// Tags `http.method` with `name` (what [`KnownMethods::name`] gave for `method`) and, for
/// [`OTHER_METHOD`], [`HTTP_METHOD_ORIGINAL`] with `method` as sent.
pub fn tag_method(span: &Span, method: &Method, name: Key) {
    if name == OTHER_METHOD {
        span.set_tag(HTTP_METHOD_ORIGINAL, bounded_copy(method.as_str()));
    }
    span.set_tag(tags::HTTP_METHOD, name);
}

/// The name of a method of RFC 9110, `PATCH` or `QUERY`.
fn standard_name(method: &Method) -> Option<&'static str> {
    Some(match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ if method.as_str() == "QUERY" => "QUERY",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(name: &str) -> Method {
        Method::from_bytes(name.as_bytes()).unwrap()
    }

    #[test]
    fn the_default_list_names_the_standard_methods_only() {
        let known = KnownMethods::default();
        for name in [
            "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE", "QUERY",
        ] {
            assert_eq!(known.name(&method(name)), name);
        }
        for name in ["get", "Post", "PROPFIND", "BREW", "X"] {
            assert_eq!(known.name(&method(name)), OTHER_METHOD);
        }
    }

    #[test]
    fn a_custom_list_replaces_the_default() {
        let known = KnownMethods::new([Method::GET, method("PROPFIND")]);
        assert_eq!(known.name(&Method::GET), "GET");
        assert_eq!(known.name(&method("PROPFIND")), "PROPFIND");
        assert_eq!(known.name(&Method::POST), OTHER_METHOD);
        assert_eq!(KnownMethods::new([]).name(&Method::GET), OTHER_METHOD);
    }
}
