//! The domain of outreach and 多機関協働, as plain data with validation.

pub mod agency;
pub mod area;
pub mod case_queue;
pub mod community;
pub mod consent;
pub mod contact;
pub mod evaluation;
pub mod fields;
pub mod handover;
pub mod meeting;
pub mod participation;
pub mod person;
pub mod plan;
pub mod resource;
pub mod review;
pub mod stage;
pub mod visit;

pub use agency::{AGENCIES, Agency, AgencyId, AgencyKind};
pub use area::{AREAS, Area, AreaCode};
pub use case_queue::{
    CaseQueueItem, CaseStatus, Escalation, FindRequest, HouseholdCaseMember, Referral,
    RosterMember, Route, Urgency,
};
pub use community::{ActivityKind, CommunityActivity, ParticipantRole, Participants};
pub use consent::{ConsentRecord, ConsentScope, ConsentStatus};
pub use contact::{
    Accompaniment, ContactLog, ContactMethod, DangerSign, Difficulty, MetWhom, NextAction,
    PersonResponse, Reflection, Safety,
};
pub use evaluation::{Excerpt, ExcerptChoice, ExcerptSource, Narrative, Viewpoint};
pub use fields::{CrossTag, LifeField, Scheme, SchemeGap};
pub use handover::HandOver;
pub use meeting::{Attendee, Meeting, MeetingPurpose, MeetingState};
pub use participation::{
    NeedKind, ParticipationEntry, ParticipationRecord, TrialOutcome, TrialStep, UnmetNeed,
};
pub use person::{BirthYear, Household, HouseholdMember, NoticedBy, Person, Relation, Sex};
pub use plan::{
    AgencyRole, ClosureEvaluation, ClosureOutcome, Judgement, MonitoringEntry, Overdue, Plan,
    PlanGoal, PlanTask, SupportRecord, TaskProgress, TaskStatus,
};
pub use resource::{LocalResource, ResourceKind};
pub use review::{Review, ReviewStatus};
pub use stage::{HandedTo, PauseReason, Stage, StageNote};
pub use visit::VisitStart;
