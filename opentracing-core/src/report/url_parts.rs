//! The parts of a request target that span encodings write on their own.

/// The path and query of a request target: origin form (`/a?b`) or absolute form
/// (`http://host/a?b`); the fragment is dropped.
pub(crate) fn path_and_query(url: &str) -> (&str, Option<&str>) {
    // Servers see the origin form: no scheme to look for.
    let absolute = if url.starts_with('/') {
        None
    } else {
        url.split_once("://")
    };
    let target = match absolute {
        // The authority ends at the first `/`, `?` or `#`.
        Some((_, rest)) => &rest[rest.find(['/', '?', '#']).unwrap_or(rest.len())..],
        None => url,
    };
    let (path, rest) = target.split_at(target.find(['?', '#']).unwrap_or(target.len()));
    let path = if path.is_empty() && absolute.is_some() {
        "/"
    } else {
        path
    };
    let query = rest
        .strip_prefix('?')
        .map(|query| query.split_once('#').map_or(query, |(query, _)| query));
    (path, query)
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
        assert_eq!(
            path_and_query("http://shop?next=/a/b"),
            ("/", Some("next=/a/b"))
        );
        assert_eq!(path_and_query("http://shop#/a"), ("/", None));
        assert_eq!(path_and_query("*"), ("*", None));
        assert_eq!(path_and_query("/a?b#c"), ("/a", Some("b")));
        assert_eq!(path_and_query("/a#c?d"), ("/a", None));
    }
}
