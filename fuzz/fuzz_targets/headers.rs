//! Turns fuzz input into header maps that reach deep into a codec: each line is one header,
//! its first byte picks a name from the codec's own names (or a random one), the rest is the
//! value as raw bytes, so invalid UTF-8, repeats and huge values all occur.

use http::{HeaderMap, HeaderName, HeaderValue};

pub fn header_map(data: &[u8], names: &[&'static str]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        let Some((&selector, value)) = line.split_first() else {
            continue;
        };
        let name = match names.get(usize::from(selector) % (names.len() + 1)) {
            Some(name) => HeaderName::from_static(name),
            None => match HeaderName::from_bytes(value.split(|&b| b == b':').next().unwrap_or(b"")) {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(name, value);
        }
    }
    headers
}
