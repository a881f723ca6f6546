//! Notices: their shape is checked (no duplicate, the right region for
//! the stage, the right kind of lines).

use ledger_core::testkit::*;

use crate::support::*;

#[test]
fn notices_are_checked_for_shape() {
    let (mut l, k) = base();
    use AssistanceCategory::MinimumLiving as DB;
    l.ok(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190401, &[(1, DB)]),
        &[&k.village],
    );
    l.refused(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190402, &[(2, DB)]),
        &[&k.village],
        "duplicate_notice",
    );
    // A town publicity posted in a village.
    l.refused(
        household_notice("T-X", NoticeStage::TownPublicity, VILLAGE, 20190417, &[(1, DB)]),
        &[&k.town_poverty],
        "unknown_region",
    );
    // Payment lines on a household stage.
    l.refused(
        EntryBody::Notice(Notice {
            notice: ident("A-X"),
            stage: NoticeStage::Application,
            region: code(VILLAGE),
            start: date(20190401),
            title: text("申报公告"),
            lines: NoticeLines::Payments(vec![PaymentLine {
                household: household(1),
                masked_name: masked("王*明"),
                category: SubsidyCategory::MinimumLiving,
                period: may(),
                amount: fen(10),
            }]),
        }),
        &[&k.village],
        "malformed",
    );
    // The same household twice for the same category.
    l.refused(
        household_notice("A-Y", NoticeStage::Application, VILLAGE, 20190401, &[(3, DB), (3, DB)]),
        &[&k.village],
        "malformed",
    );
}
