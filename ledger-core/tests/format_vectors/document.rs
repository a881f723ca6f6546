//! The worked example against `fixtures/vectors/worked-example.json` and
//! the hex values FORMAT.md quotes (`UPDATE_VECTORS=1` rewrites the JSON).

use serde_json::Value;

use crate::example::*;

fn render_dump(name: &str, lines: &[(Vec<u8>, String)]) -> String {
    let mut out = format!("```hex {name}\n");
    for (bytes, comment) in lines {
        // At most 32 bytes a line, so the document stays readable.
        let chunks: Vec<&[u8]> = bytes.chunks(32).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            if i == 0 {
                out.push_str(&format!("{}  ; {comment}\n", hex.join(" ")));
            } else {
                out.push_str(&format!("{}\n", hex.join(" ")));
            }
        }
    }
    out.push_str("```\n");
    out
}

fn string_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| string_values(x, out)),
        Value::Object(o) => o.values().for_each(|x| string_values(x, out)),
        _ => {}
    }
}

#[test]
fn worked_example_matches_the_vectors_file_and_the_document() {
    let example = build();
    let file = path("fixtures/vectors/worked-example.json");
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        let pretty = must(serde_json::to_string_pretty(&example.json)) + "\n";
        must(std::fs::create_dir_all(path("fixtures/vectors")));
        must(std::fs::write(&file, pretty));
        for (name, lines) in &example.dumps {
            println!("{}", render_dump(name, lines));
        }
    }
    let stored: Value = must(serde_json::from_str(&must(std::fs::read_to_string(&file))));
    assert_eq!(
        stored, example.json,
        "fixtures/vectors/worked-example.json differs from what the code computes"
    );

    // The document: every hex value it quotes in the worked example comes
    // from the JSON, and each annotated dump adds up to the JSON's bytes.
    let doc = must(std::fs::read_to_string(path("docs/FORMAT.md")));
    let begin = doc
        .find("<!-- worked-example:begin -->")
        .unwrap_or_else(|| panic!("begin marker"));
    let end = doc
        .find("<!-- worked-example:end -->")
        .unwrap_or_else(|| panic!("end marker"));
    let section = &doc[begin..end];
    let mut values = Vec::new();
    string_values(&stored, &mut values);
    let mut quoted = 0;
    for token in section.split(|c: char| !c.is_ascii_hexdigit()) {
        if token.len() >= 16 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            quoted += 1;
            assert!(
                values.iter().any(|v| v.contains(token)),
                "FORMAT.md quotes {token}, which is not in the vectors"
            );
        }
    }
    assert!(quoted >= 8, "the worked example quotes its values ({quoted})");
    for (name, lines) in &example.dumps {
        let start = format!("```hex {name}\n");
        let at = section
            .find(&start)
            .unwrap_or_else(|| panic!("FORMAT.md has the {name} dump"));
        let block = &section[at + start.len()..];
        let block = &block[..block.find("```").unwrap_or_else(|| panic!("closed dump"))];
        let mut hex = String::new();
        for line in block.lines() {
            let data = line.split(';').next().unwrap_or("");
            hex.extend(data.split_whitespace().map(str::to_string));
        }
        let whole: Vec<u8> = lines.iter().flat_map(|(b, _)| b.clone()).collect();
        assert_eq!(hex, hex::encode(&whole), "the {name} dump in FORMAT.md is out of date");
    }
    let entry2 = stored["entries"][2]["entry_hex"].as_str().unwrap_or_default();
    let dumped: Vec<u8> = example.dumps[0].1.iter().flat_map(|(b, _)| b.clone()).collect();
    assert_eq!(hex::encode(dumped), entry2, "the annotation covers the whole entry");
    let receipt = stored["receipt"]["receipt_hex"].as_str().unwrap_or_default();
    let dumped: Vec<u8> = example.dumps[1].1.iter().flat_map(|(b, _)| b.clone()).collect();
    assert_eq!(hex::encode(dumped), receipt);
}
