//! Resource attributes: what every span of the service shares, such as
//! `deployment.environment.name`.

/// The attributes, each key once, in the order first given.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resource(Vec<(String, String)>);

impl Resource {
    /// Sets `key` to `value`, replacing an earlier value; `service.name` is ignored, since
    /// each span names its service.
    pub(crate) fn set(&mut self, key: String, value: String) {
        if key == "service.name" {
            return;
        }
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, old)) => *old = value,
            None => self.0.push((key, value)),
        }
    }

    /// Whether `key` is set.
    #[cfg(feature = "otlp")]
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }
}
