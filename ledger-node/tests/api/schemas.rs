//! Schemas: every route is in the OpenAPI file; answers match it; every entry body matches the entry schema.

use super::*;

// ---------------------------------------------------------------------------
// Schemas: every route is in the OpenAPI file; answers match it; every
// demo entry body matches the entry JSON Schema.

pub(crate) fn workspace_file(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

pub(crate) fn openapi() -> TestResult<&'static Value> {
    static DOC: OnceLock<Result<Value, String>> = OnceLock::new();
    DOC.get_or_init(|| {
        let text = std::fs::read_to_string(workspace_file("schemas/openapi.json")).map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| e.clone().into())
}

/// Check a JSON value against `#/components/schemas/<name>` of the OpenAPI file.
pub(crate) fn assert_schema(name: &str, value: &Value) -> TestResult {
    let doc = openapi()?;
    let schema = doc["components"]["schemas"]
        .get(name)
        .ok_or(format!("no schema {name}"))?;
    let mut errors = Vec::new();
    schema::validate(doc, schema, value, "$", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}: {}", errors.join("; ")).into())
    }
}

#[test]
pub(crate) fn every_route_is_in_the_openapi_file() -> TestResult {
    let doc = openapi()?;
    let paths = doc["paths"].as_object().ok_or("paths")?;
    let mut routes = Vec::new();
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for item in std::fs::read_dir(&dir)? {
            let path = item?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)?;
                for (i, _) in text.match_indices(".route(\"") {
                    let rest = &text[i + 8..];
                    let route = &rest[..rest.find('"').unwrap_or(0)];
                    let after = &rest[route.len()..];
                    let method = if after.trim_start_matches(['"', ',', ' ', '\n']).starts_with("post(") {
                        "post"
                    } else {
                        "get"
                    };
                    routes.push((route.to_string(), method, path.display().to_string()));
                }
            }
        }
    }
    assert!(routes.len() >= 20, "{routes:?}");
    for (route, method, file) in &routes {
        let documented = if let Some(prefix) = route.strip_suffix("{*path}") {
            paths
                .iter()
                .any(|(p, item)| p.starts_with(prefix) && item.get(*method).is_some())
        } else {
            paths.get(route).and_then(|item| item.get(*method)).is_some()
        };
        assert!(
            documented,
            "{method} {route} (in {file}) is not in schemas/openapi.json"
        );
    }
    // And every documented operation has responses with examples of its errors.
    for (p, item) in paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {p} has responses"
            );
            assert!(op.get("summary").is_some(), "{method} {p} has a summary");
        }
    }
    Ok(())
}

#[test]
pub(crate) fn every_demo_entry_body_matches_the_entry_schema() -> TestResult {
    let text = std::fs::read_to_string(workspace_file("schemas/entry.schema.json"))?;
    let doc: Value = serde_json::from_str(&text)?;
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: 5,
        target_entries: 800,
        now_ms: now_ms(),
    })?;
    let mut kinds = BTreeSet::new();
    for s in &log.submissions {
        let value = serde_json::to_value(s)?;
        let mut errors = Vec::new();
        schema::validate(&doc, &doc["$defs"]["SignedSubmission"], &value, "$", &mut errors);
        assert!(
            errors.is_empty(),
            "{}: {}",
            s.submission.body.kind().name(),
            errors.join("; ")
        );
        kinds.insert(s.submission.body.kind());
    }
    assert!(kinds.len() >= 8, "{kinds:?}");
    // Every kind has a definition (including those the demo never posts).
    for kind in EntryKind::ALL {
        let variant = serde_json::to_value(kind)?;
        let variant = variant.as_str().unwrap_or_default();
        assert!(
            doc["$defs"]["EntryBody"]["oneOf"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|v| v["required"][0] == variant),
            "EntryBody has {variant}"
        );
    }
    // And the schema refuses what the node refuses: an unmasked name, a bad region code.
    let mut bad = serde_json::to_value(&log.submissions[log.submissions.len() - 1])?;
    if let Some(body) = bad["submission"]["body"].get_mut("HouseholdSubsidy") {
        body["masked_name"] = Value::from("张小三");
        let mut errors = Vec::new();
        schema::validate(&doc, &doc["$defs"]["SignedSubmission"], &bad, "$", &mut errors);
        assert!(!errors.is_empty(), "an unmasked name is refused");
    }
    Ok(())
}

/// A small JSON Schema checker for the subset the project's schemas use:
/// `$ref` (local), `type` (one or a list), `properties`, `required`,
/// `additionalProperties`, `items`, `minItems`, `maxItems`, `enum`,
/// `const`, `oneOf`, `anyOf`, `minimum`, `maximum`, `minLength`,
/// `maxLength` and `pattern` (anchored character classes with counts only).
pub(crate) mod schema {
    use serde_json::Value;

    fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        root.pointer(pointer)
    }

    fn type_ok(t: &str, v: &Value) -> bool {
        match t {
            "string" => v.is_string(),
            "integer" => v.is_u64() || v.is_i64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "null" => v.is_null(),
            _ => false,
        }
    }

    pub fn validate(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            match resolve(root, r) {
                Some(s) => validate(root, s, v, at, errors),
                None => errors.push(format!("{at}: unresolved {r}")),
            }
            return;
        }
        match schema.get("type") {
            Some(Value::String(t)) if !type_ok(t, v) => return errors.push(format!("{at}: not {t}: {v}")),
            Some(Value::Array(ts)) if !ts.iter().any(|t| type_ok(t.as_str().unwrap_or_default(), v)) => {
                return errors.push(format!("{at}: not any of {ts:?}"))
            }
            _ => {}
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if !values.contains(v) {
                errors.push(format!("{at}: {v} not in enum"));
            }
        }
        if let Some(c) = schema.get("const") {
            if c != v {
                errors.push(format!("{at}: {v} is not {c}"));
            }
        }
        for (key, pass) in [("oneOf", 1usize), ("anyOf", 0)] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let ok = options
                    .iter()
                    .filter(|o| {
                        let mut e = Vec::new();
                        validate(root, o, v, at, &mut e);
                        e.is_empty()
                    })
                    .count();
                if (pass == 1 && ok != 1) || (pass == 0 && ok == 0) {
                    errors.push(format!("{at}: {ok} of {key} match"));
                }
            }
        }
        if let Some(n) = v.as_u64() {
            if schema.get("minimum").and_then(Value::as_u64).is_some_and(|m| n < m)
                || schema.get("maximum").and_then(Value::as_u64).is_some_and(|m| n > m)
            {
                errors.push(format!("{at}: {n} out of range"));
            }
        }
        if let Some(s) = v.as_str() {
            let len = s.chars().count() as u64;
            if schema.get("minLength").and_then(Value::as_u64).is_some_and(|m| len < m)
                || schema.get("maxLength").and_then(Value::as_u64).is_some_and(|m| len > m)
            {
                errors.push(format!("{at}: length {len} out of range"));
            }
            if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
                if let Some(false) = pattern_match(p, s) {
                    errors.push(format!("{at}: {s:?} does not match {p}"));
                }
            }
        }
        if let Some(items) = v.as_array() {
            if schema
                .get("minItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| (items.len() as u64) < m)
                || schema
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| (items.len() as u64) > m)
            {
                errors.push(format!("{at}: {} items out of range", items.len()));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(root, item_schema, item, &format!("{at}[{i}]"), errors);
                }
            }
        }
        if let Some(object) = v.as_object() {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(name) {
                    errors.push(format!("{at}: missing {name}"));
                }
            }
            for (k, value) in object {
                match properties.and_then(|p| p.get(k)) {
                    Some(s) => validate(root, s, value, &format!("{at}.{k}"), errors),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => errors.push(format!("{at}: unexpected property {k}")),
                        Some(s @ Value::Object(_)) => validate(root, s, value, &format!("{at}.{k}"), errors),
                        _ => {}
                    },
                }
            }
        }
    }

    /// One pattern element: a character class and how often it repeats.
    struct Atom {
        ranges: Vec<(char, char)>,
        negated: bool,
        min: usize,
        max: usize,
    }

    /// `^…$` patterns made of literal characters and classes like `[0-9a-f]`
    /// with `{n}`, `{n,m}`, `*`, `+` or `?`. Returns None for anything else
    /// (not checked).
    pub fn pattern_match(pattern: &str, s: &str) -> Option<bool> {
        let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
        let p: Vec<char> = body.chars().collect();
        let mut atoms: Vec<Atom> = Vec::new();
        let mut i = 0;
        while i < p.len() {
            let (ranges, negated) = if p[i] == '[' {
                let end = p[i..].iter().position(|c| *c == ']')? + i;
                let mut class = &p[i + 1..end];
                let negated = class.first() == Some(&'^');
                if negated {
                    class = &class[1..];
                }
                let mut ranges = Vec::new();
                let mut k = 0;
                while k < class.len() {
                    if k + 2 < class.len() && class[k + 1] == '-' {
                        ranges.push((class[k], class[k + 2]));
                        k += 3;
                    } else {
                        ranges.push((class[k], class[k]));
                        k += 1;
                    }
                }
                i = end + 1;
                (ranges, negated)
            } else if p[i] == '\\' {
                i += 2;
                (vec![(*p.get(i - 1)?, *p.get(i - 1)?)], false)
            } else if "().|".contains(p[i]) {
                return None;
            } else {
                i += 1;
                (vec![(p[i - 1], p[i - 1])], false)
            };
            let (min, max) = match p.get(i) {
                Some('*') => {
                    i += 1;
                    (0, usize::MAX)
                }
                Some('+') => {
                    i += 1;
                    (1, usize::MAX)
                }
                Some('?') => {
                    i += 1;
                    (0, 1)
                }
                Some('{') => {
                    let end = p[i..].iter().position(|c| *c == '}')? + i;
                    let inner: String = p[i + 1..end].iter().collect();
                    i = end + 1;
                    match inner.split_once(',') {
                        Some((a, b)) => (a.parse().ok()?, if b.is_empty() { usize::MAX } else { b.parse().ok()? }),
                        None => {
                            let n = inner.parse().ok()?;
                            (n, n)
                        }
                    }
                }
                _ => (1, 1),
            };
            atoms.push(Atom {
                ranges,
                negated,
                min,
                max,
            });
        }
        let chars: Vec<char> = s.chars().collect();
        fn matches(atoms: &[Atom], chars: &[char]) -> bool {
            let Some((
                Atom {
                    ranges,
                    negated,
                    min,
                    max,
                },
                rest,
            )) = atoms.split_first()
            else {
                return chars.is_empty();
            };
            let hit = |c: char| ranges.iter().any(|(a, b)| *a <= c && c <= *b) != *negated;
            let mut n = 0;
            while n < chars.len() && n < *max && hit(chars[n]) {
                n += 1;
            }
            (*min..=n).rev().any(|k| matches(rest, &chars[k..]))
        }
        Some(matches(&atoms, &chars))
    }
}
