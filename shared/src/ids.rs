//! Opaque identifiers. All are UUIDs; the ones made on a device are UUIDv7
//! (time-ordered), built from a timestamp and random bytes the caller supplies
//! so that this crate stays free of I/O.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A UUIDv7 from a Unix time in milliseconds and 10 random bytes.
            pub fn new_v7(unix_ms: u64, random: [u8; 10]) -> Self {
                Self(uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
            }
            /// Wraps an existing UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The UUID inside.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            /// Parses the hyphenated text form.
            pub fn parse(text: &str) -> Result<Self, uuid::Error> {
                Uuid::parse_str(text).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

id_type!(
    /// A person (対象者).
    PersonId
);
id_type!(
    /// A member of a person's household (世帯員).
    HouseholdMemberId
);
id_type!(
    /// One revision of a contact log (接触記録).
    ContactId
);
id_type!(
    /// A case-queue item in 多機関協働, created by an escalation.
    CaseId
);
id_type!(
    /// A user of the system (worker, supervisor, coordinator, agency member).
    UserId
);
id_type!(
    /// A team of outreach workers with its supervisors.
    TeamId
);
id_type!(
    /// An enrolled tablet.
    DeviceId
);
id_type!(
    /// One sync operation, made on the device (UUIDv7); the unit of exactly-once.
    OperationId
);
id_type!(
    /// A meeting of the 重層的支援会議 or the 支援会議.
    MeetingId
);
id_type!(
    /// A field visit of the lone-worker check (訪問開始 to 訪問終了).
    VisitId
);
id_type!(
    /// A local resource (地域資源) of the 参加支援 catalogue.
    ResourceId
);
id_type!(
    /// One 参加支援 record of a person: needs, a trial, a follow-up.
    ParticipationId
);
id_type!(
    /// A community activity of 地域づくり (a meeting attended, a サロン
    /// visit, a patrol...), not tied to one person.
    CommunityActivityId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_sort_by_time() {
        let a = OperationId::new_v7(1_700_000_000_000, [9; 10]);
        let b = OperationId::new_v7(1_700_000_000_001, [0; 10]);
        assert!(a < b);
        assert_eq!(a.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn text_round_trip() {
        let a = PersonId::new_v7(1_700_000_000_000, [1; 10]);
        assert_eq!(PersonId::parse(&a.to_string()).unwrap(), a);
        assert!(PersonId::parse("not-a-uuid").is_err());
    }
}
