//! The Web Form 2.0 spec's request rules, written from the spec (2.430.0) and its prose, not
//! from the SDK: the emulator is an independent oracle. Each check returns the field and a
//! message for a 400 `ValidationError`.

use serde_json::Value;

/// A refused field.
pub(crate) type Refusal = (String, String);

fn refuse(field: impl Into<String>, message: impl Into<String>) -> Refusal {
    (field.into(), message.into())
}

/// A checker over one JSON body, collecting every refused field (finAPI lists them all).
pub(crate) struct Check<'a> {
    body: &'a Value,
    pub(crate) refused: Vec<Refusal>,
}

impl<'a> Check<'a> {
    pub(crate) fn new(body: &'a Value) -> Self {
        let mut check = Self {
            body,
            refused: Vec::new(),
        };
        if !body.is_object() {
            check.refused.push(refuse("body", "must be a JSON object"));
        }
        check
    }

    fn at(&self, path: &str) -> Option<&'a Value> {
        let mut value = self.body;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            value = match (value, part.parse::<usize>()) {
                (Value::Array(items), Ok(index)) => items.get(index)?,
                _ => value.get(part)?,
            };
        }
        (!value.is_null()).then_some(value)
    }

    pub(crate) fn str_len(&mut self, path: &str, min: usize, max: usize, required: bool) {
        match self.at(path) {
            None if required => self.refused.push(refuse(path, "must not be null")),
            None => {}
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if n < min || n > max {
                    self.refused.push(refuse(
                        path,
                        format!("size must be between {min} and {max}"),
                    ));
                }
            }
            Some(_) => self.refused.push(refuse(path, "must be a string")),
        }
    }

    pub(crate) fn int(&mut self, path: &str, min: i64, max: i64, required: bool) {
        match self.at(path) {
            None if required => self.refused.push(refuse(path, "must not be null")),
            None => {}
            Some(v) => match v.as_i64() {
                Some(n) if n < min => self.refused.push(refuse(
                    path,
                    format!("must be greater than or equal to {min}"),
                )),
                Some(n) if n > max => self
                    .refused
                    .push(refuse(path, format!("must be less than or equal to {max}"))),
                Some(_) => {}
                None => self.refused.push(refuse(path, "must be an integer")),
            },
        }
    }

    pub(crate) fn boolean(&mut self, path: &str) {
        if let Some(v) = self.at(path)
            && !v.is_boolean()
        {
            self.refused.push(refuse(path, "must be a boolean"));
        }
    }

    pub(crate) fn one_of(&mut self, path: &str, allowed: &[&str], required: bool) {
        match self.at(path) {
            None if required => self.refused.push(refuse(path, "must not be null")),
            None => {}
            Some(Value::String(s)) if allowed.contains(&s.as_str()) => {}
            Some(_) => self.refused.push(refuse(
                path,
                format!("must be one of {}", allowed.join(", ")),
            )),
        }
    }

    /// An `https://` URL as the spec's pattern wants it; the emulator also takes `http://`
    /// URLs on loopback hosts (an emulator-only relaxation, for local tests).
    pub(crate) fn url(&mut self, path: &str) {
        self.str_len(path, 1, 2048, false);
        if let Some(Value::String(url)) = self.at(path)
            && !url_allowed(url)
        {
            self.refused.push(refuse(
                path,
                "must match https://(www\\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\\.[a-zA-Z0-9()]{1,63}\\b([-a-zA-Z0-9()@:%_+.~#?&/=]*)",
            ));
        }
    }

    /// The body's `profileId`, `redirectUrl` and callback URLs.
    pub(crate) fn common(&mut self, callback_fields: &[&str]) {
        self.str_len("profileId", 36, 36, false);
        self.url("redirectUrl");
        for field in callback_fields {
            self.url(&format!("callbacks.{field}"));
        }
    }

    pub(crate) fn amount(&mut self, path: &str) {
        match self.at(&format!("{path}.value")) {
            None => self
                .refused
                .push(refuse(format!("{path}.value"), "must not be null")),
            Some(v) => {
                let text = match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                };
                if !text.as_deref().is_some_and(positive_two_decimals) {
                    self.refused.push(refuse(
                        format!("{path}.value"),
                        "must be a positive decimal number with at most two decimal places",
                    ));
                }
            }
        }
        match self.at(&format!("{path}.currency")) {
            Some(Value::String(c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
            }
            _ => self.refused.push(refuse(
                format!("{path}.currency"),
                "must be a currency code",
            )),
        }
    }

    /// A date (`YYYY-MM-DD`) not before `today`.
    pub(crate) fn date(&mut self, path: &str, today: &str, required: bool, not_past: bool) {
        match self.at(path) {
            None if required => self.refused.push(refuse(path, "must not be null")),
            None => {}
            Some(Value::String(s)) if is_date(s) && not_past && s.as_str() < today => {
                self.refused.push(refuse(path, "must not be in the past"));
            }
            Some(Value::String(s)) if is_date(s) => {}
            Some(_) => self.refused.push(refuse(path, "must be a date YYYY-MM-DD")),
        }
    }

    pub(crate) fn account(&mut self, path: &str, with_bic: bool) {
        self.str_len(&format!("{path}.iban"), 1, 34, true);
        self.str_len(&format!("{path}.name"), 1, 70, true);
        if with_bic
            && let Some(Value::String(bic)) = self.at(&format!("{path}.bic"))
            && !is_bic(bic)
        {
            self.refused
                .push(refuse(format!("{path}.bic"), "must be a valid BIC"));
        }
    }

    pub(crate) fn order_texts(&mut self, path: &str) {
        self.str_len(&format!("{path}.purpose"), 1, 2000, false);
        self.str_len(&format!("{path}.endToEndId"), 1, 35, false);
        if let Some(Value::String(code)) = self.at(&format!("{path}.sepaPurposeCode"))
            && !(code.len() == 4 && code.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            self.refused.push(refuse(
                format!("{path}.sepaPurposeCode"),
                "must match ^[a-zA-Z0-9]{4}$",
            ));
        }
    }

    /// The `orders` array: 1 to 15,000 entries, each checked by `each` with its path.
    pub(crate) fn orders(&mut self, each: impl Fn(&mut Self, &str)) {
        match self.at("orders") {
            Some(Value::Array(orders)) if (1..=15_000).contains(&orders.len()) => {
                for i in 0..orders.len() {
                    each(self, &format!("orders.{i}"));
                }
            }
            _ => self
                .refused
                .push(refuse("orders", "size must be between 1 and 15000")),
        }
    }

    pub(crate) fn value(&self, path: &str) -> Option<&'a Value> {
        self.at(path)
    }
}

/// Field paths in errors read `orders[0].amount.value`, as finAPI writes them.
pub(crate) fn display_path(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.') {
        if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

fn positive_two_decimals(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.len() <= 2
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(text.contains('.') && fraction.is_empty())
        && text.bytes().any(|b| (b'1'..=b'9').contains(&b))
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
        && (1..=12).contains(&text[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&text[8..10].parse::<u32>().unwrap_or(0))
}

fn is_bic(bic: &str) -> bool {
    let b = bic.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Whether the host of `url` is a loopback host.
pub(crate) fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or("");
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost") || host == "::1" || host.starts_with("127.")
}

/// The spec's URL pattern (https, a host with a dot), or an emulator-only `http://` loopback.
pub(crate) fn url_allowed(url: &str) -> bool {
    if url.starts_with("http://") {
        return is_loopback_url(url);
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(end);
    (host.contains('.') || is_loopback_url(url))
        && !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-@:%._+~#=".contains(&b))
        && tail
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-()@:%_+.~#?&/=".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_refused_field_is_listed() {
        let body = json!({"bankConnectionName": "", "maxDaysForDownload": 4000, "profileId": "x", "redirectUrl": "ftp://x"});
        let mut check = Check::new(&body);
        check.str_len("bankConnectionName", 1, 64, false);
        check.int("maxDaysForDownload", i64::MIN, 3650, false);
        check.common(&["finalised"]);
        let fields: Vec<_> = check.refused.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "bankConnectionName",
                "maxDaysForDownload",
                "profileId",
                "redirectUrl"
            ]
        );
    }

    #[test]
    fn list_elements_are_reached_by_index() {
        let body = json!({"orders": [{"amount": {"value": "1", "currency": "EUR"}}, {"amount": {"value": "0", "currency": "eur"}}]});
        let mut check = Check::new(&body);
        check.orders(|c, path| c.amount(&format!("{path}.amount")));
        let fields: Vec<_> = check.refused.iter().map(|(f, _)| display_path(f)).collect();
        assert_eq!(
            fields,
            ["orders[1].amount.value", "orders[1].amount.currency"]
        );
    }

    #[test]
    fn amounts_urls_and_paths() {
        for ok in ["1", "0.01", "12.5", "12.50"] {
            assert!(positive_two_decimals(ok), "{ok}");
        }
        for bad in ["0", "0.00", "-1", "1.234", "1.", ".5", "1e2", ""] {
            assert!(!positive_two_decimals(bad), "{bad}");
        }
        assert!(url_allowed("https://shop.example.com/x?a=1"));
        assert!(url_allowed("http://127.0.0.1:8080/cb"));
        assert!(url_allowed("http://localhost/cb"));
        assert!(!url_allowed("http://shop.example.com/cb"));
        assert!(!url_allowed("https://nodot/cb"));
        assert_eq!(
            display_path("orders.3.amount.value"),
            "orders[3].amount.value"
        );
    }
}
