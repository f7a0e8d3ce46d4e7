//! Baggage: key/value pairs that travel with a trace to every descendant span.

use std::fmt;
use std::sync::Arc;

/// The baggage of a span context: an immutable, cheaply cloned map of strings.
///
/// Setting an item copies the map only when another context still shares it, so a child
/// never sees items its parent gains after the child started (opentracing-python's
/// copy-on-write `with_baggage_item`). An empty baggage allocates nothing.
#[derive(Clone, Default)]
pub struct Baggage(Option<Arc<Items>>);

impl Baggage {
    /// An empty baggage.
    pub const fn new() -> Self {
        Self(None)
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        let items = self.0.as_deref()?;
        let index = items.search(key).ok()?;
        Some(items.value(&items.entries[index]))
    }

    /// Sets `key` to `value`, replacing any previous value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let items = self.0.get_or_insert_with(Default::default);
        Arc::make_mut(items).set(&key.into(), &value.into());
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let items = self.0.as_mut()?;
        let index = items.search(key).ok()?;
        let items = Arc::make_mut(items);
        let removed = items.remove(index);
        if items.entries.is_empty() {
            self.0 = None;
        }
        Some(removed)
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |items| items.entries.len())
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items, sorted by key.
    pub fn iter(&self) -> Iter<'_> {
        match self.0.as_deref() {
            Some(items) => Iter {
                text: &items.text,
                entries: items.entries.iter(),
            },
            None => Iter {
                text: "",
                entries: [].iter(),
            },
        }
    }
}

/// Builds a [`Baggage`] from items read off the wire, where the first of repeated keys
/// wins, without sharing or copying the map along the way.
#[derive(Default)]
pub(crate) struct BaggageBuilder(Items);

impl BaggageBuilder {
    /// Adds `key` with `value` unless `key` is already there; whether it was added.
    pub(crate) fn add_first(&mut self, key: &str, value: &str) -> bool {
        let Err(index) = self.0.search(key) else {
            return false;
        };
        if self.0.text.capacity() == 0 {
            // Wire input is small and bounded: one allocation for typical headers.
            self.0.text.reserve(256);
        }
        self.0.insert(index, key, value);
        true
    }

    /// The number of items added.
    pub(crate) fn len(&self) -> usize {
        self.0.entries.len()
    }

    /// The baggage: empty, allocating nothing, when nothing was added.
    pub(crate) fn build(self) -> Baggage {
        Baggage((!self.0.entries.is_empty()).then(|| Arc::new(self.0)))
    }
}

/// The items' text in one buffer, and where each item is in it, sorted by key: a header of
/// 64 members is held in three allocations rather than two per item and a tree's nodes.
#[derive(Clone, Default)]
struct Items {
    text: String,
    entries: Vec<Entry>,
    /// Bytes of `text` that no entry refers to any more, from replaced or removed items.
    unused: usize,
}

#[derive(Clone, Copy)]
struct Entry {
    key: Place,
    value: Place,
}

/// A byte range of [`Items::text`].
#[derive(Clone, Copy)]
struct Place {
    start: usize,
    end: usize,
}

impl Place {
    fn of(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or_default()
    }

    fn len(self) -> usize {
        self.end - self.start
    }
}

impl Items {
    /// The index of `key`, or where it would be inserted.
    fn search(&self, key: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|entry| entry.key.of(&self.text).cmp(key))
    }

    fn value(&self, entry: &Entry) -> &str {
        entry.value.of(&self.text)
    }

    fn push_text(&mut self, text: &str) -> Place {
        let start = self.text.len();
        self.text.push_str(text);
        Place {
            start,
            end: self.text.len(),
        }
    }

    fn insert(&mut self, index: usize, key: &str, value: &str) {
        let entry = Entry {
            key: self.push_text(key),
            value: self.push_text(value),
        };
        self.entries.insert(index, entry);
    }

    fn set(&mut self, key: &str, value: &str) {
        match self.search(key) {
            Ok(index) => {
                self.unused += self.entries[index].value.len();
                self.entries[index].value = self.push_text(value);
                self.compact_if_sparse();
            }
            Err(index) => self.insert(index, key, value),
        }
    }

    fn remove(&mut self, index: usize) -> String {
        let entry = self.entries.remove(index);
        let value = entry.value.of(&self.text).to_owned();
        self.unused += entry.key.len() + entry.value.len();
        self.compact_if_sparse();
        value
    }

    /// Rewrites `text` without its unused bytes once they are the larger part, so that
    /// replacing one item over and over does not grow the buffer without end.
    fn compact_if_sparse(&mut self) {
        if self.unused <= self.text.len() / 2 {
            return;
        }
        let old = std::mem::take(&mut self.text);
        self.text.reserve(old.len() - self.unused);
        for index in 0..self.entries.len() {
            let Entry { key, value, .. } = self.entries[index];
            self.entries[index].key = self.push_text(key.of(&old));
            self.entries[index].value = self.push_text(value.of(&old));
        }
        self.unused = 0;
    }
}

impl PartialEq for Baggage {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Baggage {}

impl<'a> IntoIterator for &'a Baggage {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// An iterator over baggage items, sorted by key.
#[derive(Clone)]
pub struct Iter<'a> {
    text: &'a str,
    entries: std::slice::Iter<'a, Entry>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let entry = self.entries.next()?;
        Some((entry.key.of(self.text), entry.value.of(self.text)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

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
    use std::collections::BTreeMap;

    use proptest::prelude::*;

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

    #[test]
    fn orders_keys_by_their_bytes() {
        let keys = [
            "",
            "a",
            "a\0",
            "a\0\0",
            "ab",
            "abcdefgh",
            "abcdefgh\0",
            "abcdefghi",
            "b",
        ];
        let baggage: Baggage = keys.iter().rev().map(|key| (*key, *key)).collect();
        let got: Vec<_> = baggage.iter().map(|(key, _)| key).collect();
        assert_eq!(got, keys);
        for key in keys {
            assert_eq!(baggage.get(key), Some(key));
        }
        assert_eq!(baggage.get("a\0\0\0"), None);
    }

    #[test]
    fn replacing_one_item_keeps_the_text_bounded() {
        let mut baggage: Baggage = [("a", "1"), ("b", "2")].into_iter().collect();
        for i in 0..10_000 {
            baggage.set("a", i.to_string());
        }
        assert_eq!(baggage.get("a"), Some("9999"));
        assert_eq!(baggage.get("b"), Some("2"));
        let items = baggage.0.as_deref().unwrap();
        assert!(items.text.len() < 32, "{}", items.text.len());
    }

    #[test]
    fn builder_keeps_the_first_of_repeated_keys() {
        let mut builder = BaggageBuilder::default();
        assert!(builder.add_first("k", "1"));
        assert!(builder.add_first("a", "2"));
        assert!(!builder.add_first("k", "3"));
        assert_eq!(builder.len(), 2);
        let baggage = builder.build();
        assert_eq!(baggage, [("a", "2"), ("k", "1")].into_iter().collect());
        assert_eq!(BaggageBuilder::default().build(), Baggage::new());
        assert_eq!(
            format!("{:?}", baggage.iter()),
            r#"[("a", "2"), ("k", "1")]"#
        );
    }

    #[derive(Clone, Debug)]
    enum Change {
        Set(String, String),
        Remove(String),
    }

    fn any_change() -> impl Strategy<Value = Change> {
        // Few short keys, so that sets replace and removes hit.
        let key = "[ab\\x00é]{0,10}";
        prop_oneof![
            (key, ".{0,6}").prop_map(|(k, v)| Change::Set(k, v)),
            key.prop_map(Change::Remove),
        ]
    }

    proptest! {
        #[test]
        fn behaves_as_a_sorted_map(changes in proptest::collection::vec(any_change(), 0..64)) {
            let mut baggage = Baggage::new();
            let mut model = BTreeMap::new();
            for change in changes {
                match change {
                    Change::Set(k, v) => {
                        baggage.set(k.clone(), v.clone());
                        model.insert(k, v);
                    }
                    Change::Remove(k) => {
                        prop_assert_eq!(baggage.remove(&k), model.remove(&k));
                    }
                }
                let items: Vec<_> = baggage.iter().collect();
                let expected: Vec<_> =
                    model.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                prop_assert_eq!(items, expected);
                for (k, v) in &model {
                    prop_assert_eq!(baggage.get(k), Some(v.as_str()));
                }
            }
        }
    }
}
