//! Synthetic people: names of household heads and officials, and resident
//! IDs (area 320803, GB 11643 check character).

use crate::dice::Dice;
use crate::error::{err, DemoError};
use ledger_core::household::{check_char, MaskedName};

/// Common surnames of northern Jiangsu, frequent ones repeated so they are
/// drawn more often.
const SURNAMES: [&str; 48] = [
    "王", "王", "王", "张", "张", "张", "陈", "陈", "李", "李", "刘", "刘", "周", "周", "徐", "徐", "朱", "朱", "孙",
    "吴", "杨", "顾", "蒋", "季", "沈", "戴", "薛", "韩", "唐", "胡", "马", "曹", "许", "严", "潘", "钱", "丁", "高",
    "卢", "夏", "姚", "范", "程", "葛", "邵", "汤", "金", "秦",
];
/// Two-character given names typical of rural households of that generation.
const GIVEN_NAMES_2: [&str; 48] = [
    "建国", "桂英", "秀兰", "玉兰", "国华", "德明", "志强", "长林", "春华", "凤英", "海军", "红梅", "学军", "加宝",
    "其林", "广友", "素珍", "立新", "爱华", "金山", "兆云", "成林", "如意", "士明", "正兰", "宝山", "文华", "玉珍",
    "永生", "德胜", "秀英", "兰芳", "光明", "少华", "连生", "家富", "庆云", "冬梅", "小红", "国平", "春生", "明军",
    "秀芳", "桂香", "洪林", "月华", "俊杰", "守田",
];
/// One-character given names.
const GIVEN_NAMES_1: [&str; 16] = [
    "芳", "军", "强", "静", "勇", "红", "伟", "平", "兰", "华", "英", "林", "明", "霞", "斌", "娟",
];

pub(crate) fn person_name(dice: &mut Dice) -> String {
    let surname = SURNAMES[dice.index(SURNAMES.len())];
    let given = if dice.chance(800) {
        GIVEN_NAMES_2[dice.index(GIVEN_NAMES_2.len())]
    } else {
        GIVEN_NAMES_1[dice.index(GIVEN_NAMES_1.len())]
    };
    format!("{surname}{given}")
}

/// A masked official's name for a key holder, e.g. `张*华`.
pub(crate) fn official_name(dice: &mut Dice) -> Result<String, DemoError> {
    Ok(MaskedName::mask(&person_name(dice)).map_err(err)?.as_str().to_string())
}

/// A synthetic 18-digit resident ID: area 320803, a birth date between 1934
/// and 1994, a 3-digit order code, the GB 11643 check character.
pub(crate) fn resident_id(dice: &mut Dice) -> String {
    let year = dice.range(1934, 1994) as u32;
    let month = dice.range(1, 12) as u32;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 31,
    };
    let day = dice.range(1, days) as u32;
    let order = dice.range(1, 999) as u32;
    let body = format!("320803{year:04}{month:02}{day:02}{order:03}");
    let mut body17 = [0u8; 17];
    body17.copy_from_slice(&body.as_bytes()[..17]);
    format!("{body}{}", check_char(&body17))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::household::ResidentId;

    #[test]
    fn synthetic_resident_ids_validate() {
        let mut dice = Dice::seeded(2);
        for _ in 0..1_000 {
            let id = resident_id(&mut dice);
            assert!(ResidentId::parse(&id).is_ok(), "{id}");
            assert!(id.starts_with("320803"));
        }
    }
}
