//! Times: Unix milliseconds in, dates in Beijing time (UTC+8) out. No clock
//! library: the civil-date arithmetic is Howard Hinnant's `days_from_civil`
//! (`ledger_core::ids`).

/// Beijing time offset.
const OFFSET_MS: i64 = 8 * 3600 * 1000;
/// One day.
pub const DAY_MS: u64 = 24 * 3600 * 1000;

/// Current Unix time in ms (one clock for every binary: ledger-datadir).
pub use ledger_datadir::clock::now_ms;

// The civil-date arithmetic is ledger-core's, the one copy.
use ledger_core::ids::{civil_from_days, days_from_civil};

fn month_days(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parse `YYYY-MM-DD` (start of that day, Beijing time), `YYYY-MM-DDTHH:MM`
/// or `YYYY-MM-DD HH:MM[:SS]` (Beijing time), or a Unix time in ms.
pub fn parse_time(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if !t.is_empty() && t.len() >= 12 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<u64>().map_err(|e| e.to_string());
    }
    let bad = || {
        use crate::messages::Message as _;
        crate::messages::submit::SubmitMsg::NotATime { given: t.to_string() }.text()
    };
    let (date, clock) = match t.split_once(['T', ' ']) {
        Some((d, c)) => (d, Some(c)),
        None => (t, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let (y, m, d): (i64, i64, i64) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1970..=2200).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > month_days(y, m) {
        return Err(bad());
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    if let Some(clock) = clock {
        let c: Vec<&str> = clock.split(':').collect();
        let nums: Vec<i64> = c
            .iter()
            .map(|x| x.parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let (h, mi, s) = match nums.as_slice() {
            [h, mi] => (*h, *mi, 0),
            [h, mi, s] => (*h, *mi, *s),
            _ => return Err(bad()),
        };
        if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..60).contains(&s) {
            return Err(bad());
        }
        ms += ((h * 60 + mi) * 60 + s) * 1000;
    }
    u64::try_from(ms - OFFSET_MS).map_err(|_| bad())
}

/// The end (last millisecond) of the day of `text` if it is a bare date,
/// else the instant itself.
pub fn parse_until(text: &str) -> Result<u64, String> {
    let start = parse_time(text)?;
    let bare_date = text.trim().len() == 10;
    Ok(if bare_date { start + DAY_MS - 1 } else { start })
}

/// `YYYY-MM-DD HH:MM:SS` in Beijing time.
pub fn format_ms(ms: u64) -> String {
    let local = ms as i64 + OFFSET_MS;
    let days = local.div_euclid(86_400_000);
    let rest = local.rem_euclid(86_400_000) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rest / 3600,
        (rest / 60) % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        // 2019-01-01 00:00 Beijing = 1546272000000 (the demo's grant start).
        assert_eq!(parse_time("2019-01-01"), Ok(1_546_272_000_000));
        assert_eq!(format_ms(1_546_272_000_000), "2019-01-01 00:00:00");
        assert_eq!(parse_time("2020-02-29 13:05"), parse_time("2020-02-29T13:05:00"));
        assert!(parse_time("2019-02-29").is_err());
        // (Unit tests run in the default language, Chinese.)
        assert_eq!(
            parse_time("yesterday"),
            Err("\"yesterday\" 不是日期或时间（YYYY-MM-DD 或 YYYY-MM-DD HH:MM，北京时间）".to_string())
        );
        assert_eq!(parse_until("2019-01-01"), Ok(1_546_272_000_000 + DAY_MS - 1));
        assert!(format_ms(parse_time("2024-12-31 23:59").unwrap_or(0)).starts_with("2024-12-31 23:59"));
    }
}
