//! Header capture: deny-by-default, with redaction of credentials.

use std::sync::Arc;

use http::HeaderMap;
use http::header::{AUTHORIZATION, COOKIE, HeaderName, PROXY_AUTHORIZATION, SET_COOKIE};
use opentracing_core::{Key, Span};

use crate::bound::bounded;

/// What replaces the value of a captured header that holds credentials.
pub const REDACTED_HEADER: &str = "[redacted]";

/// Headers whose values are never written to a span, even when allowed.
const ALWAYS_REDACTED: [HeaderName; 4] = [AUTHORIZATION, PROXY_AUTHORIZATION, COOKIE, SET_COOKIE];

/// Which headers become tags (`{prefix}{name}`): none unless allowed by name. The values of
/// `authorization`, `proxy-authorization`, `cookie`, `set-cookie` and of any value marked
/// [sensitive](http::HeaderValue::is_sensitive) are written as [`REDACTED_HEADER`]. Several
/// values of one header are joined with `, `; values that are not UTF-8 are written lossily.
#[derive(Clone, Debug, Default)]
pub(crate) struct HeaderCapture {
    /// Each allowed header with its tag key.
    allowed: Arc<[(HeaderName, Key)]>,
}

impl HeaderCapture {
    pub(crate) fn new(prefix: &str, names: impl IntoIterator<Item = HeaderName>) -> Self {
        let allowed: Vec<(HeaderName, Key)> = names
            .into_iter()
            .map(|name| {
                let key = format!("{prefix}{name}");
                (name, key.into())
            })
            .collect();
        Self {
            allowed: allowed.into(),
        }
    }

    /// Tags `span` with the allowed headers present in `headers`.
    pub(crate) fn record(&self, headers: &HeaderMap, span: &Span) {
        for (name, key) in self.allowed.iter() {
            let mut values = headers.get_all(name).iter().peekable();
            if values.peek().is_none() {
                continue;
            }
            let mut tag = String::new();
            for value in values {
                if !tag.is_empty() {
                    tag.push_str(", ");
                }
                if value.is_sensitive() || ALWAYS_REDACTED.contains(name) {
                    tag.push_str(REDACTED_HEADER);
                } else {
                    tag.push_str(&String::from_utf8_lossy(value.as_bytes()));
                }
            }
            span.set_tag(key.clone(), bounded(tag));
        }
    }
}
