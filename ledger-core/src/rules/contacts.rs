//! The contacts rule (`ContactsUpdate`, kind 27, docs/FORMAT.md §5.11): an
//! entry naming a region of the table and 1 to 16 contacts. The state keeps
//! the latest list per region ([`crate::contacts::ContactsTable`]) so a
//! verifier replaying the chain knows which contacts were in force.
//!
//! Who signs: a key granted the kind `contacts_update` for a region covering
//! the update's region (an operator key: the district or town poverty
//! office), with whatever co-signatures the policy's rules name for the
//! kind. It is deliberately not an admin kind: an admin grant may only pass
//! on kinds its signer holds, so on a log whose genesis admin predates the
//! kind no admin could ever be granted it; any admin can grant it to an
//! operator.

use crate::contacts::{ContactsTable, ContactsUpdate};
use crate::region::RegionCode;

use super::{LedgerState, RuleError};

impl LedgerState {
    /// The content rule: the regions concerned (the update's region, for
    /// the signer's scope).
    pub(super) fn check_contacts(&self, update: &ContactsUpdate) -> Result<Vec<RegionCode>, RuleError> {
        update.check().map_err(RuleError::Malformed)?;
        self.regions.require(update.region)?;
        Ok(vec![update.region])
    }

    /// The contacts in force, per region.
    pub fn contacts(&self) -> &ContactsTable {
        &self.contacts
    }
}
