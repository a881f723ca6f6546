//! Which language a person at this machine reads, from the POSIX locale:
//! one rule for every binary that prints sentences for people (`ledger`,
//! `ledger-witness`), so `LANG=en_US.UTF-8` means the same to all of them.

/// Does the locale ask for English? `LC_ALL`, `LC_MESSAGES`, `LANG` in that
/// order (POSIX precedence); the first one that names a language decides:
/// Chinese when it starts with `zh`, English for any other (`en_US.UTF-8`,
/// `fr_FR`). Unset, empty, `C`, `C.UTF-8` and `POSIX` name no language
/// (they are what servers and containers default to), so they are skipped,
/// and with none left the answer is Chinese: the users are Chinese offices,
/// and a machine without a locale is more often their server than an
/// English reader's.
pub fn locale_is_english(get: impl Fn(&str) -> Option<String>) -> bool {
    let names_a_language = |v: &String| {
        let v = v.trim();
        !(v.is_empty() || v == "C" || v == "POSIX" || v.starts_with("C."))
    };
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .find_map(|var| get(var).filter(names_a_language))
        .is_some_and(|v| !v.to_ascii_lowercase().starts_with("zh"))
}

/// [`locale_is_english`] of this process's environment.
pub fn env_is_english() -> bool {
    locale_is_english(|k| std::env::var(k).ok())
}

#[cfg(test)]
mod tests {
    use super::locale_is_english;

    fn with(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn the_first_variable_naming_a_language_decides_else_chinese() {
        let cases: [(&'static [(&'static str, &'static str)], bool); 8] = [
            (&[], false),
            (&[("LANG", "zh_CN.UTF-8")], false),
            (&[("LANG", "en_US.UTF-8")], true),
            (&[("LANG", "C.UTF-8")], false),
            (&[("LANG", "POSIX")], false),
            (&[("LC_ALL", "C"), ("LANG", "en_GB.UTF-8")], true),
            (&[("LC_ALL", "zh_TW.UTF-8"), ("LANG", "en_US.UTF-8")], false),
            (&[("LC_ALL", ""), ("LC_MESSAGES", "en_GB"), ("LANG", "zh_CN")], true),
        ];
        for (env, english) in cases {
            assert_eq!(locale_is_english(with(env)), english, "{env:?}");
        }
    }
}
