//! Baggage: key/value pairs that travel with a trace to every descendant span.

use std::collections::{BTreeMap, btree_map};
use std::fmt;
use std::sync::Arc;

/// The baggage of a span context: an immutable, cheaply cloned map of strings.
///
/// Setting an item copies the map only when another context still shares it, so a child
/// never sees items its parent gains after the child started (opentracing-python's
/// copy-on-write `with_baggage_item`). An empty baggage allocates nothing.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Baggage(Option<Arc<BTreeMap<String, String>>>);

impl Baggage {
    /// An empty baggage.
    pub const fn new() -> Self {
        Self(None)
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.as_ref()?.get(key).map(String::as_str)
    }

    /// Sets `key` to `value`, replacing any previous value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let map = self.0.get_or_insert_with(Default::default);
        Arc::make_mut(map).insert(key.into(), value.into());
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let map = self.0.as_mut()?;
        let removed = Arc::make_mut(map).remove(key);
        if map.is_empty() {
            self.0 = None;
        }
        removed
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |map| map.len())
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items, sorted by key.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.0.as_ref().map(|map| map.iter()))
    }
}

impl<'a> IntoIterator for &'a Baggage {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// An iterator over baggage items, sorted by key.
#[derive(Clone, Debug)]
pub struct Iter<'a>(Option<btree_map::Iter<'a, String, String>>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let (k, v) = self.0.as_mut()?.next()?;
        Some((k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0
            .as_ref()
            .map_or((0, Some(0)), |items| items.size_hint())
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Baggage {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut baggage = Self::new();
        for (k, v) in items {
            baggage.set(k, v);
        }
        baggage
    }
}

impl fmt::Debug for Baggage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_is_copy_on_write() {
        let mut parent: Baggage = [("a", "1")].into_iter().collect();
        let child = parent.clone();
        parent.set("b", "2");
        assert_eq!(child.len(), 1);
        assert_eq!(parent.get("b"), Some("2"));
        assert_eq!(child.get("b"), None);
    }

    #[test]
    fn iterates_sorted_and_removes() {
        let mut baggage: Baggage = [("z", "26"), ("a", "1")].into_iter().collect();
        let items: Vec<_> = baggage.iter().collect();
        assert_eq!(items, [("a", "1"), ("z", "26")]);
        assert_eq!(baggage.iter().len(), 2);
        assert_eq!(baggage.remove("a").as_deref(), Some("1"));
        assert_eq!(baggage.remove("z").as_deref(), Some("26"));
        assert!(baggage.is_empty());
        assert_eq!(baggage, Baggage::new());
    }
}
