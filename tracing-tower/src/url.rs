//! The `http.url` tag: a URL without its secrets.

use std::borrow::Cow;
use std::sync::Arc;

use percent_encoding::percent_decode_str;

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
        let parts = Parts::of(url);
        self.redact_parts(&[parts.scheme, parts.host_and_path], parts.query)
    }

    /// [`redact`](Self::redact) for a request's URI: its path and query as `http` parsed
    /// them when the request gave no scheme and host (the usual origin form; a request
    /// target has no fragment), without formatting the URI or searching it again.
    pub fn redact_uri(&self, uri: &http::Uri) -> String {
        match (uri.scheme(), uri.authority()) {
            (None, None) => self.redact_parts(&[uri.path()], uri.query()),
            _ => self.redact(&uri.to_string()),
        }
    }

    /// The URL made of `base` (its pieces before the query, without userinfo) and the
    /// redacted `query`.
    fn redact_parts(&self, base: &[&str], query: Option<&str>) -> String {
        let base_len: usize = base.iter().map(|piece| piece.len()).sum();
        let query_len = query.map_or(0, |query| 1 + query.len());
        let mut out = String::with_capacity(base_len + query_len);
        base.iter().for_each(|piece| out.push_str(piece));
        if let Some(query) = query {
            out.push('?');
            for (i, pair) in query.split('&').enumerate() {
                if i > 0 {
                    out.push('&');
                }
                match self.hidden_value(pair) {
                    Some(value) if value.len() < pair.len() => {
                        out.push_str(&pair[..pair.len() - value.len()]);
                        out.push_str(REDACTED);
                    }
                    Some(_) => out.push_str(REDACTED),
                    None => out.push_str(pair),
                }
            }
        }
        bounded(out)
    }

    /// The part of a query piece that is hidden: the value of `name=value` unless `name`
    /// is allowed, a whole piece without `=` (it may be a secret itself, `/verify?<token>`)
    /// unless allowed or empty.
    fn hidden_value<'p>(&self, pair: &'p str) -> Option<&'p str> {
        match pair.split_once('=') {
            Some((name, value)) => (!self.allows(name)).then_some(value),
            None => (!pair.is_empty() && !self.allows(pair)).then_some(pair),
        }
    }

    fn allows(&self, name: &str) -> bool {
        self.allowed.iter().any(|allowed| **allowed == *name)
    }

    /// `text` (an error message, say) without the secrets of `url`: `url` as written becomes
    /// its [redacted](Self::redact) form, and its userinfo, user name, password, query,
    /// fragment and hidden query values, as written or percent-decoded, become [`REDACTED`]
    /// wherever else they appear. Pieces shorter than four bytes are left alone elsewhere
    /// (a value such as `1` is no secret, and would mangle the text).
    ///
    /// ```
    /// use tracing_tower::UrlRedactor;
    ///
    /// let url = "http://me:hunter22@api.example/v1?api_key=SECRET%2B1";
    /// let message = format!("error sending request for url ({url}): SECRET+1 refused");
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
            if out.contains(&*secret) {
                out = out.replace(&*secret, REDACTED);
            }
        }
        out
    }

    /// The pieces of `url` that [`redact`](Self::redact) removes or hides, as written and
    /// percent-decoded, four bytes or longer.
    fn secrets<'u>(&self, url: &'u str) -> Vec<Cow<'u, str>> {
        let parts = Parts::of(url);
        let mut secrets = vec![parts.fragment.unwrap_or_default()];
        if let Some(userinfo) = parts.userinfo {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            secrets.extend([userinfo, user, password]);
        }
        let query = parts.query.unwrap_or_default();
        let hidden: Vec<&str> = query
            .split('&')
            .filter_map(|pair| self.hidden_value(pair))
            .collect();
        if !hidden.is_empty() {
            secrets.push(query);
            secrets.extend(hidden);
        }
        let mut all: Vec<Cow<'u, str>> = Vec::with_capacity(2 * secrets.len());
        for secret in secrets {
            let decoded = percent_decode_str(&secret.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
            if decoded != secret {
                all.push(Cow::Owned(decoded));
            }
            all.push(Cow::Borrowed(secret));
        }
        all.retain(|secret| secret.len() >= 4);
        all
    }
}

/// A URL split where its secrets are: `{scheme}{userinfo@}{host_and_path}?{query}#{fragment}`,
/// where `scheme` keeps its `://` and `host_and_path` may be a path alone or an authority
/// alone (as in `CONNECT`).
struct Parts<'u> {
    scheme: &'u str,
    userinfo: Option<&'u str>,
    host_and_path: &'u str,
    query: Option<&'u str>,
    fragment: Option<&'u str>,
}

impl<'u> Parts<'u> {
    fn of(url: &'u str) -> Self {
        let (url, fragment) = split(url, '#');
        let (base, query) = split(url, '?');
        if base.starts_with('/') {
            return Self {
                scheme: "",
                userinfo: None,
                host_and_path: base,
                query,
                fragment,
            };
        }
        let scheme_len = base.find("://").map_or(0, |at| at + 3);
        let (scheme, rest) = base.split_at(scheme_len);
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        let (userinfo, host_and_path) = match authority.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        Self {
            scheme,
            userinfo,
            host_and_path,
            query,
            fragment,
        }
    }
}

/// `text` before and after the first `at`, if there is one.
fn split(text: &str, at: char) -> (&str, Option<&str>) {
    match text.split_once(at) {
        Some((before, after)) => (before, Some(after)),
        None => (text, None),
    }
}

/// Whether `url` may have userinfo, a query or a fragment: anything to hide at all.
pub(crate) fn may_hold_secrets(url: &str) -> bool {
    url.contains(['?', '#', '@'])
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
