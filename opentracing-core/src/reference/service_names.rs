//! Service names, stored once per process so that spans can name their service without
//! counting references.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

/// The process-wide copy of `name`. Each distinct name is stored once and kept for the life
/// of the process: a service has a handful of names, and spans then carry a plain reference.
pub(crate) fn intern(name: String) -> &'static str {
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    let names = names.get_or_insert_with(HashSet::new);
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    let name: &'static str = Box::leak(name.into_boxed_str());
    names.insert(name);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_stored_once() {
        let first = intern("checkout".to_owned());
        let again = intern(String::from("checkout"));
        assert_eq!(first, "checkout");
        assert!(std::ptr::eq(first, again));
        assert_ne!(intern("billing".to_owned()), first);
    }
}
