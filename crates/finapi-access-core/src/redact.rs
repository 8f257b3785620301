//! Keeps secrets out of error texts: body snippets and server messages are scrubbed before
//! they are stored in an error.

/// The longest body snippet kept in an error, in characters.
pub(crate) const SNIPPET_CHARS: usize = 200;

use finapi_access_types::SecretString;

const REDACTED: &str = "[redacted]";

/// The secrets a request carried, so that anything the server echoes can be scrubbed.
/// Built per attempt on the hot path, so it borrows and does not allocate; the filtering
/// happens only when an error is being made.
#[derive(Default)]
pub(crate) struct Secrets<'a> {
    listed: Vec<&'a str>,
    borrowed: &'a [&'a str],
    owned: &'a [SecretString],
    token: Option<&'a str>,
}

impl std::fmt::Debug for Secrets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets([{} redacted])", self.all().count())
    }
}

impl<'a> Secrets<'a> {
    pub(crate) fn new(values: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            listed: values.into_iter().collect(),
            ..Self::default()
        }
    }

    /// The secrets of one attempt: the request's own, those the SDK lends it (the client
    /// secret, a password), and the bearer token.
    pub(crate) fn of_request(
        owned: &'a [SecretString],
        borrowed: &'a [&'a str],
        token: Option<&'a str>,
    ) -> Self {
        Self {
            listed: Vec::new(),
            borrowed,
            owned,
            token,
        }
    }

    fn all(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.listed
            .iter()
            .copied()
            .chain(self.borrowed.iter().copied())
            .chain(self.owned.iter().map(SecretString::expose_secret))
            .chain(self.token)
            // Very short values would blank out ordinary words; finAPI secrets are longer.
            .filter(|s| s.chars().count() >= 4)
    }

    /// `text` with every occurrence of a secret (raw or form-encoded) replaced.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in self.all() {
            out = out.replace(secret, REDACTED);
            let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            if encoded != secret {
                out = out.replace(&encoded, REDACTED);
            }
        }
        out
    }
}

fn is_sensitive_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["token", "password", "secret", "authorization"]
        .iter()
        .any(|word| key.contains(word))
}

fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if is_sensitive_key(key) && !value.is_null() {
                    *value = serde_json::Value::String(REDACTED.to_owned());
                } else {
                    redact_json(value);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// Redacts `key=value` pairs whose key looks sensitive, in text that is not JSON.
fn redact_pairs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let (before, after) = rest.split_at(eq);
        // The key starts after the last character that cannot be part of it (which may be
        // several bytes long: found by the fuzzer).
        let key_start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        out.push_str(before);
        out.push('=');
        let after = &after[1..];
        if is_sensitive_key(&before[key_start..]) {
            let end = after
                .find(|c: char| c == '&' || c == '"' || c == '<' || c == '\'' || c.is_whitespace())
                .unwrap_or(after.len());
            out.push_str(REDACTED);
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A short, secret-free excerpt of a response body for an error message.
pub(crate) fn snippet(body: &[u8], secrets: &Secrets<'_>) -> String {
    let text = String::from_utf8_lossy(body);
    let redacted = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut json) => {
            redact_json(&mut json);
            json.to_string()
        }
        Err(_) => redact_pairs(&text),
    };
    let collapsed: String = redacted.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&secrets.scrub(&collapsed), SNIPPET_CHARS)
}

/// A decoder error as text, with every quoted value removed (serde quotes the offending
/// value, which may be a token).
pub(crate) fn decode_reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let mut out = String::with_capacity(text.len());
    let mut in_quotes = false;
    for c in text.chars() {
        if c == '"' {
            if !in_quotes {
                out.push_str("\"…");
            }
            in_quotes = !in_quotes;
            if !in_quotes {
                out.push('"');
            }
        } else if !in_quotes {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_snippets_hide_sensitive_fields() {
        let body =
            br#"{"access_token":"tok-123456","nested":{"refreshToken":"r-abcdef"},"ok":"visible"}"#;
        let s = snippet(body, &Secrets::default());
        assert!(!s.contains("tok-123456") && !s.contains("r-abcdef"), "{s}");
        assert!(s.contains("visible"));
    }

    #[test]
    fn text_snippets_hide_pairs_and_known_secrets() {
        let body =
            b"<html>bad request client_secret=abc%26def&grant_type=password echo: hunter22</html>";
        let s = snippet(body, &Secrets::new(["hunter22"]));
        assert!(!s.contains("abc%26def") && !s.contains("hunter22"), "{s}");
        assert!(s.contains("grant_type=password"), "{s}");
    }

    #[test]
    fn multi_byte_characters_before_a_pair_do_not_panic() {
        // The fuzzer's crash input: a replacement character right before `=`.
        let s = snippet(b"4.\x00\xff=", &Secrets::default());
        assert!(s.ends_with('='), "{s}");
        let s = snippet("über€password=hunter22".as_bytes(), &Secrets::default());
        assert!(!s.contains("hunter22"), "{s}");
    }

    #[test]
    fn scrub_catches_form_encoded_secrets() {
        let secrets = Secrets::new(["p&ss w+rd"]);
        let s = secrets.scrub("got p%26ss+w%2Brd and p&ss w+rd");
        assert_eq!(s, "got [redacted] and [redacted]");
    }

    #[test]
    fn snippets_are_short_and_cut_on_char_boundaries() {
        let body = "ä".repeat(1000);
        let s = snippet(body.as_bytes(), &Secrets::default());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
    }

    #[test]
    fn decode_reasons_drop_quoted_values() {
        let err = serde_json::from_str::<u32>("\"tok-SECRET\"").unwrap_err();
        let reason = decode_reason(&err);
        assert!(!reason.contains("SECRET"), "{reason}");
        assert!(reason.contains("invalid type"), "{reason}");
    }
}
