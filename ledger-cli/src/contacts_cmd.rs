//! `ledger post contacts`: publish whom citizens can call or visit about a
//! region's money (有疑问？, a `contacts_update` entry, docs/FORMAT.md
//! §5.11) from a small TOML or JSON file. The whole list is checked here
//! first — every contact's role and fields, at most 16 — so a typo is
//! reported with its contact number and field, and nothing is posted.

use crate::exit::{input, usage, Tag as _};
use crate::messages::Message as _;
use crate::post::parse;
use anyhow::Result;
use clap::Args;
use ledger_core::contacts::{Contact, ContactRole, ContactsUpdate, MAX_CONTACTS};
use ledger_core::entry::EntryBody;
use serde::Deserialize;
use std::path::PathBuf;

/// A contacts file is a few hundred bytes; anything much larger is not one.
pub const MAX_CONTACTS_FILE_BYTES: u64 = 64 * 1024;

/// `post contacts`.
#[derive(Debug, Clone, Args)]
pub struct ContactsArgs {
    /// 区划代码: the district, town or village the contacts are for.
    #[arg(long, value_name = "CODE")]
    pub region: String,
    /// The contacts: `.toml` (`[[contact]]` tables) or `.json`
    /// (`{"contacts": [...]}`), each with role, name, phone, address, hours.
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
}

/// One contact as written in the file (checked into a [`Contact`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactFile {
    role: String,
    name: String,
    phone: String,
    address: String,
    hours: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    contact: Vec<ContactFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonFile {
    contacts: Vec<ContactFile>,
}

/// Parse a contacts file's text (`toml` says which format), checking every
/// field; errors name the contact (1-based) and the field.
pub fn contacts(text: &str, toml: bool) -> Result<Vec<Contact>, String> {
    let list = if toml {
        toml::from_str::<TomlFile>(text).map_err(|e| e.to_string())?.contact
    } else {
        serde_json::from_str::<JsonFile>(text)
            .map_err(|e| e.to_string())?
            .contacts
    };
    if list.is_empty() || list.len() > MAX_CONTACTS {
        return Err(format!(
            "a contacts list has 1-{MAX_CONTACTS} contacts, not {}",
            list.len()
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let n = i + 1;
            let role = ContactRole::parse(&c.role).ok_or_else(|| {
                let all: Vec<String> = ContactRole::ALL
                    .iter()
                    .map(|r| format!("{}/{}", r.name(), r.label_zh()))
                    .collect();
                format!("contact {n}: role {:?} is not one of {}", c.role, all.join(", "))
            })?;
            let field = |value: &str, what: &str| parse::text(value, &format!("contact {n}: {what}"));
            Ok(Contact {
                role,
                name: field(&c.name, "name")?,
                phone: field(&c.phone, "phone")?,
                address: field(&c.address, "address")?,
                hours: field(&c.hours, "hours")?,
            })
        })
        .collect()
}

/// The entry body of `post contacts`.
pub fn body(a: &ContactsArgs) -> Result<EntryBody> {
    let region = parse::region(&a.region, "--region").map_err(usage)?;
    let toml = match a.file.extension().and_then(|e| e.to_str()) {
        Some("toml") => true,
        Some("json") => false,
        _ => {
            return Err(usage(format!(
                "{}: the contacts file must end in .toml or .json",
                a.file.display()
            )))
        }
    };
    let meta = std::fs::metadata(&a.file).input_err(
        crate::messages::admin::AdminMsg::CannotRead {
            file: a.file.display().to_string(),
        }
        .text(),
    )?;
    if meta.len() > MAX_CONTACTS_FILE_BYTES {
        return Err(input(format!(
            "{} is {} bytes, more than a contacts file's {MAX_CONTACTS_FILE_BYTES}-byte limit",
            a.file.display(),
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(&a.file).input_err(
        crate::messages::admin::AdminMsg::CannotRead {
            file: a.file.display().to_string(),
        }
        .text(),
    )?;
    let contacts = contacts(&text, toml).map_err(|e| input(format!("{}: {e}", a.file.display())))?;
    Ok(EntryBody::ContactsUpdate(ContactsUpdate { region, contacts }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const TOML: &str = r#"
[[contact]]
role = "hotline_12317"
name = "扶贫监督举报电话"
phone = "12317"
address = "电话受理"
hours = "工作日 8:30-17:30"

[[contact]]
role = "纪检监察"
name = "淮安区纪委监委信访室"
phone = "0517-85910000"
address = "淮安区示例路1号"
hours = "工作日 8:30-12:00，14:00-17:30"
"#;

    #[test]
    fn toml_and_json_with_roles_by_code_or_chinese() {
        let list = contacts(TOML, true).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].role, ContactRole::Hotline12317);
        assert_eq!(list[1].role, ContactRole::Discipline);
        assert_eq!(list[1].phone.as_str(), "0517-85910000");
        let json = r#"{"contacts": [{"role": "village_committee", "name": "南徐村委会", "phone": "0517-1",
                        "address": "村部", "hours": "每天"}]}"#;
        assert_eq!(contacts(json, false).unwrap()[0].role, ContactRole::VillageCommittee);
    }

    #[test]
    fn errors_name_the_contact_and_the_field() {
        let bad_role = TOML.replace("纪检监察", "纪委");
        let e = contacts(&bad_role, true).unwrap_err();
        assert!(
            e.starts_with("contact 2: role \"纪委\" is not one of hotline_12317/扶贫监督举报电话 12317, "),
            "{e}"
        );
        let empty_phone = TOML.replace("phone = \"12317\"", "phone = \"\"");
        assert!(contacts(&empty_phone, true)
            .unwrap_err()
            .starts_with("contact 1: phone"));
        let none = contacts(r#"{"contacts": []}"#, false).unwrap_err();
        assert_eq!(none, "a contacts list has 1-16 contacts, not 0");
        let unknown_field = TOML.replace("hours = \"工作日 8:30-17:30\"", "hours = \"x\"\nemail = \"x\"");
        assert!(contacts(&unknown_field, true)
            .unwrap_err()
            .contains("unknown field `email`"));
    }
}
