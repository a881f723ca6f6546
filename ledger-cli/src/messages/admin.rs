//! What the key and admin commands say (`keygen`, `grant`, `revoke`,
//! `cosign`, `submit`, and the key files every signing command reads):
//! the files written, and the files or keys that cannot be used. What the
//! node answers for a posted admin entry is `post::PostMsg` (already
//! shared with `ledger post`).

use super::Message;

/// A message of the key and admin commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminMsg {
    /// `keygen`: the key and its `.vkey` are written.
    WroteKey {
        /// The key file.
        key: String,
        /// The `.vkey` beside it.
        vkey: String,
        /// The public key in hex.
        public_hex: String,
    },
    /// `keygen --pseudonym`: the pseudonym key is written.
    WrotePseudonym {
        /// The key file.
        key: String,
    },
    /// `keygen --name` with a space or `+`.
    BadKeyName {
        /// What was given.
        name: String,
    },
    /// The `.vkey` that `keygen` would write is already there.
    VkeyExists {
        /// That file.
        file: String,
    },
    /// `cosign`: signatures added.
    Cosigned {
        /// How many submissions.
        count: usize,
        /// The file written.
        out: String,
    },
    /// `cosign`: the eight-signature limit.
    TooManySignatures,
    /// `cosign`: a signature already in the file does not hold.
    BadSignatureInFile,
    /// `post csv` without `--node`: the pseudonym key is not checked.
    PseudonymUnchecked,
    /// The pseudonym key is not the log's: references would match nothing.
    PseudonymNotThisLog,
    /// A file that cannot be opened.
    CannotRead {
        /// The file.
        file: String,
    },
    /// A text file that is not UTF-8.
    NotUtf8 {
        /// The file.
        file: String,
    },
    /// A small file over its limit.
    TooLarge {
        /// The file.
        file: String,
        /// Its size.
        bytes: u64,
        /// The limit.
        max_bytes: u64,
    },
    /// A new file that cannot be created (exists, no permission).
    CannotCreate {
        /// The file.
        file: String,
    },
    /// A write that failed.
    CannotWrite {
        /// The file.
        file: String,
    },
    /// The same key file given twice to co-sign.
    KeyTwice {
        /// The file.
        file: String,
    },
    /// A key argument that is neither a key nor a file holding one.
    NotAPublicKey {
        /// What was given.
        given: String,
    },
    /// A `--log-key`-style argument that is not a signed-note verifier key.
    NotAVerifierKey {
        /// What was given.
        given: String,
    },
    /// A file that holds no public key.
    NoPublicKeyIn {
        /// The file.
        file: String,
    },
    /// A policy file that is not a policy.
    NotAPolicy {
        /// The file.
        file: String,
    },
    /// A signed-submission file without one.
    NoSubmissionIn {
        /// The file.
        file: String,
    },
    /// `--kinds`: not an entry kind.
    UnknownKind {
        /// What was given.
        given: String,
        /// Every kind's stable name.
        all: String,
    },
    /// `--role`: not a role.
    BadRole {
        /// What was given.
        given: String,
    },
    /// `--office` (or an office of `--cosign-rule`): not an office.
    NotAnOffice {
        /// The flag.
        what: String,
        /// What was given.
        given: String,
        /// Every office, `name/中文`.
        all: String,
    },
    /// An operator grant without `--office`.
    OperatorNeedsOffice,
    /// An office that cannot hold a key of that role.
    OfficeRole {
        /// The office's stable name.
        office: String,
        /// Its Chinese label.
        label: String,
        /// The role's stable name.
        role: String,
    },
    /// `genesis` with neither `--node` nor `--out`.
    GenesisNodeOrOut,
}

impl Message for AdminMsg {
    fn zh(&self) -> String {
        match self {
            AdminMsg::WroteKey { key, vkey, public_hex } => {
                format!("已写入私钥 {key}（权限 0600）和验证公钥 {vkey}；公钥 {public_hex}")
            }
            AdminMsg::WrotePseudonym { key } => {
                format!("已写入化名密钥 {key}（权限 0600）；上面一行是它的承诺值，用于创世记录")
            }
            AdminMsg::BadKeyName { name } => {
                format!("--name {name:?}：密钥名不能含空格或“+”（1-255 字节）")
            }
            AdminMsg::VkeyExists { file } => format!("{file} 已存在（请换一个 --out）"),
            AdminMsg::Cosigned { count, out } => format!("已为 {count} 笔提交加签，写入 {out}"),
            AdminMsg::TooManySignatures => "一笔提交最多 8 个签名".to_string(),
            AdminMsg::BadSignatureInFile => "文件中有签名验证不通过".to_string(),
            AdminMsg::CannotRead { file } => format!("无法读取 {file}"),
            AdminMsg::PseudonymUnchecked => "警告：没有 --node，假名密钥未与账本创世记录核对".to_string(),
            AdminMsg::PseudonymNotThisLog => {
                "假名密钥文件不是这个账本的（其承诺值与创世记录中的不同）：算出的户编号将对不上".to_string()
            }
            AdminMsg::NotUtf8 { file } => format!("{file} 不是 UTF-8 文本"),
            AdminMsg::TooLarge { file, bytes, max_bytes } => {
                format!("{file} 有 {bytes} 字节，超过 {max_bytes} 字节上限")
            }
            AdminMsg::CannotCreate { file } => format!("无法新建 {file}（请换一个 --out）"),
            AdminMsg::CannotWrite { file } => format!("无法写入 {file}"),
            AdminMsg::KeyTwice { file } => format!("密钥文件 {file} 给了两次（联签需要不同的密钥）"),
            AdminMsg::NotAPublicKey { given } => {
                format!("{given:?} 不是验证公钥（名称+编号+base64）、64 位十六进制公钥，也不是密钥文件")
            }
            AdminMsg::NotAVerifierKey { given } => {
                format!("{given:?} 不是验证公钥（名称+编号+base64），也不是存有验证公钥的文件")
            }
            AdminMsg::NoPublicKeyIn { file } => format!("{file} 中没有公钥"),
            AdminMsg::NotAPolicy { file } => format!("{file} 不是 JSON 格式的政策文件"),
            AdminMsg::NoSubmissionIn { file } => format!("{file} 中没有已签名的提交"),
            AdminMsg::UnknownKind { given, all } => format!("未知的条目类别 {given:?}；可选：{all}"),
            AdminMsg::BadRole { given } => {
                format!("--role 应为 admin（管理员）、operator（经办）或 auditor（审计），而不是 {given:?}")
            }
            AdminMsg::NotAnOffice { what, given, all } => format!("{what} {given:?} 不是岗位；可选：{all}"),
            AdminMsg::OperatorNeedsOffice => "经办密钥需要 --office（例如 village_committee/村委会、town_poverty_office/镇扶贫办、town_finance/镇财政所）".to_string(),
            AdminMsg::OfficeRole { office, label, role } => {
                format!("--office {office}（{label}）不能持有角色为 {role} 的密钥")
            }
            AdminMsg::GenesisNodeOrOut => "请给出 --node URL 把创世记录记账，或给出 --out FILE 写入文件".to_string(),
        }
    }
    fn en(&self) -> String {
        match self {
            AdminMsg::WroteKey { key, vkey, public_hex } => {
                format!("wrote {key} (mode 0600) and its verifier key {vkey}; public key {public_hex}")
            }
            AdminMsg::WrotePseudonym { key } => {
                format!("wrote the pseudonym key to {key} (mode 0600); above is its commitment for genesis")
            }
            AdminMsg::BadKeyName { name } => {
                format!("--name {name:?}: a key name has no spaces or '+' (1-255 bytes)")
            }
            AdminMsg::VkeyExists { file } => format!("{file} already exists (choose another --out)"),
            AdminMsg::Cosigned { count, out } => format!("co-signed {count} submission(s) into {out}"),
            AdminMsg::TooManySignatures => "a submission carries at most 8 signatures".to_string(),
            AdminMsg::BadSignatureInFile => "a signature in the file does not verify".to_string(),
            AdminMsg::CannotRead { file } => format!("cannot read {file}"),
            AdminMsg::PseudonymUnchecked => {
                "warning: no --node, so the pseudonym key is not checked against the log's genesis".to_string()
            }
            AdminMsg::PseudonymNotThisLog => "the pseudonym key file is not this log's key (its commitment differs from the one in genesis): household references would not match".to_string(),
            AdminMsg::NotUtf8 { file } => format!("cannot read {file} as UTF-8 text"),
            AdminMsg::TooLarge { file, bytes, max_bytes } => {
                format!("{file} is {bytes} bytes, more than the {max_bytes}-byte limit")
            }
            AdminMsg::CannotCreate { file } => format!("cannot create {file} (choose another --out)"),
            AdminMsg::CannotWrite { file } => format!("cannot write {file}"),
            AdminMsg::KeyTwice { file } => {
                format!("key file {file} is given twice (co-signatures need distinct keys)")
            }
            AdminMsg::NotAPublicKey { given } => {
                format!("{given:?} is not a verifier key (name+id+base64), 64 hex digits, or a key file")
            }
            AdminMsg::NotAVerifierKey { given } => {
                format!("{given:?} is not a verifier key (name+id+base64) or a file holding one")
            }
            AdminMsg::NoPublicKeyIn { file } => format!("{file} holds no public key"),
            AdminMsg::NotAPolicy { file } => format!("{file} is not a policy in JSON"),
            AdminMsg::NoSubmissionIn { file } => format!("{file} holds no signed submission"),
            AdminMsg::UnknownKind { given, all } => format!("unknown entry kind {given:?}; one of {all}"),
            AdminMsg::BadRole { given } => format!("--role must be admin, operator or auditor, not {given:?}"),
            AdminMsg::NotAnOffice { what, given, all } => format!("{what} {given:?} is not an office; one of {all}"),
            AdminMsg::OperatorNeedsOffice => "an operator key needs --office (e.g. village_committee/村委会, town_poverty_office/镇扶贫办, town_finance/镇财政所)".to_string(),
            AdminMsg::OfficeRole { office, label, role } => {
                format!("--office {office} ({label}) cannot hold a key of role {role}")
            }
            AdminMsg::GenesisNodeOrOut => "give --node URL to post the genesis, or --out FILE to write it".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keygen_names_both_files_in_both_languages() {
        let m = AdminMsg::WroteKey {
            key: "op.key".into(),
            vkey: "op.vkey".into(),
            public_hex: "ab".into(),
        };
        assert_eq!(m.zh(), "已写入私钥 op.key（权限 0600）和验证公钥 op.vkey；公钥 ab");
        assert_eq!(
            m.en(),
            "wrote op.key (mode 0600) and its verifier key op.vkey; public key ab"
        );
        assert_eq!(AdminMsg::CannotRead { file: "p.json".into() }.zh(), "无法读取 p.json");
    }
}
