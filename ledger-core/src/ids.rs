//! Bounded identifiers and texts. Every string in a signed entry has a limit
//! and a character set, checked when it is built and again when it is decoded.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Longest identifier, in bytes.
pub const MAX_IDENT_BYTES: usize = 64;
/// Longest free text, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// Why an identifier or text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Identifier empty, too long, or with characters outside `[A-Za-z0-9._-]`.
    #[error("identifier must be 1-{MAX_IDENT_BYTES} characters of A-Z a-z 0-9 . _ -, not {0:?}")]
    BadIdent(String),
    /// Text empty, too long, or with control characters.
    #[error("text must be 1-{MAX_TEXT_CHARS} characters without control characters")]
    BadText,
}

/// A machine identifier: fund ids (`F2019-SCN-012`), project ids, payee ids.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Ident(String);

impl Ident {
    /// Validate an identifier.
    pub fn new(text: &str) -> Result<Ident, TextError> {
        let ok = !text.is_empty()
            && text.len() <= MAX_IDENT_BYTES
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Ident(text.to_string()))
        } else {
            Err(TextError::BadIdent(text.chars().take(MAX_IDENT_BYTES + 1).collect()))
        }
    }
    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Ident {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ident::new(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Human text: names, document numbers, memos, reasons. 1 to
/// [`MAX_TEXT_CHARS`] characters, no control characters (so it cannot break
/// a table, a CSV row or a signed note).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    /// Validate a text.
    pub fn new(text: &str) -> Result<Text, TextError> {
        let count = text.chars().count();
        if count == 0 || count > MAX_TEXT_CHARS || text.chars().any(char::is_control) || text.trim().is_empty() {
            return Err(TextError::BadText);
        }
        Ok(Text(text.to_string()))
    }
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Text::new(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// A calendar date as `YYYYMMDD` (project periods, contract dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Date(u32);

impl Date {
    /// The last date the format allows.
    pub const LAST: Date = Date(20991231);

    /// Validate `YYYYMMDD` (years 2000-2099, real month lengths).
    pub fn new(yyyymmdd: u32) -> Result<Date, String> {
        let (y, m, d) = (yyyymmdd / 10_000, (yyyymmdd / 100) % 100, yyyymmdd % 100);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if (2000..=2099).contains(&y) && d >= 1 && d <= days {
            Ok(Date(yyyymmdd))
        } else {
            Err(format!("not a date YYYYMMDD: {yyyymmdd}"))
        }
    }
    /// The `YYYYMMDD` number.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's
    /// `days_from_civil`). Windows and deadlines are counted in whole days.
    pub fn days_since_epoch(self) -> i64 {
        let (y, m, d) = (
            i64::from(self.0 / 10_000),
            i64::from((self.0 / 100) % 100),
            i64::from(self.0 % 100),
        );
        days_from_civil(y, m, d)
    }

    /// The date `days` after 1970-01-01, if it lies in 2000-2099.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let (y, m, d) = civil_from_days(days);
        let packed = u32::try_from(y * 10_000 + m * 100 + d).ok()?;
        Date::new(packed).ok()
    }

    /// `days` days later (None past 2099-12-31).
    pub fn plus_days(self, days: u32) -> Option<Date> {
        Date::from_days_since_epoch(self.days_since_epoch() + i64::from(days))
    }

    /// Whole days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    /// The calendar date in China (UTC+8, no daylight saving) at Unix time
    /// `unix_ms`: the day a payment made "today" is dated by its office.
    pub fn in_china_at(unix_ms: u64) -> Option<Date> {
        const DAY_MS: u64 = 24 * 3600 * 1000;
        const UTC8_MS: u64 = 8 * 3600 * 1000;
        let days = i64::try_from(unix_ms.saturating_add(UTC8_MS) / DAY_MS).ok()?;
        Date::from_days_since_epoch(days)
    }
}

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d` (Howard
/// Hinnant's `days_from_civil`), for any year: the one copy of the
/// arithmetic, used by [`Date`] and by the CLI's time parsing and printing.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month, day) `days` after 1970-01-01
/// (Hinnant's `civil_from_days`), the inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl fmt::Display for Date {
    /// `2019-03-15`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0 / 10_000,
            (self.0 / 100) % 100,
            self.0 % 100
        )
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Date::new(u32::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A subsidy period: a year, a half, a quarter or a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Period {
    /// Fiscal year, 2000-2099.
    pub year: u16,
    /// 0 = the whole year; 1-12 = a month.
    pub month: u8,
}

impl Period {
    /// Validate a period.
    pub fn new(year: u16, month: u8) -> Result<Period, String> {
        if (2000..=2099).contains(&year) && month <= 12 {
            Ok(Period { year, month })
        } else {
            Err(format!("not a period: year {year} month {month}"))
        }
    }
    /// Parse `2019` or `2019-03`.
    pub fn parse(text: &str) -> Result<Period, String> {
        let t = text.trim();
        let (y, m) = match t.split_once('-') {
            Some((y, m)) => (y, m),
            None => (t, "0"),
        };
        let year: u16 = y
            .parse()
            .map_err(|_| format!("not a period (2019 or 2019-03): {t:?}"))?;
        let month: u8 = m
            .parse()
            .map_err(|_| format!("not a period (2019 or 2019-03): {t:?}"))?;
        Period::new(year, month)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.month == 0 {
            write!(f, "{}", self.year)
        } else {
            write!(f, "{}-{:02}", self.year, self.month)
        }
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            year: u16,
            month: u8,
        }
        let raw = Raw::deserialize(d)?;
        Period::new(raw.year, raw.month).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents() {
        assert!(Ident::new("F2019-SCN_012.a").is_ok());
        assert!(Ident::new("").is_err());
        assert!(Ident::new("有中文").is_err());
        assert!(Ident::new(&"a".repeat(65)).is_err());
    }

    #[test]
    fn texts() {
        assert!(Text::new("苏财农〔2019〕12号").is_ok());
        assert!(Text::new("a\nb").is_err());
        assert!(Text::new("  ").is_err());
        assert!(Text::new(&"字".repeat(201)).is_err());
    }

    #[test]
    fn dates_and_periods() {
        assert!(Date::new(20190229).is_err());
        assert!(Date::new(20200229).is_ok());
        assert!(Date::new(20191301).is_err());
        assert_eq!(Period::parse("2019-03").map(|p| p.to_string()), Ok("2019-03".into()));
        assert_eq!(Period::parse("2019").map(|p| p.month), Ok(0));
        assert!(Period::parse("2019-13").is_err());
    }
}
