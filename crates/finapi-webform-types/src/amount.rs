//! Money amounts, exact: never a float.

use finapi_access_types::ValidationError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 4217 currency code (three capital letters).
///
/// ```
/// use finapi_webform_types::Currency;
/// assert_eq!(Currency::EUR.as_str(), "EUR");
/// assert!(Currency::new("eur").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Euro, the only currency finAPI takes for standalone payments, standing orders and
    /// direct debits.
    pub const EUR: Self = Self(*b"EUR");

    /// A checked currency code.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for `currency` unless the code is three capital ASCII letters.
    pub fn new(code: &str) -> Result<Self, ValidationError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Self([a, b, c])),
            _ => Err(ValidationError::new(
                "currency",
                "must be an ISO 4217 code of three capital letters",
            )),
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(serde::de::Error::custom)
    }
}

/// A positive amount with at most two decimals, held as minor units (cents): exact, never a
/// float. Sent as a JSON string (`"12.34"`), which the Web Form 2.0 API accepts for amounts
/// ("Type Coercion" in its description) precisely to avoid float rounding.
///
/// ```
/// use finapi_webform_types::{Amount, Currency};
/// let amount = Amount::parse("1234.5", Currency::EUR).unwrap();
/// assert_eq!(amount.minor_units(), 123_450);
/// assert_eq!(amount.value(), "1234.50");
/// assert_eq!(serde_json::to_string(&amount).unwrap(), r#"{"value":"1234.50","currency":"EUR"}"#);
/// assert!(Amount::parse("0.001", Currency::EUR).is_err());
/// assert!(Amount::parse("0", Currency::EUR).is_err());
/// assert!(Amount::parse("1e3", Currency::EUR).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount {
    minor_units: u64,
    currency: Currency,
}

impl Amount {
    /// The largest amount accepted: 999,999,999,999.99 (more than any bank order).
    pub const MAX_MINOR_UNITS: u64 = 99_999_999_999_999;

    /// An amount of `minor_units` hundredths (cents).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for `amount.value` when it is zero or above the maximum.
    pub fn from_minor_units(minor_units: u64, currency: Currency) -> Result<Self, ValidationError> {
        if minor_units == 0 {
            return Err(ValidationError::new("amount.value", "must be positive"));
        }
        if minor_units > Self::MAX_MINOR_UNITS {
            return Err(ValidationError::new("amount.value", "is too large"));
        }
        Ok(Self {
            minor_units,
            currency,
        })
    }

    /// An amount from its decimal text (`12`, `12.3`, `12.34`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for `amount.value` unless the text is a positive decimal with at
    /// most two decimals (no sign, exponent or separators).
    pub fn parse(value: &str, currency: Currency) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                "amount.value",
                "must be a positive decimal number with at most two decimals, such as 12.34",
            )
        };
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        if whole.is_empty()
            || whole.len() > 12
            || fraction.len() > 2
            || (value.contains('.') && fraction.is_empty())
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let whole: u64 = whole.parse().map_err(|_| invalid())?;
        let cents: u64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
        Self::from_minor_units(whole * 100 + cents, currency)
    }

    /// The amount in hundredths.
    pub fn minor_units(&self) -> u64 {
        self.minor_units
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The value as finAPI is sent it: `1234.50`.
    pub fn value(&self) -> String {
        format!("{}.{:02}", self.minor_units / 100, self.minor_units % 100)
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.value(), self.currency)
    }
}

#[derive(Serialize)]
struct AmountWire<'a> {
    value: &'a str,
    currency: Currency,
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AmountWire {
            value: &self.value(),
            currency: self.currency,
        }
        .serialize(serializer)
    }
}

/// `value` as it may arrive: a string, or a JSON number (read through its shortest decimal
/// text, then checked like a string).
#[derive(Deserialize)]
#[serde(untagged)]
enum ValueIn {
    Text(String),
    Whole(u64),
    Number(f64),
}

#[derive(Deserialize)]
struct AmountIn {
    value: ValueIn,
    currency: Currency,
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = AmountIn::deserialize(deserializer)?;
        let text = match wire.value {
            ValueIn::Text(text) => text,
            ValueIn::Whole(whole) => whole.to_string(),
            ValueIn::Number(number) => number.to_string(),
        };
        Self::parse(&text, wire.currency).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact() {
        for (text, cents) in [
            ("0.01", 1),
            ("1", 100),
            ("1.5", 150),
            ("19.99", 1999),
            ("100000000000.10", 10_000_000_000_010),
        ] {
            let amount = Amount::parse(text, Currency::EUR).unwrap();
            assert_eq!(amount.minor_units(), cents, "{text}");
            assert_eq!(
                Amount::parse(&amount.value(), Currency::EUR).unwrap(),
                amount
            );
        }
        // 0.1 + 0.2 in floats is 0.30000000000000004; here it is 30 cents.
        let a = Amount::parse("0.1", Currency::EUR).unwrap().minor_units();
        let b = Amount::parse("0.2", Currency::EUR).unwrap().minor_units();
        assert_eq!(
            Amount::from_minor_units(a + b, Currency::EUR)
                .unwrap()
                .value(),
            "0.30"
        );
    }

    #[test]
    fn bad_amounts_name_the_field() {
        for text in [
            "",
            "-1",
            "+1",
            "1.",
            ".5",
            "1.234",
            "1,50",
            "1e2",
            "0",
            "0.00",
            "NaN",
            "1234567890123",
        ] {
            let err = Amount::parse(text, Currency::EUR).unwrap_err();
            assert_eq!(err.field(), "amount.value", "{text}");
        }
    }

    #[test]
    fn amounts_decode_from_strings_and_numbers() {
        let a: Amount = serde_json::from_str(r#"{"value":"12.30","currency":"EUR"}"#).unwrap();
        let b: Amount = serde_json::from_str(r#"{"value":12.3,"currency":"EUR"}"#).unwrap();
        let c: Amount = serde_json::from_str(r#"{"value":12,"currency":"EUR"}"#).unwrap();
        assert_eq!(a.minor_units(), 1230);
        assert_eq!(a, b);
        assert_eq!(c.minor_units(), 1200);
        assert!(serde_json::from_str::<Amount>(r#"{"value":"12.345","currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Amount>(r#"{"value":"1","currency":"euro"}"#).is_err());
    }
}
