//! Meetings of a case (重層的支援会議 or 支援会議): date, the roster members
//! who attended with the role each agency takes on, decisions, the plan,
//! monitoring notes and the evaluation at closure. The server keeps them
//! append-only; they are never synced to tablets. The rules a meeting
//! record must keep are [`crate::case_rules::check_meeting`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::agency::AgencyId;
use super::case_queue::Route;
use crate::ids::{CaseId, UserId};

/// What a meeting was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// A roster member present, with the role their agency takes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub user: UserId,
    pub agency: AgencyId,
    pub role: String,
}

/// One meeting of a case, as recorded after it was held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: uuid::Uuid,
    pub case_id: CaseId,
    /// The case's route when the meeting was held.
    pub route: Route,
    pub purpose: MeetingPurpose,
    pub held_on: NaiveDate,
    pub attendees: Vec<Attendee>,
    pub decisions: String,
    pub plan: Option<String>,
    pub monitoring: Option<String>,
    pub evaluation: Option<String>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}
