//! `GET /v1/regions/{code}/contacts` (有疑问？): whom to call or visit about
//! a region's money — its own contacts, then its town's, then its
//! district's, each the latest `contacts_update` entry for that region.

use super::{blocking, ledger, level_name, parse_region, path_param, view, View};
use crate::api::error::ApiError;
use crate::api::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use ledger_core::contacts::ContactRole;
use serde::Serialize;
use std::collections::BTreeMap;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/regions/{code}/contacts", get(region_contacts))
}

/// `{code, name, level}`.
#[derive(Debug, Serialize)]
pub struct LevelRef {
    /// 12 digits.
    pub code: String,
    /// Name.
    pub name: String,
    /// `district`, `town` or `village`.
    pub level: &'static str,
}

/// One contact.
#[derive(Debug, Serialize)]
pub struct ContactJson {
    /// `hotline_12317`, `discipline`, `poverty_office`, `finance`,
    /// `village_committee` or `other`.
    pub role: &'static str,
    /// Office or service.
    pub name: String,
    /// Telephone.
    pub phone: String,
    /// Address, or how it is reached.
    pub address: String,
    /// Office hours.
    pub hours: String,
}

/// The list of one region.
#[derive(Debug, Serialize)]
pub struct RegionContacts {
    /// The region the list is for.
    pub region: LevelRef,
    /// The `contacts_update` entry it comes from.
    pub seq: u64,
    /// Its contacts, in the entry's order.
    pub contacts: Vec<ContactJson>,
}

/// `GET /v1/regions/{code}/contacts`.
#[derive(Debug, Serialize)]
pub struct ContactsAnswer {
    /// The region asked about.
    pub region: LevelRef,
    /// The lists that apply, nearest first.
    pub by_region: Vec<RegionContacts>,
    /// Role code → Chinese, every role.
    pub role_labels: BTreeMap<&'static str, &'static str>,
}

async fn region_contacts(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<ContactsAnswer>, ApiError> {
    let code = parse_region(&path_param(path)?)?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let ledger = ledger(&app)?;
        let q = &ledger.query;
        if q.region(code).is_none() {
            return Err(ApiError::not_found(format!(
                "region {code} is not in the log's region table"
            )));
        }
        let level_ref = |c| LevelRef {
            code: format!("{c}"),
            name: q.region_name(c),
            level: level_name(c),
        };
        let by_region = q
            .contacts()
            .applicable(code)
            .into_iter()
            // An update not yet durable in a checkpoint does not show.
            .filter(|(_, seq, _)| *seq < visible)
            .map(|(region, seq, list)| RegionContacts {
                region: level_ref(region),
                seq,
                contacts: list
                    .iter()
                    .map(|c| ContactJson {
                        role: c.role.name(),
                        name: c.name.to_string(),
                        phone: c.phone.to_string(),
                        address: c.address.to_string(),
                        hours: c.hours.to_string(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Json(ContactsAnswer {
            region: level_ref(code),
            by_region,
            role_labels: ContactRole::ALL.iter().map(|r| (r.name(), r.label_zh())).collect(),
        }))
    })
    .await
}
