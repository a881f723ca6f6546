//! `ledger slips`: the payment slips' labels.
