//! Meetings of a case (重層的支援会議 or 支援会議): scheduled ahead with a
//! date, a place and the roster members invited; recorded after they were
//! held with the members who attended, the role each agency takes on and
//! the decisions. An edit makes a new version; the server keeps every
//! earlier one. Meetings are never synced to tablets (a tablet sees only
//! the next meeting's date). The plan, monitoring and closure evaluation
//! are structured records of their own (`super::plan`); the free-text
//! `plan`, `monitoring` and `evaluation` notes are kept for meetings
//! recorded before those existed. The rules are
//! [`crate::case_rules::check_meeting`] and
//! [`crate::case_rules::check_schedule`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::agency::AgencyId;
use super::case_queue::Route;
use crate::ids::{CaseId, UserId};

/// What a meeting was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeetingPurpose {
    /// 支援プランの検討
    Planning,
    /// モニタリング
    Monitoring,
    /// 終結時の評価
    Closure,
}

impl MeetingPurpose {
    pub const ALL: [MeetingPurpose; 3] = [
        MeetingPurpose::Planning,
        MeetingPurpose::Monitoring,
        MeetingPurpose::Closure,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            MeetingPurpose::Planning => "planning",
            MeetingPurpose::Monitoring => "monitoring",
            MeetingPurpose::Closure => "closure",
        }
    }
}

/// Whether a meeting is still ahead or was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeetingState {
    /// 開催予定
    Scheduled,
    /// 開催済
    #[default]
    Held,
}

impl MeetingState {
    pub const ALL: [MeetingState; 2] = [MeetingState::Scheduled, MeetingState::Held];
}

/// A roster member present, with the role their agency takes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attendee {
    pub user: UserId,
    pub agency: AgencyId,
    pub role: String,
}

fn first_version() -> u32 {
    1
}

/// One meeting of a case, scheduled or held, in one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Meeting {
    pub id: uuid::Uuid,
    pub case_id: CaseId,
    /// The case's route when the meeting was scheduled or held.
    pub route: Route,
    pub purpose: MeetingPurpose,
    /// Scheduled or held (meetings recorded before scheduling existed
    /// were held).
    #[serde(default)]
    pub state: MeetingState,
    /// The date it is planned for, or was held on.
    pub held_on: NaiveDate,
    #[serde(default)]
    pub place: Option<String>,
    /// The roster members invited.
    #[serde(default)]
    pub invitees: Vec<UserId>,
    pub attendees: Vec<Attendee>,
    pub decisions: String,
    pub plan: Option<String>,
    pub monitoring: Option<String>,
    pub evaluation: Option<String>,
    /// 1 when first written, one more for each edit.
    #[serde(default = "first_version")]
    pub version: u32,
    /// Who wrote this version, and when.
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

impl Meeting {
    pub fn is_held(&self) -> bool {
        self.state == MeetingState::Held
    }
}
