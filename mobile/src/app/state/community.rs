//! 地域づくり on the tablet (issue 18): the team's community activities
//! (newest first) and one form to log one — kind, 町丁, when, the count of
//! each role, what was learned, follow-ups and persons to find (aliases,
//! one a line; each becomes a person at 把握). Reached from the header's
//! 「地域活動」 tab. The form is read by `forms::CommunityInput`; the rules
//! are `shared`'s, applied by the store.

use chrono::{DateTime, Utc};

use super::{AppState, Effect, Msg, Screen};
use crate::app::text as t;
use crate::forms::{CommunityInput, FormErrors};
use crate::shared::*;

/// The 地域活動 screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommunityScreen {
    pub activities: Option<Vec<CommunityActivity>>,
    pub input: CommunityInput,
    pub errors: FormErrors,
    pub busy: bool,
}

impl CommunityScreen {
    pub fn new(now: DateTime<Utc>) -> CommunityScreen {
        CommunityScreen {
            input: CommunityInput::new(now),
            ..CommunityScreen::default()
        }
    }

    /// The first message for a field (its path starts with `field`).
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f.starts_with(field))
            .map(|(_, m)| m.as_str())
    }
}

fn cf(s: &mut AppState, f: impl FnOnce(&mut CommunityScreen)) {
    f(&mut s.community);
}

pub(super) fn update(
    s: &mut AppState,
    msg: Msg,
    now: DateTime<Utc>,
    fx: &mut Vec<Effect>,
) -> Option<Msg> {
    use Msg::*;
    match msg {
        Go(Screen::Community) => {
            if s.shows_content() {
                s.notice = None;
                if s.community.input.learned.is_empty() && !s.community.busy {
                    s.community = CommunityScreen::new(now);
                }
                s.screen = Screen::Community;
                fx.push(Effect::LoadCommunity);
            }
        }
        CommunityLoaded(_) if !s.shows_content() => {}
        CommunityLoaded(r) => match r {
            Ok(l) => s.community.activities = Some(l),
            Err(e) => s.error(e),
        },
        CoKind(k) => cf(s, |f| f.input.kind = Some(k)),
        CoArea(v) => cf(s, |f| f.input.area = v),
        CoDate(v) => cf(s, |f| f.input.date = v),
        CoTime(v) => cf(s, |f| f.input.time = v),
        CoCount(role, v) => cf(s, |f| {
            f.input.counts.insert(role, v);
        }),
        CoLearned(v) => cf(s, |f| f.input.learned = v),
        CoFollowUp(v) => cf(s, |f| f.input.follow_up = v),
        CoFinds(v) => cf(s, |f| f.input.finds = v),
        SaveCommunity => {
            let f = &mut s.community;
            if f.busy {
                return None;
            }
            match f.input.parse() {
                Err(e) => f.errors = e,
                Ok(new) => {
                    f.errors.clear();
                    f.busy = true;
                    fx.push(Effect::LogCommunity(Box::new(new)));
                }
            }
        }
        CommunitySaved(r) => {
            s.community.busy = false;
            match r {
                Ok(()) => {
                    s.community.input = CommunityInput::new(now);
                    s.community.errors.clear();
                    s.info(t::CO_SAVED);
                    fx.extend([Effect::LoadCommunity, Effect::LoadStatus, Effect::Sync]);
                }
                Err(e) => {
                    if let Some(errors) = s.save_failed(e) {
                        s.community.errors = errors;
                    }
                }
            }
        }
        other => return Some(other),
    }
    None
}
