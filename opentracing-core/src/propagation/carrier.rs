//! Text carriers: the [`Injector`] and [`Extractor`] traits and their implementations for
//! maps and `http::HeaderMap`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;

/// A text carrier that a context can be written into.
pub trait Injector {
    /// Sets `key` to `value`, replacing any earlier value. A carrier that cannot hold the pair
    /// (a header name with a space, say) skips it.
    fn set(&mut self, key: &str, value: &str);

    /// [`set`](Self::set) for a constant, lower-case key and an owned value, which lets
    /// header maps store both without copying. Codecs use it on the hot path.
    fn set_owned(&mut self, key: &'static str, value: String) {
        self.set(key, &value);
    }

    /// Sets `key` to a constant `value`, such as a sampling flag. Carriers that can keep a
    /// `&'static str` without copying it (`HeaderMap`) override this.
    fn set_static(&mut self, key: &'static str, value: &'static str) {
        self.set(key, value);
    }
}

/// A text carrier that a context can be read from.
///
/// Keys are matched case-insensitively (ASCII), as HTTP header names are; values that are
/// not valid UTF-8 are treated as absent.
pub trait Extractor {
    /// The first value of `key`.
    fn get(&self, key: &str) -> Option<&str>;

    /// Calls `f` for every key and value, in the carrier's order.
    fn for_each(&self, f: &mut dyn FnMut(&str, &str));

    /// Calls `f` for every value of `key` (headers such as `tracestate` may repeat), in order.
    fn for_each_value(&self, key: &str, f: &mut dyn FnMut(&str)) {
        self.for_each(&mut |k, v| {
            if k.eq_ignore_ascii_case(key) {
                f(v);
            }
        });
    }

    /// Calls `f` for every key that starts with `prefix` (ASCII case ignored) and its value,
    /// in the carrier's order: how codecs read a family of keys such as `uberctx-*`. The
    /// provided method reads every entry; carriers that can skip the others without
    /// decoding their values override it.
    fn for_each_prefixed(&self, prefix: &str, f: &mut dyn FnMut(&str, &str)) {
        self.for_each(&mut |key, value| {
            if strip_prefix_ignore_case(key, prefix).is_some() {
                f(key, value);
            }
        });
    }

    /// The value of a key that must not repeat, such as a header carrying ids: `Err` when
    /// it appears more than once, since which one to trust cannot be told. The provided
    /// method looks the key up twice; carriers that can tell in one lookup override it.
    fn get_unique(&self, key: &str) -> Result<Option<&str>, Repeated> {
        let mut count = 0usize;
        self.for_each_value(key, &mut |_| count += 1);
        match count {
            0 | 1 => Ok(self.get(key)),
            _ => Err(Repeated),
        }
    }
}

/// A key that must appear at most once appears more often; see [`Extractor::get_unique`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repeated;

impl fmt::Display for Repeated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key that must appear once is repeated")
    }
}

impl std::error::Error for Repeated {}

/// String maps: lookups try the exact key, then any case.
macro_rules! map_carrier {
    ($($map:ty $(where $param:ident: $bound:path)?),*) => {$(
        impl$(<$param: $bound>)? Injector for $map {
            fn set(&mut self, key: &str, value: &str) {
                self.insert(key.to_owned(), value.to_owned());
            }
        }

        impl$(<$param: $bound>)? Extractor for $map {
            fn get(&self, key: &str) -> Option<&str> {
                let exact = <$map>::get(self, key);
                exact
                    .or_else(|| self.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
                    .map(String::as_str)
            }

            fn for_each(&self, f: &mut dyn FnMut(&str, &str)) {
                self.iter().for_each(|(k, v)| f(k, v));
            }
        }
    )*};
}
map_carrier!(HashMap<String, String, S> where S: BuildHasher, BTreeMap<String, String>);

/// A list of pairs keeps repeated keys, like raw headers.
impl Injector for Vec<(String, String)> {
    fn set(&mut self, key: &str, value: &str) {
        self.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.push((key.to_owned(), value.to_owned()));
    }
}

impl Extractor for Vec<(String, String)> {
    fn get(&self, key: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    fn for_each(&self, f: &mut dyn FnMut(&str, &str)) {
        self.iter().for_each(|(k, v)| f(k, v));
    }
}

#[cfg(feature = "http")]
mod header_map {
    use http::header::{HeaderMap, HeaderName, HeaderValue};

    use super::{Extractor, Injector, Repeated, strip_prefix_ignore_case};

    impl Injector for HeaderMap {
        fn set(&mut self, key: &str, value: &str) {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(key.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                self.insert(name, value);
            }
        }

        fn set_owned(&mut self, key: &'static str, value: String) {
            if let (Some(name), Ok(value)) = (static_name(key), HeaderValue::try_from(value)) {
                self.insert(name, value);
            }
        }

        fn set_static(&mut self, key: &'static str, value: &'static str) {
            // `from_static` keeps the text instead of copying it, but panics on a byte a
            // header value cannot hold: check first, as it would.
            let valid = value
                .bytes()
                .all(|b| b == b'\t' || (0x20..0x7f).contains(&b));
            if let (Some(name), true) = (static_name(key), valid) {
                self.insert(name, HeaderValue::from_static(value));
            }
        }
    }

    /// The header name for a static key: parsed at compile time for the names the codecs
    /// write, else shared rather than copied when it is a lower-case token (`from_static`
    /// panics on anything else), else parsed; `None` when it is not a header name.
    fn static_name(key: &'static str) -> Option<HeaderName> {
        use crate::propagation::{b3, jaeger, ot_headers, w3c_baggage, w3c_trace_context};
        macro_rules! parsed_once {
            ($($name:path),* $(,)?) => {
                match key {
                    $($name => return Some(const { HeaderName::from_static($name) }),)*
                    _ => {}
                }
            };
        }
        parsed_once!(
            w3c_trace_context::TRACEPARENT,
            w3c_trace_context::TRACESTATE,
            w3c_baggage::BAGGAGE,
            b3::SINGLE,
            b3::TRACE_ID,
            b3::SPAN_ID,
            b3::PARENT_ID,
            b3::SAMPLED,
            b3::FLAGS,
            jaeger::TRACE_CONTEXT,
            ot_headers::TRACE_ID,
            ot_headers::SPAN_ID,
            ot_headers::SAMPLED,
        );
        if is_lower_case_token(key) {
            Some(HeaderName::from_static(key))
        } else {
            HeaderName::from_bytes(key.as_bytes()).ok()
        }
    }

    /// A valid `HeaderName::from_static` argument: a non-empty RFC 9110 token, lower-case.
    fn is_lower_case_token(key: &str) -> bool {
        const TOKEN: [bool; 256] = {
            let mut table = [false; 256];
            let mut byte = 0;
            while byte < 256 {
                table[byte] = matches!(byte as u8, b'a'..=b'z' | b'0'..=b'9' | b'!' | b'#' | b'$'
                    | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~');
                byte += 1;
            }
            table
        };
        !key.is_empty() && key.bytes().all(|byte| TOKEN[usize::from(byte)])
    }

    impl Extractor for HeaderMap {
        fn get(&self, key: &str) -> Option<&str> {
            first_value(self, key)?.0.to_str().ok()
        }

        fn for_each(&self, f: &mut dyn FnMut(&str, &str)) {
            for (name, value) in self {
                if let Ok(value) = value.to_str() {
                    f(name.as_str(), value);
                }
            }
        }

        fn for_each_prefixed(&self, prefix: &str, f: &mut dyn FnMut(&str, &str)) {
            // Names are lower case: a lower-case prefix is compared as it is.
            let lower = !has_upper_case(prefix);
            for (name, value) in self {
                let name = name.as_str();
                let starts = if lower {
                    name.starts_with(prefix)
                } else {
                    strip_prefix_ignore_case(name, prefix).is_some()
                };
                if starts && let Ok(value) = value.to_str() {
                    f(name, value);
                }
            }
        }

        fn for_each_value(&self, key: &str, f: &mut dyn FnMut(&str)) {
            let read = |value: &HeaderValue| {
                if let Ok(value) = value.to_str() {
                    f(value);
                }
            };
            if !scanned(self, key) {
                self.get_all(key).iter().for_each(read);
            } else if let Some(values) = scan(self, key) {
                values.for_each(read);
            }
        }

        fn get_unique(&self, key: &str) -> Result<Option<&str>, Repeated> {
            match first_value(self, key) {
                None => Ok(None),
                Some((_, true)) => Err(Repeated),
                Some((value, false)) => Ok(value.to_str().ok()),
            }
        }
    }

    /// Up to this many names, a map is scanned before it is hashed.
    const SCAN_LIMIT: usize = 16;

    /// Whether to find `key` by walking the map's entries rather than by the map's lookup,
    /// which parses and hashes the key. Most requests have a few headers, and most keys that
    /// codecs ask for are absent: a walk then costs a few length comparisons, and finds a
    /// present name without hashing it either. (Names in a `HeaderMap` are lower case: a key
    /// with upper case letters goes to the lookup, which folds case.)
    fn scanned(map: &HeaderMap, key: &str) -> bool {
        map.keys_len() <= SCAN_LIMIT && !has_upper_case(key)
    }

    /// Eight bytes at a time: a byte is an upper-case letter when adding `0x80 - b'A'` sets
    /// its high bit and adding `0x80 - b'Z' - 1` does not (bytes of `0x80` and over never
    /// count: they are not letters, and their own high bit is cleared first).
    pub(super) fn has_upper_case(key: &str) -> bool {
        const EACH: u64 = u64::from_ne_bytes([1; 8]);
        let upper = |word: u64| {
            let ascii = word & (EACH * 0x7f);
            let from_a = ascii + EACH * u64::from(0x80 - b'A');
            let past_z = ascii + EACH * u64::from(0x80 - b'Z' - 1);
            from_a & !past_z & !word & (EACH * 0x80) != 0
        };
        let bytes = key.as_bytes();
        let mut words = bytes.chunks_exact(8);
        if words.any(|word| upper(u64::from_ne_bytes(word.try_into().unwrap_or_default()))) {
            return true;
        }
        words.remainder().iter().any(u8::is_ascii_uppercase)
    }

    /// The values of `key` in a small map, found by walking it: names alone first (quick for
    /// a key that is absent), then names with values up to the one found.
    fn scan<'m>(
        map: &'m HeaderMap,
        key: &str,
    ) -> Option<impl Iterator<Item = &'m HeaderValue> + 'm> {
        let name = map.keys().find(|name| name.as_str() == key)?;
        // The map's iterator gives an entry's further values right after its first one.
        let values = map
            .iter()
            .skip_while(move |(other, _)| !std::ptr::eq(*other, name))
            .take_while(move |(other, _)| std::ptr::eq(*other, name))
            .map(|(_, value)| value);
        Some(values)
    }

    /// The first value of `key`, and whether another follows.
    fn first_value<'m>(map: &'m HeaderMap, key: &str) -> Option<(&'m HeaderValue, bool)> {
        fn first_of<'m>(
            mut values: impl Iterator<Item = &'m HeaderValue>,
        ) -> Option<(&'m HeaderValue, bool)> {
            let first = values.next()?;
            Some((first, values.next().is_some()))
        }
        if scanned(map, key) {
            first_of(scan(map, key)?)
        } else {
            first_of(map.get_all(key).iter())
        }
    }
}

/// `key` without `prefix`, matched ignoring ASCII case (`Ot-Baggage-`, `UBERCTX-`).
pub(crate) fn strip_prefix_ignore_case<'a>(key: &'a str, prefix: &str) -> Option<&'a str> {
    let head = key.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| key.get(prefix.len()..))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_match_keys_case_insensitively() {
        let mut map = HashMap::new();
        map.set("Ot-Tracer-SpanId", "1");
        assert_eq!(Extractor::get(&map, "ot-tracer-spanid"), Some("1"));
        let tree: BTreeMap<_, _> = map.into_iter().collect();
        assert_eq!(Extractor::get(&tree, "OT-TRACER-SPANID"), Some("1"));
    }

    #[test]
    fn pair_lists_keep_repeated_keys_in_order() {
        let pairs = vec![
            ("tracestate".to_owned(), "a=1".to_owned()),
            ("other".to_owned(), "x".to_owned()),
            ("TraceState".to_owned(), "b=2".to_owned()),
        ];
        let mut seen = Vec::new();
        pairs.for_each_value("tracestate", &mut |v| seen.push(v.to_owned()));
        assert_eq!(seen, ["a=1", "b=2"]);
        assert_eq!(pairs.get_unique("TRACESTATE"), Err(Repeated));
        assert_eq!(pairs.get_unique("other"), Ok(Some("x")));
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_maps_skip_what_they_cannot_hold() {
        use http::HeaderMap;
        let mut headers = HeaderMap::new();
        headers.set("bad name", "v");
        headers.set("ok", "bad\nvalue");
        assert!(headers.is_empty());
        headers.set_owned("bad name", "v".to_owned());
        headers.set_owned("ok", "bad\nvalue".to_owned());
        assert!(headers.is_empty());
        headers.set_static("bad name", "v");
        headers.set_static("ok", "bad\nvalue");
        assert!(headers.is_empty());
        headers.set_static("x-b3-sampled", "1");
        headers.set_static("Custom-Flag", "on\tand on");
        assert_eq!(headers["x-b3-sampled"], "1");
        assert_eq!(headers["custom-flag"], "on\tand on");
        headers.clear();
        headers.set_owned("Upper", "v".to_owned());
        headers.set_owned("traceparent", "v".to_owned());
        assert_eq!(headers["upper"], "v");
        assert_eq!(headers["traceparent"], "v");
        headers.clear();
        headers.set("X-B3-TraceId", "1");
        assert_eq!(Extractor::get(&headers, "x-b3-traceid"), Some("1"));
        headers.insert("bin", http::HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(Extractor::get(&headers, "bin"), None);
        let mut count = 0;
        headers.for_each(&mut |_, _| count += 1);
        assert_eq!(count, 1);
        assert_eq!(headers.get_unique("bin"), Ok(None));
        assert_eq!(headers.get_unique("x-b3-traceid"), Ok(Some("1")));
        headers.append("x-b3-traceid", http::HeaderValue::from_static("2"));
        assert_eq!(headers.get_unique("X-B3-TraceId"), Err(Repeated));
        assert_eq!(headers.get_unique("absent"), Ok(None));
    }

    #[test]
    fn upper_case_is_found_eight_bytes_at_a_time() {
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut key = vec![b'a'; len];
                    key[at] = byte;
                    let key = String::from_utf8_lossy(&key);
                    let expected = key.bytes().any(|b| b.is_ascii_uppercase());
                    assert_eq!(header_map::has_upper_case(&key), expected, "{key:?}");
                }
            }
        }
    }

    #[test]
    fn prefixed_keys_are_read_in_order_from_every_carrier() {
        let pairs = [
            ("UberCtx-A", "1"),
            ("host", "example.com"),
            ("uberctx-b", "2"),
            ("uber", "x"),
        ];
        let list: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut headers = http::HeaderMap::new();
        for (key, value) in pairs {
            headers.set(key, value);
        }
        headers.insert(
            "uberctx-bin",
            http::HeaderValue::from_bytes(b"\xff").unwrap(),
        );
        let read = |carrier: &dyn Extractor| {
            let mut seen = Vec::new();
            carrier.for_each_prefixed("uberctx-", &mut |k, v| {
                seen.push(format!("{}={v}", k.to_ascii_lowercase()));
            });
            seen
        };
        assert_eq!(read(&list), ["uberctx-a=1", "uberctx-b=2"]);
        assert_eq!(read(&headers), ["uberctx-a=1", "uberctx-b=2"]);
    }

    #[test]
    fn header_maps_answer_the_same_scanned_or_hashed() {
        use http::HeaderMap;
        for filler in [0, 40] {
            let mut headers = HeaderMap::new();
            for i in 0..filler {
                headers.set(&format!("x-filler-{i}"), "f");
            }
            headers.set("traceparent", "t");
            headers.append("tracestate", http::HeaderValue::from_static("a=1"));
            headers.append("tracestate", http::HeaderValue::from_static("b=2"));
            headers.set("content-type", "text/plain");
            assert_eq!(headers.len() > 16, filler > 0);
            assert_eq!(Extractor::get(&headers, "TraceParent"), Some("t"));
            assert_eq!(Extractor::get(&headers, "Content-Type"), Some("text/plain"));
            assert_eq!(Extractor::get(&headers, "tracestat"), None);
            assert_eq!(Extractor::get(&headers, "bad name"), None);
            assert_eq!(Extractor::get(&headers, "tracestate"), Some("a=1"));
            for key in ["tracestate", "TRACESTATE"] {
                let mut states = Vec::new();
                headers.for_each_value(key, &mut |v| states.push(v.to_owned()));
                assert_eq!(states, ["a=1", "b=2"]);
                assert_eq!(headers.get_unique(key), Err(Repeated));
            }
            let mut types = Vec::new();
            headers.for_each_value("content-type", &mut |v| types.push(v.to_owned()));
            assert_eq!(types, ["text/plain"]);
            headers.append(
                "content-type",
                http::HeaderValue::from_bytes(b"\xff").unwrap(),
            );
            headers.append("content-type", http::HeaderValue::from_static("text/html"));
            types.clear();
            headers.for_each_value("content-type", &mut |v| types.push(v.to_owned()));
            assert_eq!(types, ["text/plain", "text/html"]);
            assert_eq!(headers.get_unique("content-type"), Err(Repeated));
            assert_eq!(headers.get_unique("traceparent"), Ok(Some("t")));
        }
    }

    #[test]
    fn prefixes_match_without_regard_to_case() {
        assert_eq!(
            strip_prefix_ignore_case("Ot-Baggage-Key", "ot-baggage-"),
            Some("Key")
        );
        assert_eq!(strip_prefix_ignore_case("ot-bag", "ot-baggage-"), None);
        assert_eq!(strip_prefix_ignore_case("é-baggage-k", "ot-baggage-"), None);
    }
}
