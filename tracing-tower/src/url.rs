//! The `http.url` tag: a URL without its secrets.

use std::sync::Arc;

use crate::bound::bounded;

/// What replaces a query value whose parameter is not allowed.
pub const REDACTED: &str = "REDACTED";

/// Writes URLs for the `http.url` tag without secrets: the userinfo (`user:password@`) and
/// the fragment are removed, and every query value is replaced by [`REDACTED`] unless its
/// parameter name is allowed (a query piece without `=` is replaced whole, unless allowed).
/// Names are compared exactly as they appear in the URL.
///
/// ```
/// use tracing_tower::UrlRedactor;
///
/// let redactor = UrlRedactor::allowing(["page"]);
/// assert_eq!(
///     redactor.redact("https://me:secret@shop.example/search?page=2&token=abc#top"),
///     "https://shop.example/search?page=2&token=REDACTED",
/// );
/// assert_eq!(UrlRedactor::default().redact("/users/7?page=2"), "/users/7?page=REDACTED");
/// ```
#[derive(Clone, Debug, Default)]
pub struct UrlRedactor {
    allowed: Arc<[Box<str>]>,
}

impl UrlRedactor {
    /// A redactor that keeps the values of the query parameters in `names`.
    pub fn allowing<I>(names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let allowed: Vec<Box<str>> = names.into_iter().map(|n| n.into().into()).collect();
        Self {
            allowed: allowed.into(),
        }
    }

    /// `url` (absolute, or a path with a query) without userinfo, fragment or disallowed
    /// query values, at most [`MAX_TAG_VALUE_LEN`](crate::MAX_TAG_VALUE_LEN) bytes.
    pub fn redact(&self, url: &str) -> String {
        let url = url.split_once('#').map_or(url, |(before, _)| before);
        match url.split_once('?') {
            Some((base, query)) => self.redact_parts(base, Some(query)),
            None => self.redact_parts(url, None),
        }
    }

    /// [`redact`](Self::redact) for a request's URI: its path and query as `http` parsed
    /// them when the request gave no scheme and host (the usual origin form; a request
    /// target has no fragment), without formatting the URI or searching it again.
    pub fn redact_uri(&self, uri: &http::Uri) -> String {
        match (uri.scheme(), uri.authority()) {
            (None, None) => self.redact_parts(uri.path(), uri.query()),
            _ => self.redact(&uri.to_string()),
        }
    }

    fn redact_parts(&self, base: &str, query: Option<&str>) -> String {
        let query_len = query.map_or(0, |query| 1 + query.len());
        let mut out = String::with_capacity(base.len() + query_len);
        push_without_userinfo(&mut out, base);
        if let Some(query) = query {
            out.push('?');
            for (i, pair) in query.split('&').enumerate() {
                if i > 0 {
                    out.push('&');
                }
                match pair.split_once('=') {
                    Some((name, _)) if !self.allows(name) => {
                        out.push_str(name);
                        out.push('=');
                        out.push_str(REDACTED);
                    }
                    // A piece without `=` may be a secret itself (`/verify?<token>`).
                    None if !pair.is_empty() && !self.allows(pair) => out.push_str(REDACTED),
                    _ => out.push_str(pair),
                }
            }
        }
        bounded(out)
    }

    fn allows(&self, name: &str) -> bool {
        self.allowed.iter().any(|allowed| **allowed == *name)
    }

    /// `text` (an error message, say) without the secrets of `url`: `url` as written becomes
    /// its [redacted](Self::redact) form, and its userinfo, user name, password, query,
    /// fragment and redacted query values become [`REDACTED`] wherever else they appear.
    /// Pieces shorter than four bytes are left alone (a value such as `1` is no secret, and
    /// would mangle the text).
    ///
    /// ```
    /// use tracing_tower::UrlRedactor;
    ///
    /// let url = "http://me:hunter22@api.example/v1?api_key=SECRET1";
    /// let message = format!("error sending request for url ({url}): SECRET1 refused");
    /// assert_eq!(
    ///     UrlRedactor::default().redact_text(&message, url),
    ///     "error sending request for url (http://api.example/v1?api_key=REDACTED): REDACTED refused",
    /// );
    /// ```
    pub fn redact_text(&self, text: &str, url: &str) -> String {
        let redacted = self.redact(url);
        if redacted == url {
            return text.to_owned();
        }
        let mut out = text.replace(url, &redacted);
        let mut secrets = self.secrets(url);
        secrets.sort_unstable_by_key(|secret| std::cmp::Reverse(secret.len()));
        for secret in secrets {
            if out.contains(secret) {
                out = out.replace(secret, REDACTED);
            }
        }
        out
    }

    /// The pieces of `url` that [`redact`](Self::redact) removes or hides, four bytes or
    /// longer.
    fn secrets<'u>(&self, url: &'u str) -> Vec<&'u str> {
        let mut secrets = Vec::new();
        let (url, fragment) = url.split_once('#').unwrap_or((url, ""));
        secrets.push(fragment);
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let rest = base.split_once("://").map_or(base, |(_, rest)| rest);
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            secrets.extend([userinfo, user, password]);
        }
        let hidden: Vec<&str> = query
            .split('&')
            .filter_map(|pair| match pair.split_once('=') {
                Some((name, value)) if !self.allows(name) => Some(value),
                None if !self.allows(pair) => Some(pair),
                _ => None,
            })
            .collect();
        if !hidden.is_empty() {
            secrets.push(query);
            secrets.extend(hidden);
        }
        secrets.retain(|secret| secret.len() >= 4);
        secrets
    }
}

/// Appends `base` (scheme, authority and path, or an authority alone as in `CONNECT`)
/// without the authority's userinfo.
fn push_without_userinfo(out: &mut String, base: &str) {
    if base.starts_with('/') {
        out.push_str(base);
        return;
    }
    let (scheme, rest) = match base.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, base),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str(host);
    out.push_str(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_uris_are_redacted_like_their_text() {
        let redactor = UrlRedactor::allowing(["page"]);
        for target in [
            "/",
            "*",
            "/users/7",
            "/search?q=secret&page=2",
            "/verify?token",
            "/empty?",
            "http://user:pw@example.com/a?q=1&page=3",
            "example.com:443",
        ] {
            let uri: http::Uri = target.parse().unwrap();
            assert_eq!(redactor.redact_uri(&uri), redactor.redact(&uri.to_string()));
        }
    }

    #[test]
    fn keeps_urls_without_secrets_as_they_are() {
        let redactor = UrlRedactor::default();
        for url in [
            "/",
            "/users/7",
            "http://example.com",
            "http://example.com:8080/a/b",
            "*",
        ] {
            assert_eq!(redactor.redact(url), url);
        }
    }

    #[test]
    fn removes_userinfo_but_not_at_signs_in_the_path() {
        let redactor = UrlRedactor::default();
        assert_eq!(
            redactor.redact("http://a:b@c@host:1/x@y"),
            "http://host:1/x@y"
        );
        assert_eq!(redactor.redact("/mail/a@b"), "/mail/a@b");
        assert_eq!(
            redactor.redact("user:pw@proxy.example:443"),
            "proxy.example:443"
        );
        assert_eq!(
            redactor.redact("http://u:p@[2001:db8::1]:8080/"),
            "http://[2001:db8::1]:8080/"
        );
    }

    #[test]
    fn redacts_each_value_and_bare_pieces_unless_allowed() {
        let redactor = UrlRedactor::allowing(["keep"]);
        assert_eq!(
            redactor.redact("/p?a=1&flag&&keep=2&b=&keep"),
            "/p?a=REDACTED&REDACTED&&keep=2&b=REDACTED&keep"
        );
        assert_eq!(redactor.redact("/verify?eyJhbGciOi"), "/verify?REDACTED");
        assert_eq!(redactor.redact("/p?"), "/p?");
        assert_eq!(redactor.redact("/p?q=a=b"), "/p?q=REDACTED");
    }

    #[test]
    fn bounds_long_values_at_a_character_boundary() {
        let long = format!("/{}", "é".repeat(crate::MAX_TAG_VALUE_LEN));
        let tag = UrlRedactor::default().redact(&long);
        assert!(tag.len() <= crate::MAX_TAG_VALUE_LEN);
        assert!(tag.ends_with('…'));
    }

    #[test]
    fn texts_lose_every_secret_of_the_url() {
        let redactor = UrlRedactor::allowing(["page"]);
        let url = "https://alice:pass-word@api.example/v1?api_key=SECRET-1&page=2&token#frag-ment";
        let message = format!(
            "error for url ({url}); retried alice:pass-word with SECRET-1, pass-word, ?api_key=SECRET-1&page=2&token, frag-ment"
        );
        let text = redactor.redact_text(&message, url);
        for secret in ["alice", "pass-word", "SECRET-1", "frag-ment", "token"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.starts_with(
            "error for url (https://api.example/v1?api_key=REDACTED&page=2&REDACTED);"
        ));
    }

    #[test]
    fn texts_about_urls_without_secrets_are_kept() {
        let redactor = UrlRedactor::allowing(["page"]);
        for url in ["http://api.example/v1", "/p?page=2"] {
            let message = format!("error for url ({url}) at 1");
            assert_eq!(redactor.redact_text(&message, url), message);
        }
        // Short pieces are redacted in the URL, not elsewhere.
        assert_eq!(
            redactor.redact_text("(http://a@b/p?q=1) a 1", "http://a@b/p?q=1"),
            "(http://b/p?q=REDACTED) a 1"
        );
    }
}
