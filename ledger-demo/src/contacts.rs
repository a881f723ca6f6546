//! The demo's contacts (有疑问？, `ContactsUpdate`): the district's 12317
//! hotline and discipline-inspection office, and each town's poverty
//! office and discipline committee. Plausible but clearly demo data: the
//! numbers are the district's area code with a made-up line (示例), never a
//! real office's.
//!
//! They are the last entries of the log: they replace the tail of the
//! planned entries (`generate`), so every earlier entry keeps its sequence
//! number whatever the log's size.

use crate::error::{text, DemoError};
use crate::keys::COSIGN_POVERTY;
use crate::regions::District;
use crate::signing::Planned;
use crate::{DEMO_ORIGIN, SUBMISSION_VALIDITY_MS};
use ledger_core::contacts::{Contact, ContactRole, ContactsUpdate};
use ledger_core::encoding::Bytes;
use ledger_core::entry::EntryBody;
use ledger_core::submission::{Submission, SUBMISSION_VERSION};

/// How many contacts entries the demo posts: the district's and one per town.
pub(crate) fn count(district: &District) -> usize {
    1 + district.towns.len()
}

fn contact(role: ContactRole, name: &str, phone: &str, address: &str, hours: &str) -> Result<Contact, DemoError> {
    Ok(Contact {
        role,
        name: text(name)?,
        phone: text(phone)?,
        address: text(address)?,
        hours: text(hours)?,
    })
}

/// The contacts entries, signed by the district poverty office (the
/// district's) and each town's poverty office (its town's), with nonces
/// from `nonce`.
pub(crate) fn entries(
    district: &District,
    town_poverty_base: usize,
    now_ms: u64,
    mut nonce: impl FnMut() -> [u8; 16],
) -> Result<Vec<Planned>, DemoError> {
    const HOURS: &str = "工作日 8:30-12:00，14:00-17:30";
    let mut out = Vec::with_capacity(count(district));
    let mut planned = |body: EntryBody, signer: usize| {
        let submission = Submission {
            v: SUBMISSION_VERSION,
            origin: DEMO_ORIGIN.to_string(),
            nonce: Bytes(nonce()),
            not_after_ms: now_ms.saturating_add(SUBMISSION_VALIDITY_MS),
            body,
        };
        (submission, [signer, signer], 1)
    };
    out.push(planned(
        EntryBody::ContactsUpdate(ContactsUpdate {
            region: district.code,
            contacts: vec![
                contact(
                    ContactRole::Hotline12317,
                    "全国扶贫监督举报电话",
                    "12317",
                    "电话受理",
                    HOURS,
                )?,
                contact(
                    ContactRole::Discipline,
                    "淮安区纪委监委信访室（示例）",
                    "0517-8591 0000",
                    "淮安区纪委监委信访接待室（示例地址）",
                    HOURS,
                )?,
                contact(
                    ContactRole::PovertyOffice,
                    "淮安区扶贫开发领导小组办公室（示例）",
                    "0517-8592 0000",
                    "淮安区农业农村局三楼（示例地址）",
                    HOURS,
                )?,
            ],
        }),
        COSIGN_POVERTY,
    ));
    for (t, town) in district.towns.iter().enumerate() {
        // Made-up numbers, one per town, plainly marked 示例.
        let line = 8593_0000 + 100 * (t as u32 + 1);
        out.push(planned(
            EntryBody::ContactsUpdate(ContactsUpdate {
                region: town.code,
                contacts: vec![
                    contact(
                        ContactRole::Discipline,
                        &format!("{}纪委（示例）", town.name),
                        &format!("0517-{} {:04}", line / 10_000, line % 10_000),
                        &format!("{}人民政府（示例地址）", town.name),
                        HOURS,
                    )?,
                    contact(
                        ContactRole::PovertyOffice,
                        &format!("{}扶贫办（示例）", town.name),
                        &format!("0517-{} {:04}", line / 10_000, line % 10_000 + 1),
                        &format!("{}人民政府（示例地址）", town.name),
                        HOURS,
                    )?,
                ],
            }),
            town_poverty_base + t,
        ));
    }
    Ok(out)
}
