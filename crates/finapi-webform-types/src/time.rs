//! Timestamps and dates as Web Form 2.0 sends them.
//!
//! The spec declares `format: date-time`, writes the pattern `yyyy-MM-dd'T'HH:mm:ss.SSSZ`
//! (Java: `+0000`, no colon) and gives examples with `+00:00`; real answers carry `+0000`.
//! [`Timestamp`] reads all of them, and `Z`, with or without fractions; it writes RFC 3339.

use finapi_access_types::ValidationError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant with the UTC offset it was written with.
///
/// ```
/// use finapi_webform_types::Timestamp;
/// let a: Timestamp = "2024-10-04T13:48:59.194+0000".parse().unwrap();
/// let b: Timestamp = "2024-10-04T15:48:59.194+02:00".parse().unwrap();
/// let c: Timestamp = "2024-10-04T13:48:59.194Z".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a, c);
/// assert_eq!(a.to_string(), "2024-10-04T13:48:59.194+00:00");
/// assert_eq!(a.unix_millis(), 1_728_049_739_194);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Timestamp {
    unix_millis: i64,
    offset_minutes: i32,
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.unix_millis == other.unix_millis
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.unix_millis.cmp(&other.unix_millis)
    }
}

impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.unix_millis.hash(state);
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(text: &str, field: &'static str) -> Result<u32, ValidationError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::new(field, "is not a valid date or time"));
    }
    text.parse()
        .map_err(|_| ValidationError::new(field, "is not a valid date or time"))
}

impl Timestamp {
    /// The instant as milliseconds since 1970-01-01T00:00:00Z.
    pub fn unix_millis(&self) -> i64 {
        self.unix_millis
    }

    /// The UTC offset it was written with, in minutes.
    pub fn offset_minutes(&self) -> i32 {
        self.offset_minutes
    }

    /// An instant from milliseconds since the epoch, written in UTC.
    pub fn from_unix_millis(unix_millis: i64) -> Self {
        Self {
            unix_millis,
            offset_minutes: 0,
        }
    }

    /// As a `SystemTime` (instants before 1970 are clamped to the epoch).
    pub fn to_system_time(&self) -> std::time::SystemTime {
        let millis = u64::try_from(self.unix_millis).unwrap_or(0);
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|+HHMM|+HH)`.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for the field `timestamp` when the text is not such a timestamp.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                "timestamp",
                "is not a date-time such as 2024-10-04T13:48:59.194+00:00",
            )
        };
        let text = text.trim();
        let (date, rest) = text.split_at_checked(10).ok_or_else(invalid)?;
        let date = Date::parse(date).map_err(|_| invalid())?;
        let rest = rest
            .strip_prefix('T')
            .or_else(|| rest.strip_prefix('t'))
            .or_else(|| rest.strip_prefix(' '))
            .ok_or_else(invalid)?;
        let (clock, rest) = rest.split_at_checked(8).ok_or_else(invalid)?;
        let parts: Vec<&str> = clock.split(':').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.len() != 2) {
            return Err(invalid());
        }
        let hour = digits(parts[0], "timestamp").map_err(|_| invalid())?;
        let minute = digits(parts[1], "timestamp").map_err(|_| invalid())?;
        let second = digits(parts[2], "timestamp").map_err(|_| invalid())?;
        if hour > 23 || minute > 59 || second > 60 {
            return Err(invalid());
        }
        let (fraction, zone) = match rest.strip_prefix('.') {
            Some(after) => {
                let end = after
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(after.len());
                if end == 0 {
                    return Err(invalid());
                }
                (&after[..end], &after[end..])
            }
            None => ("", rest),
        };
        let millis = fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(3)
            .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
        let offset_minutes: i32 = match zone {
            "Z" | "z" => 0,
            _ => {
                let sign = match zone.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(invalid()),
                };
                let body = zone[1..].replace(':', "");
                if !matches!(body.len(), 2 | 4) || !body.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid());
                }
                let hours: i32 = body[..2].parse().map_err(|_| invalid())?;
                let minutes: i32 = if body.len() == 4 {
                    body[2..].parse().map_err(|_| invalid())?
                } else {
                    0
                };
                if hours > 23 || minutes > 59 {
                    return Err(invalid());
                }
                sign * (hours * 60 + minutes)
            }
        };
        let days = days_from_civil(
            i64::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        );
        let local_seconds = days * 86_400
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second.min(59));
        let unix_millis = (local_seconds - i64::from(offset_minutes) * 60) * 1000 + millis;
        Ok(Self {
            unix_millis,
            offset_minutes,
        })
    }
}

impl std::str::FromStr for Timestamp {
    type Err = ValidationError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl std::fmt::Display for Timestamp {
    /// RFC 3339 with milliseconds, in the offset it was written with.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let local = self.unix_millis + i64::from(self.offset_minutes) * 60_000;
        let days = local.div_euclid(86_400_000);
        let in_day = local.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let (sign, offset) = if self.offset_minutes < 0 {
            ('-', -self.offset_minutes)
        } else {
            ('+', self.offset_minutes)
        };
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}{sign}{:02}:{:02}",
            in_day / 3_600_000,
            in_day / 60_000 % 60,
            in_day / 1000 % 60,
            in_day % 1000,
            offset / 60,
            offset % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A calendar date (`YYYY-MM-DD`), as execution, start, end and mandate dates are sent.
///
/// ```
/// use finapi_webform_types::Date;
/// let date = Date::new(2026, 2, 28).unwrap();
/// assert_eq!(date.to_string(), "2026-02-28");
/// assert!(Date::new(2026, 2, 29).is_err());
/// assert_eq!("2028-02-29".parse::<Date>().unwrap(), Date::new(2028, 2, 29).unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A checked date.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for the field `date` when the day does not exist.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, ValidationError> {
        if !(1..=12).contains(&month)
            || day == 0
            || u32::from(day) > days_in_month(i64::from(year), u32::from(month))
            || year == 0
        {
            return Err(ValidationError::new("date", "is not a calendar date"));
        }
        Ok(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (a date-time's date part is accepted too, as the spec's examples
    /// show one).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for the field `date` when the text is not such a date.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new("date", "is not a date such as 2026-12-31");
        let text = text.trim();
        let date = text.get(..10).ok_or_else(invalid)?;
        if text.len() > 10 && !matches!(text.as_bytes()[10], b'T' | b't' | b' ') {
            return Err(invalid());
        }
        let bytes = date.as_bytes();
        if bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(invalid());
        }
        let year = digits(&date[..4], "date").map_err(|_| invalid())?;
        let month = digits(&date[5..7], "date").map_err(|_| invalid())?;
        let day = digits(&date[8..10], "date").map_err(|_| invalid())?;
        Self::new(year as u16, month as u8, day as u8).map_err(|_| invalid())
    }

    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1 to 12).
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The date of an instant in UTC.
    pub fn of(timestamp: Timestamp) -> Self {
        let (year, month, day) = civil_from_days(timestamp.unix_millis().div_euclid(86_400_000));
        Self {
            year: year.clamp(1, 9999) as u16,
            month: month as u8,
            day: day as u8,
        }
    }

    /// Today in UTC.
    pub fn today_utc() -> Self {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Self::of(Timestamp::from_unix_millis(millis))
    }
}

impl std::str::FromStr for Date {
    type Err = ValidationError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_the_zone_is_read() {
        let expected = Timestamp::parse("2000-01-23T04:56:07.000Z").unwrap();
        for text in [
            "2000-01-23T04:56:07.000+00:00",
            "2000-01-23T04:56:07.000+0000",
            "2000-01-23T04:56:07+00",
            "2000-01-23T04:56:07Z",
            "2000-01-23T05:56:07.000+01:00",
            "2000-01-22T23:56:07.000-0500",
            "2000-01-23T04:56:07.000000Z",
        ] {
            assert_eq!(Timestamp::parse(text).unwrap(), expected, "{text}");
        }
        assert_eq!(expected.unix_millis(), 948_603_367_000);
    }

    #[test]
    fn fractions_and_offsets_are_kept_and_written_as_rfc3339() {
        let t = Timestamp::parse("2024-10-04T13:48:59.194+0200").unwrap();
        assert_eq!(t.offset_minutes(), 120);
        assert_eq!(t.to_string(), "2024-10-04T13:48:59.194+02:00");
        assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
        let t = Timestamp::parse("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!(t.unix_millis(), -500);
        assert_eq!(t.to_string(), "1969-12-31T23:59:59.500+00:00");
    }

    #[test]
    fn garbage_is_refused_with_the_field() {
        for text in [
            "",
            "2024-10-04",
            "2024-13-04T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-10-04T25:00:00Z",
            "2024-10-04T10:00:00",
            "2024-10-04T10:00:00+2",
            "2024-10-04T10:00:00.+00:00",
            "yesterday",
        ] {
            let err = Timestamp::parse(text).unwrap_err();
            assert_eq!(err.field(), "timestamp", "{text}");
        }
    }

    #[test]
    fn dates_round_trip_and_accept_a_date_time() {
        let date: Date = serde_json::from_str("\"2022-12-31T00:00:00.000+00:00\"").unwrap();
        assert_eq!(date, Date::new(2022, 12, 31).unwrap());
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"2022-12-31\"");
        assert!(Date::parse("2022-12-3").is_err());
        assert!(Date::parse("2022/12/31").is_err());
        assert!(Date::parse("2021-02-29").is_err());
        assert!(Date::parse("2000-02-29").is_ok());
        assert!(Date::parse("1900-02-29").is_err());
    }

    #[test]
    fn civil_days_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
