//! W3C `tracestate`: vendor entries that travel with a trace.

use std::fmt;
use std::sync::Arc;

/// The W3C `tracestate` of a context: an ordered list of `key=value` members, stored in its
/// header form. Empty by default, which costs nothing.
///
/// The W3C codec builds and validates it (`opentracing_core::propagation::W3cTraceContext`);
/// other codecs leave it alone.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct TraceState(Option<Arc<str>>);

impl TraceState {
    /// An empty trace state.
    pub const fn new() -> Self {
        Self(None)
    }

    /// A trace state from an already validated header value (members joined with `,`).
    pub(crate) fn from_validated(header: String) -> Self {
        if header.is_empty() {
            Self(None)
        } else {
            Self(Some(header.into()))
        }
    }

    /// The header value, or `None` when empty (an empty `tracestate` is never sent).
    pub fn header(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The members, in order, as `(key, value)`.
    pub fn members(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0
            .as_deref()
            .into_iter()
            .flat_map(|header| header.split(','))
            .filter_map(|member| member.split_once('='))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.members().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TraceState")
            .field(&self.header().unwrap_or(""))
            .finish()
    }
}
