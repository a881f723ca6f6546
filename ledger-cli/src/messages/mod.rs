//! The message catalogue: every sentence the posting path (`ledger post`,
//! `ledger post csv`, `ledger slips`), `ledger verify`, `ledger prove` and `ledger export` print for
//! people, in Chinese and in
//! English, one enum per area with `zh()` and `en()`. Codes for programs
//! (`duplicate_payment`, `overdraft`) stay stable ASCII and are never
//! translated; only the sentence around them is.
//!
//! The language is chosen once per run (`--lang`, else the locale, else
//! Chinese: the users are Chinese offices, and a machine with no locale
//! set, or the `C` locale, is more often a Chinese office's Windows or a
//! server than an English reader) and kept in a process-wide cell, so a message can be rendered deep
//! in the reader without threading the language through every call.

pub mod admin;
pub mod audit;
pub mod batch;
pub mod export;
pub mod flags;
pub mod node;
pub mod post;
pub mod proof_check;
pub mod prove;
pub mod query;
pub mod run_errors;
pub mod sheet;
pub mod slips;
pub mod submit;
pub mod verify;
pub mod witness;

use clap::ValueEnum;
use std::sync::OnceLock;

/// The language of messages for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// 中文 (default).
    Zh,
    /// English.
    En,
}

static LANG: OnceLock<Lang> = OnceLock::new();

/// The language from the environment: `LC_ALL`, `LC_MESSAGES`, `LANG` in
/// that order (POSIX precedence), the first one that names a language
/// decides: Chinese when it starts with `zh`, English for any other
/// (`en_US.UTF-8`, `fr_FR`). Unset, empty, `C`, `C.UTF-8` and `POSIX` name
/// no language (they are what servers and containers default to), so they
/// are skipped, and with none left the answer is Chinese.
pub fn from_locale(get: impl Fn(&str) -> Option<String>) -> Lang {
    // One rule for the whole workspace (ledger-witness and the key files
    // use it too), so `ledger` and `ledger-witness` never disagree.
    if ledger_datadir::locale::locale_is_english(get) {
        Lang::En
    } else {
        Lang::Zh
    }
}

/// Fix the language for this run (first call wins).
pub fn init(flag: Option<Lang>) {
    let lang = flag.unwrap_or_else(|| from_locale(|k| std::env::var(k).ok()));
    let _ = LANG.set(lang);
}

/// The language of this run (Chinese before [`init`], e.g. in unit tests).
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::Zh)
}

/// A message with a Chinese and an English text.
pub trait Message {
    /// 中文.
    fn zh(&self) -> String;
    /// English.
    fn en(&self) -> String;
    /// In the run's language.
    fn text(&self) -> String {
        match lang() {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }
}

/// Fen as yuan with thousands separators and two decimals, e.g.
/// `1,234,567.50 元`: how an office writes money, never bare fen.
pub fn yuan(fen: u64) -> String {
    let whole = (fen / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{grouped}.{:02} 元", fen % 100)
}

/// A spreadsheet column's letter (0 → A, 25 → Z, 26 → AA).
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_has_thousands_separators_and_two_decimals() {
        assert_eq!(yuan(0), "0.00 元");
        assert_eq!(yuan(5), "0.05 元");
        assert_eq!(yuan(123_450), "1,234.50 元");
        assert_eq!(yuan(100_000_000), "1,000,000.00 元");
        assert_eq!(yuan(99_999), "999.99 元");
    }

    #[test]
    fn column_letters_are_excel_s() {
        let got: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letter)
            .collect();
        assert_eq!(got, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn locale_decides_unless_unset() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(from_locale(env(&[])), Lang::Zh, "unset: Chinese");
        assert_eq!(from_locale(env(&[("LANG", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(from_locale(env(&[("LANG", "en_US.UTF-8")])), Lang::En);
        assert_eq!(
            from_locale(env(&[("LANG", "C.UTF-8")])),
            Lang::Zh,
            "C names no language"
        );
        assert_eq!(from_locale(env(&[("LANG", "POSIX")])), Lang::Zh);
        assert_eq!(
            from_locale(env(&[("LC_ALL", "C"), ("LANG", "en_GB.UTF-8")])),
            Lang::En,
            "C is skipped, LANG decides"
        );
        assert_eq!(
            from_locale(env(&[("LC_ALL", "zh_TW.UTF-8"), ("LANG", "en_US.UTF-8")])),
            Lang::Zh,
            "LC_ALL first"
        );
        assert_eq!(
            from_locale(env(&[("LC_ALL", ""), ("LC_MESSAGES", "en_GB"), ("LANG", "zh_CN")])),
            Lang::En,
            "an empty variable is skipped"
        );
    }
}
