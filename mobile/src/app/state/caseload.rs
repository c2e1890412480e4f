//! The caseload: filters, search, and who is shown. The tablet holds the
//! whole team's persons; the caseload shows the worker's own (担当, or
//! nobody's yet) unless 「班全体」 is on, so a hand-over moves a person from
//! one worker's list to the other's after sync. Closed people (終結) stay
//! on the device: the 終結 filter lists them, and a search finds them.

use chrono::{DateTime, Utc};

use super::{AppState, Effect, Msg};
use crate::model::*;
use crate::shared::*;

/// A filter on the caseload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseloadFilter {
    /// A stage code (`first_contact`, `closed`, `paused`), or none for
    /// every open one.
    pub stage: Option<String>,
    pub field: Option<LifeField>,
    /// A town code of [`AREAS`].
    pub town: Option<String>,
    /// Alias or kana, in any width (ｶﾀｶﾅ finds カタカナ and ひらがな).
    pub query: String,
    pub overdue_only: bool,
    /// The whole team's persons; otherwise only this worker's own (担当, or
    /// nobody's yet). A search always looks at the whole team.
    pub whole_team: bool,
}

impl CaseloadFilter {
    pub fn matches(&self, e: &CaseloadEntry) -> bool {
        let p = &e.person;
        let searching = !self.query.trim().is_empty();
        let stage_ok = match self.stage.as_deref() {
            // Closed people only when asked for, or found by a search.
            None => p.stage != Stage::Closed || searching,
            Some("paused") => matches!(p.stage, Stage::Paused(_)),
            Some(code) => p.stage.code() == code,
        };
        let field_ok = self.field.is_none_or(|f| p.fields.contains(&f));
        let town_ok = self
            .town
            .as_deref()
            .is_none_or(|town| p.area.as_ref().is_some_and(|a| a.town().code == town));
        let mine_ok = self.whole_team || searching || e.mine;
        stage_ok
            && mine_ok
            && field_ok
            && town_ok
            && (!self.overdue_only || e.overdue)
            && p.matches_search(&self.query)
    }
}

impl AppState {
    /// The caseload entries that pass the filter.
    pub fn visible_caseload(&self) -> Vec<&CaseloadEntry> {
        self.caseload
            .as_ref()
            .map(|c| {
                c.entries
                    .iter()
                    .filter(|e| self.filter.matches(e))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub(super) fn update(
    s: &mut AppState,
    msg: Msg,
    _now: DateTime<Utc>,
    _fx: &mut Vec<Effect>,
) -> Option<Msg> {
    match msg {
        Msg::FilterStage(v) => s.filter.stage = v,
        Msg::FilterField(v) => s.filter.field = v,
        Msg::FilterTown(v) => s.filter.town = v,
        Msg::Search(q) => s.filter.query = q,
        Msg::ToggleOverdue => s.filter.overdue_only = !s.filter.overdue_only,
        Msg::ToggleWholeTeam => s.filter.whole_team = !s.filter.whole_team,
        other => return Some(other),
    }
    None
}
