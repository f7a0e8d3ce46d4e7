//! W3C Baggage: the `baggage` header.

use std::borrow::Cow;

use super::baggage_limits::{MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ITEMS};
use super::list::{ListScanner, Piece, split_once_byte, trim_ows};
use super::{Extractor, Injector};
use crate::baggage::{Baggage, BaggageBuilder};

pub(super) const BAGGAGE: &str = "baggage";
/// How many bytes of `baggage` header values are read, all values together: room for the
/// kept 8 KiB plus properties and whitespace. Members that end past it are dropped.
const MAX_SCAN_BYTES: usize = 4 * MAX_BAGGAGE_BYTES;

/// W3C Baggage: `baggage: key1=value1,key2=value2`, values percent-encoded UTF-8.
///
/// Not a [`Codec`](super::Codec): baggage is not a span context. A tracer reads and writes
/// it next to one.
///
/// - Keys are HTTP tokens, kept as sent (case-sensitive). Baggage items whose key is not a
///   token are not written.
/// - Values are percent-decoded on reading (a `+` is a `+`; bytes that are not UTF-8 become
///   U+FFFD); a member with a malformed `%` escape, a bad key or a bad character is dropped.
/// - Properties (`;name=value` after a value) are ignored: [`Baggage`] has no place for
///   them.
/// - Of repeated keys the first is kept.
/// - Limits, on each side: at most 64 members and 8192 bytes of `key=value` members and
///   their commas (the spec's minimum). Members beyond them are dropped whole, never cut;
///   a later, smaller member may still fit. Reading stops after 32 KiB of input.
#[derive(Clone, Copy, Debug, Default)]
pub struct W3cBaggage;

impl W3cBaggage {
    /// Writes `baggage` as one `baggage` header; nothing when no item can be written.
    pub fn inject(&self, baggage: &Baggage, carrier: &mut dyn Injector) {
        let header = encode(baggage);
        if !header.is_empty() {
            carrier.set_owned(BAGGAGE, header);
        }
    }

    /// Reads every `baggage` header, in order; empty when there is none or nothing valid.
    pub fn extract(&self, carrier: &dyn Extractor) -> Baggage {
        let mut reader = Reader::default();
        carrier.for_each_value(BAGGAGE, &mut |value| reader.push(value));
        reader.baggage.build()
    }
}

/// The header for `baggage`, within the limits.
fn encode(baggage: &Baggage) -> String {
    let mut header = String::new();
    let mut count = 0;
    for (key, value) in baggage {
        if count == MAX_BAGGAGE_ITEMS {
            break;
        }
        let separator = usize::from(!header.is_empty());
        let len = separator + key.len() + 1 + encoded_len(value);
        if !is_token(key) || header.len() + len > MAX_BAGGAGE_BYTES {
            continue;
        }
        if separator == 1 {
            header.push(',');
        }
        header.push_str(key);
        header.push('=');
        push_encoded(&mut header, value);
        count += 1;
    }
    header
}

/// Whether `b` may appear unescaped in a value. `%` may by the grammar, but must be escaped.
fn is_plain(b: u8) -> bool {
    BYTE_CLASSES[usize::from(b)] & PLAIN != 0
}

fn encoded_len(value: &str) -> usize {
    value.bytes().map(|b| if is_plain(b) { 1 } else { 3 }).sum()
}

/// Appends `value` percent-encoded (RFC 3986, upper-case hex), runs of plain bytes at once.
fn push_encoded(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut run_start = 0;
    for (at, b) in value.bytes().enumerate() {
        if is_plain(b) {
            continue;
        }
        // A run of plain bytes is ASCII, so it starts and ends on character boundaries.
        out.push_str(value.get(run_start..at).unwrap_or_default());
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
        run_start = at + 1;
    }
    out.push_str(value.get(run_start..).unwrap_or_default());
}

/// Reads `baggage` header values one at a time, with bounded work: it stops at the 64th
/// member or after [`MAX_SCAN_BYTES`], and allocates only for the members it keeps.
struct Reader {
    baggage: BaggageBuilder,
    /// Bytes of the kept members, with their separating commas.
    bytes: usize,
    scanner: ListScanner,
    /// Where escaped values are decoded.
    decoded: Vec<u8>,
    done: bool,
}

impl Default for Reader {
    fn default() -> Self {
        Self {
            baggage: BaggageBuilder::default(),
            bytes: 0,
            scanner: ListScanner::new(MAX_SCAN_BYTES),
            decoded: Vec::new(),
            done: false,
        }
    }
}

impl Reader {
    fn push(&mut self, value: &str) {
        if self.done {
            return;
        }
        for piece in self.scanner.pieces(value) {
            let Piece::Member(member) = piece else {
                // The member runs past the scan limit: dropped, and nothing after it is read.
                self.done = true;
                return;
            };
            self.push_member(member);
            if self.baggage.len() == MAX_BAGGAGE_ITEMS {
                self.done = true;
                return;
            }
        }
    }

    fn push_member(&mut self, member: &str) {
        let Some((key, value)) = parse_member(member) else {
            return;
        };
        let separator = usize::from(self.baggage.len() > 0);
        let len = separator + key.len() + 1 + value.len();
        if self.bytes + len > MAX_BAGGAGE_BYTES {
            return;
        }
        if let Some(value) = percent_decode(value, &mut self.decoded)
            && self.baggage.add_first(key, &value)
        {
            self.bytes += len;
        }
    }
}

/// The key and the still-encoded value of `key OWS "=" OWS value *(OWS ";" OWS property)`.
fn parse_member(member: &str) -> Option<(&str, &str)> {
    // A value has no `;`, so the first one starts the properties, which are ignored.
    let pair = split_once_byte(member, b';').map_or(member, |(pair, _properties)| pair);
    // A value may contain `=`: the first one ends the key.
    let (key, value) = split_once_byte(pair, b'=')?;
    let (key, value) = (trim_ows(key), trim_ows(value));
    (is_token(key) && value.bytes().all(is_baggage_octet)).then_some((key, value))
}

/// `value` with its `%XY` escapes (either case) decoded into `bytes` if it has any; `None`
/// for a malformed escape. Bytes that are not UTF-8 become U+FFFD.
fn percent_decode<'a>(value: &'a str, bytes: &'a mut Vec<u8>) -> Option<Cow<'a, str>> {
    if memchr::memchr(b'%', value.as_bytes()).is_none() {
        return Some(Cow::Borrowed(value));
    }
    bytes.clear();
    let mut rest = value.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        if b != b'%' {
            bytes.push(b);
            continue;
        }
        let [hi, lo, tail @ ..] = rest else {
            return None;
        };
        bytes.push(hex_digit(*hi)? << 4 | hex_digit(*lo)?);
        rest = tail;
    }
    Some(String::from_utf8_lossy(bytes))
}

fn hex_digit(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// An RFC 9110 token: one or more of ``!#$%&'*+-.^_`|~``, digits and letters.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| BYTE_CLASSES[usize::from(b)] & TOKEN != 0)
}

/// `baggage-octet`: printable ASCII except space, `"`, `,`, `;` and `\`.
fn is_baggage_octet(b: u8) -> bool {
    BYTE_CLASSES[usize::from(b)] & OCTET != 0
}

/// What each byte may be, as bits: [`TOKEN`], [`OCTET`], [`PLAIN`].
static BYTE_CLASSES: [u8; 256] = byte_classes();
/// A key character.
const TOKEN: u8 = 1;
/// A value character.
const OCTET: u8 = 2;
/// A value character written as it is.
const PLAIN: u8 = 4;

const fn byte_classes() -> [u8; 256] {
    let mut classes = [0; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let token = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        let octet = matches!(byte, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e);
        classes[b] = if token { TOKEN } else { 0 }
            | if octet { OCTET } else { 0 }
            | if octet && byte != b'%' { PLAIN } else { 0 };
        b += 1;
    }
    classes
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use proptest::prelude::*;

    use super::*;

    fn extract(values: &[&str]) -> BTreeMap<String, String> {
        let carrier: Vec<(String, String)> = values
            .iter()
            .map(|v| ("baggage".to_owned(), (*v).to_owned()))
            .collect();
        W3cBaggage
            .extract(&carrier)
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// Expected items, as `(key, value)`.
    type Items<'a> = &'a [(&'a str, &'a str)];

    fn items(pairs: Items<'_>) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn inject(baggage: &Baggage) -> Option<String> {
        let mut map = HashMap::new();
        W3cBaggage.inject(baggage, &mut map);
        assert!(map.len() <= 1);
        map.remove("baggage")
    }

    #[test]
    fn extract_table() {
        let spec = [
            ("userId", "alice"),
            ("serverNode", "DF 28"),
            ("isProduction", "false"),
        ];
        let rows: &[(&[&str], Items<'_>)] = &[
            // Nothing, or nothing valid.
            (&[], &[]),
            (&[""], &[]),
            (&[" , ,\t"], &[]),
            // The spec's examples: one header, or several; OWS around keys and values.
            (
                &["userId=alice,serverNode=DF%2028,isProduction=false"],
                &spec,
            ),
            (
                &["userId=alice", "serverNode=DF%2028,isProduction=false"],
                &spec,
            ),
            (
                &[
                    "userId =   alice",
                    "serverNode = DF%2028, isProduction = false",
                ],
                &spec,
            ),
            // Properties are ignored.
            (
                &["key1=value1;property1;property2, key2 = value2, key3=value3; pk=pv"],
                &[("key1", "value1"), ("key2", "value2"), ("key3", "value3")],
            ),
            // `=` may appear in a value; a value may be empty.
            (&["k=a=b,e="], &[("k", "a=b"), ("e", "")]),
            // Keys are tokens, kept as sent.
            (&["K!#$&'*+-.^_`|~9=v"], &[("K!#$&'*+-.^_`|~9", "v")]),
            (&["=v,a b=v,\"q\"=v,k(=v,é=v,ok=1"], &[("ok", "1")]),
            // No `=`: not a member.
            (&["novalue,ok=1"], &[("ok", "1")]),
            // Values: no whitespace inside, no `"`, `\` or non-ASCII.
            (&["a=x y,b=\"q\",c=x\\y,d=é,ok=1"], &[("ok", "1")]),
            // Percent-decoding: RFC 3986, either case; `+` is not a space.
            (
                &["a=%25,b=%c3%A9,c=a+b,d=%E2%9C%93"],
                &[("a", "%"), ("b", "é"), ("c", "a+b"), ("d", "✓")],
            ),
            // A malformed escape drops the member.
            (&["a=%,b=%4,c=%zz,d=%%41,ok=1"], &[("ok", "1")]),
            // Bytes that are not UTF-8 become U+FFFD.
            (&["a=%FF,b=x%C3"], &[("a", "\u{fffd}"), ("b", "x\u{fffd}")]),
            // Repeated keys: the first is kept.
            (&["k=1,k=2", "k=3"], &[("k", "1")]),
            (&["k=%zz,k=2"], &[("k", "2")]),
        ];
        for (values, expected) in rows {
            assert_eq!(extract(values), items(expected), "{values:?}");
        }
    }

    #[test]
    fn byte_classes_follow_the_grammar_for_every_byte() {
        for b in 0..=u8::MAX {
            let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            let octet = (0x21..=0x7e).contains(&b) && !b"\",;\\".contains(&b);
            assert_eq!(
                is_token(char::from(b).encode_utf8(&mut [0; 4])),
                tchar,
                "{b:#x}"
            );
            assert_eq!(is_baggage_octet(b), octet, "{b:#x}");
            assert_eq!(is_plain(b), octet && b != b'%', "{b:#x}");
        }
    }

    #[test]
    fn extract_limits() {
        // 64 members are kept, the 65th dropped.
        let many: Vec<String> = (0..65).map(|i| format!("k{i:02}=v")).collect();
        let got = extract(&[&many.join(",")]);
        assert_eq!(got.len(), 64);
        assert!(!got.contains_key("k64"));
        // 8192 bytes: a member that would pass them is dropped whole; a smaller one after it
        // may still fit.
        let big = format!("a={}", "x".repeat(8000));
        let too_big = format!("b={}", "y".repeat(200));
        let got = extract(&[&big, &too_big, "c=1"]);
        assert_eq!(got.keys().collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(got["a"].len(), 8000);
        // Exactly 8192 bytes of members and commas fit.
        let fill = format!("a={}", "x".repeat(8192 - 2 - 4));
        assert_eq!(extract(&[&fill, "b=1"]).len(), 2);
        assert_eq!(extract(&[&fill, "b=12"]).len(), 1);
        // A single member over the limit is dropped.
        let huge = format!("a={}", "x".repeat(8192));
        assert!(extract(&[&huge]).is_empty());
        // Properties and whitespace do not count.
        let with_properties = format!("{fill} ; {}", "p".repeat(1000));
        assert_eq!(extract(&[&with_properties, "b=1"]).len(), 2);
    }

    #[test]
    fn extract_bounds_work_on_huge_headers() {
        // 64 KiB of garbage, then a valid member: the member is past the scan limit.
        let garbage = "x".repeat(64 * 1024);
        assert!(extract(&[&garbage, "a=1"]).is_empty());
        let mixed = format!("a=1,{garbage},b=2");
        assert_eq!(extract(&[&mixed]), items(&[("a", "1")]));
        // Many members: reading stops at the 64th.
        let many = (0..100_000)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(extract(&[&many]).len(), 64);
        // A member cut by the limit is dropped, never truncated; multi-byte characters at
        // the cut do not panic.
        let filler = format!("z=1;{}", "p".repeat(MAX_SCAN_BYTES - 10));
        let cut = format!("{filler},cc=123456");
        assert_eq!(extract(&[&cut]), items(&[("z", "1")]));
        let wide = format!("a{}", "é".repeat(MAX_SCAN_BYTES));
        assert!(extract(&[&wide]).is_empty());
    }

    #[test]
    fn inject_table() {
        let write = |pairs: &[(&str, &str)]| inject(&pairs.iter().copied().collect());
        // No baggage, or no writable key: no header.
        assert_eq!(write(&[]), None);
        assert_eq!(write(&[("a b", "v"), ("", "v"), ("é", "v")]), None);
        // Sorted by key, invalid keys skipped.
        assert_eq!(
            write(&[
                ("userId", "alice"),
                ("bad key", "x"),
                ("isProduction", "false")
            ])
            .as_deref(),
            Some("isProduction=false,userId=alice")
        );
        // Everything outside baggage-octet is escaped, and `%` too.
        assert_eq!(
            write(&[("k", "DF 28 \"q\" a,b;c\\d %é\t\u{1}=!~")]).as_deref(),
            Some("k=DF%2028%20%22q%22%20a%2Cb%3Bc%5Cd%20%25%C3%A9%09%01=!~")
        );
        assert_eq!(write(&[("k", "")]).as_deref(), Some("k="));
    }

    #[test]
    fn inject_limits() {
        // At most 64 members.
        let many: Baggage = (0..70).map(|i| (format!("k{i:02}"), "v")).collect();
        let header = inject(&many).unwrap();
        assert_eq!(header.split(',').count(), 64);
        assert!(!header.contains("k64="));
        // At most 8192 bytes: members that do not fit are dropped whole, smaller ones after
        // them still written.
        let baggage: Baggage = [
            ("a", "x".repeat(8000)),
            ("b", "é".repeat(40)), // 240 bytes escaped
            ("c", "1".to_owned()),
        ]
        .into_iter()
        .collect();
        let header = inject(&baggage).unwrap();
        assert_eq!(header.len(), 8002 + 4);
        assert!(header.ends_with(",c=1"));
        let huge: Baggage = [("a", "x".repeat(8191))].into_iter().collect();
        assert_eq!(inject(&huge), None);
    }

    /// Baggage with token keys and arbitrary values, ASCII and not.
    fn any_baggage() -> impl Strategy<Value = Baggage> {
        proptest::collection::btree_map(
            "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}",
            prop_oneof!["[ -~]{0,16}", "\\PC{0,8}", ".{0,16}", "[\\x00-\\x7f]{0,16}"],
            0..12,
        )
        .prop_map(|items| items.into_iter().collect())
    }

    proptest! {
        #[test]
        fn round_trips_through_maps(baggage in any_baggage()) {
            let mut map = HashMap::new();
            W3cBaggage.inject(&baggage, &mut map);
            prop_assert_eq!(W3cBaggage.extract(&map), baggage);
        }

        #[cfg(feature = "http")]
        #[test]
        fn round_trips_through_header_maps(baggage in any_baggage()) {
            let mut headers = http::HeaderMap::new();
            W3cBaggage.inject(&baggage, &mut headers);
            prop_assert_eq!(W3cBaggage.extract(&headers), baggage);
        }

        #[test]
        fn never_panics(values in proptest::collection::vec(any::<String>(), 0..4)) {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let _ = extract(&values);
        }

        #[test]
        fn keeps_valid_keys_within_limits(values in proptest::collection::vec(
            "([ \t]*[A-Za-z0-9 %]{0,4}[ \t]*=?[ \t]*[!-~ %]{0,30}(;[ -~]{0,5})?,?){0,200}",
            0..3,
        )) {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let got = extract(&values);
            prop_assert!(got.len() <= MAX_BAGGAGE_ITEMS);
            prop_assert!(got.keys().all(|key| is_token(key)));
        }
    }
}
