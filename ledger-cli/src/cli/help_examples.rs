//! Every example printed by `ledger … --help` parses as written (issue 14
//! item 7: the `--help` examples must not mislead).
//!
//! What this checks: each example line of every command's help (the
//! `Examples:` / `Example:` / `示例` blocks, continuation lines joined,
//! `# comments` dropped) is split as a shell would split it and handed to
//! clap: the subcommand, every flag and every value's form must be
//! accepted. Running them is `tests/help_examples.rs` (against a demo
//! node, with `URL`, `$LOG_VKEY` and `op.key` standing for the demo's); the
//! README's examples are run against a node by `tests/readme_examples.rs`.

use super::Cli;
use clap::{CommandFactory, Parser};

/// The example command lines of one help text.
fn examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in help.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("Examples:") || trimmed.starts_with("Example:") || trimmed.starts_with("示例") {
            in_block = true;
            continue;
        }
        if !in_block {
            continue;
        }
        if trimmed.is_empty() && pending.is_empty() {
            in_block = false;
            continue;
        }
        if pending.is_empty() && !trimmed.starts_with("ledger ") {
            continue;
        }
        let (text, continued) = match trimmed.strip_suffix('\\') {
            Some(t) => (t, true),
            None => (trimmed, false),
        };
        pending.push_str(text.trim_end());
        pending.push(' ');
        if !continued {
            out.push(without_comment(&pending).trim().to_string());
            pending.clear();
        }
    }
    out
}

/// The line up to a ` #` comment outside quotes.
fn without_comment(line: &str) -> String {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev.is_whitespace() => return line[..i].to_string(),
            _ => {}
        }
        prev = c;
    }
    line.to_string()
}

/// Split as `sh` would for these lines: words, '…' and "…" quotes (a
/// `$(…)` or `$VAR` is kept as its text: a placeholder).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// Every help text of the command tree, with the command's path.
fn helps(cmd: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
    let mut text = String::new();
    for part in [cmd.get_after_help(), cmd.get_after_long_help()].into_iter().flatten() {
        text.push_str(&part.to_string());
        text.push('\n');
    }
    out.push((path.to_string(), text));
    for sub in cmd.get_subcommands() {
        helps(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn the_splitter_and_the_block_reader_work_as_sh_and_help_do() {
    assert_eq!(
        words(r#"ledger grant --grantee "$(cat op.vkey)" --holder '张 华'"#),
        ["ledger", "grant", "--grantee", "$(cat op.vkey)", "--holder", "张 华"]
    );
    assert_eq!(
        examples("Examples:\n  ledger a \\\n    --b c   # note\n  ledger d\n\nExit codes: 0"),
        ["ledger a --b c", "ledger d"]
    );
    assert_eq!(examples("no examples here\n  ledger x"), Vec::<String>::new());
}

#[test]
fn every_help_example_parses() {
    let mut texts = Vec::new();
    helps(&Cli::command(), "ledger", &mut texts);
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for (path, text) in &texts {
        for example in examples(text) {
            match Cli::try_parse_from(words(&example)) {
                Ok(_) => checked.push(example),
                Err(e) => failures.push(format!(
                    "{path}: {example}\n  {}",
                    e.to_string().lines().next().unwrap_or("")
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "help examples that do not parse:\n{}",
        failures.join("\n")
    );
    // Every command with an Examples block was read (a block the reader
    // skips would pass silently): at least the ones listed here.
    for command in [
        "ledger keygen",
        "ledger grant",
        "ledger post",
        "ledger export",
        "ledger verify",
        "ledger audit",
        "ledger prove",
        "ledger query",
        "ledger witness",
        "ledger slips",
    ] {
        assert!(
            checked.iter().any(|e| e.starts_with(&format!("{command} "))
                || e.starts_with(&format!("{} ", command.replacen("ledger", "ledger --lang zh", 1)))),
            "no example of {command} was checked: {checked:#?}"
        );
    }
    assert!(checked.len() >= 30, "{} examples: {checked:#?}", checked.len());
}
