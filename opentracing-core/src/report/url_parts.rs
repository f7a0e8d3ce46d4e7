//! The parts of a request target that span encodings write on their own.

/// The path and query of a request target: origin form (`/a?b`) or absolute form
/// (`http://host/a?b`); the fragment is dropped.
pub(crate) fn path_and_query(url: &str) -> (&str, Option<&str>) {
    let target = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => url,
    };
    let target = target.split_once('#').map_or(target, |(before, _)| before);
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_into_path_and_query() {
        assert_eq!(path_and_query("/cart?id=1"), ("/cart", Some("id=1")));
        assert_eq!(path_and_query("/cart"), ("/cart", None));
        assert_eq!(
            path_and_query("http://shop:8080/cart?x#top"),
            ("/cart", Some("x"))
        );
        assert_eq!(path_and_query("http://shop"), ("/", None));
        assert_eq!(path_and_query("*"), ("*", None));
    }
}
