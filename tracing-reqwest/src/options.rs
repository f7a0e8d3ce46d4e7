//! Per-request settings, passed in the request's extensions.

use opentracing_core::{Key, Value};

/// Settings for the span of one call, given with reqwest-middleware's
/// `RequestBuilder::with_extension`.
///
/// ```
/// use tracing_reqwest::ClientSpanOptions;
///
/// # fn build(client: reqwest_middleware::ClientWithMiddleware) {
/// let request = client
///     .get("http://inventory.internal/items/7")
///     .with_extension(ClientSpanOptions::new().operation_name("fetch item").tag("item.id", 7));
/// # drop(request);
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientSpanOptions {
    pub(crate) operation_name: Option<Key>,
    pub(crate) disabled: bool,
    pub(crate) tags: Vec<(Key, Value)>,
}

impl ClientSpanOptions {
    /// No changes: the span is named by the method, with the usual tags.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the span `name` instead of by the method.
    pub fn operation_name(mut self, name: impl Into<Key>) -> Self {
        self.operation_name = Some(name.into());
        self
    }

    /// Adds a tag to the span.
    pub fn tag(mut self, key: impl Into<Key>, value: impl Into<Value>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Sends this call without a span and without trace headers.
    pub fn disable_tracing(mut self) -> Self {
        self.disabled = true;
        self
    }
}
