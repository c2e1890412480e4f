//! The 町丁 (town and chōme) of Hamura, as data. A person's area is chosen
//! from this list, never typed, so that reports can count by area.
//!
//! The list follows Hamura's 住居表示 (towns with their numbered chōme, plus
//! 大字羽 without chōme); the city should confirm it before production.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A town of Hamura and how many 丁目 it has (0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    /// Stable code, e.g. `sakaecho`.
    pub code: &'static str,
    /// Name in Japanese, e.g. `栄町`.
    pub name: &'static str,
    /// Number of 丁目; 0 when the town has none.
    pub chome: u8,
}

/// The towns of Hamura.
pub const AREAS: &[Area] = &[
    Area {
        code: "ozakudai",
        name: "小作台",
        chome: 5,
    },
    Area {
        code: "kawasaki",
        name: "川崎",
        chome: 4,
    },
    Area {
        code: "gonokami",
        name: "五ノ神",
        chome: 4,
    },
    Area {
        code: "sakaecho",
        name: "栄町",
        chome: 3,
    },
    Area {
        code: "shinmeidai",
        name: "神明台",
        chome: 4,
    },
    Area {
        code: "tamagawa",
        name: "玉川",
        chome: 2,
    },
    Area {
        code: "hane",
        name: "羽",
        chome: 0,
    },
    Area {
        code: "hanekami",
        name: "羽加美",
        chome: 4,
    },
    Area {
        code: "hanenaka",
        name: "羽中",
        chome: 4,
    },
    Area {
        code: "hanenishi",
        name: "羽西",
        chome: 3,
    },
    Area {
        code: "hanehigashi",
        name: "羽東",
        chome: 3,
    },
    Area {
        code: "futabacho",
        name: "双葉町",
        chome: 3,
    },
    Area {
        code: "fujimidaira",
        name: "富士見平",
        chome: 3,
    },
    Area {
        code: "midorigaoka",
        name: "緑ヶ丘",
        chome: 5,
    },
];

/// A 町丁: a town and, where it has them, a chōme. Serialized as
/// `town` or `town-N`, e.g. `sakaecho-2`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaCode {
    town: &'static str,
    chome: u8,
}

impl AreaCode {
    /// The area for a town code and chōme; `None` if Hamura has no such 町丁.
    pub fn new(town: &str, chome: u8) -> Option<Self> {
        let area = AREAS.iter().find(|a| a.code == town)?;
        let ok = if area.chome == 0 {
            chome == 0
        } else {
            (1..=area.chome).contains(&chome)
        };
        ok.then_some(Self {
            town: area.code,
            chome,
        })
    }

    /// Every 町丁 of Hamura, in list order (for pickers).
    pub fn all() -> Vec<AreaCode> {
        AREAS
            .iter()
            .flat_map(|a| {
                let range = if a.chome == 0 { 0..=0 } else { 1..=a.chome };
                range.map(move |c| AreaCode {
                    town: a.code,
                    chome: c,
                })
            })
            .collect()
    }

    pub fn town(&self) -> &'static Area {
        AREAS
            .iter()
            .find(|a| a.code == self.town)
            .unwrap_or(&AREAS[0])
    }

    pub fn chome(&self) -> u8 {
        self.chome
    }

    /// The name in Japanese, e.g. `栄町2丁目`.
    pub fn name_ja(&self) -> String {
        if self.chome == 0 {
            self.town().name.to_owned()
        } else {
            format!("{}{}丁目", self.town().name, self.chome)
        }
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.chome == 0 {
            f.write_str(self.town)
        } else {
            write!(f, "{}-{}", self.town, self.chome)
        }
    }
}

impl std::str::FromStr for AreaCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (town, chome) = match s.rsplit_once('-') {
            Some((t, c)) => (
                t,
                c.parse::<u8>().map_err(|_| format!("unknown area {s:?}"))?,
            ),
            None => (s, 0),
        };
        AreaCode::new(town, chome).ok_or_else(|| format!("unknown area {s:?}"))
    }
}

impl Serialize for AreaCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AreaCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let a: AreaCode = "sakaecho-2".parse().unwrap();
        assert_eq!(a.name_ja(), "栄町2丁目");
        assert_eq!(a.to_string(), "sakaecho-2");
        let h: AreaCode = "hane".parse().unwrap();
        assert_eq!(h.name_ja(), "羽");
        assert!("sakaecho-9".parse::<AreaCode>().is_err());
        assert!("hane-1".parse::<AreaCode>().is_err());
        assert!("shibuya-1".parse::<AreaCode>().is_err());
    }

    #[test]
    fn all_areas_round_trip() {
        let all = AreaCode::all();
        assert_eq!(
            all.len(),
            AREAS.iter().map(|a| a.chome.max(1) as usize).sum::<usize>()
        );
        for a in all {
            assert_eq!(a.to_string().parse::<AreaCode>().unwrap(), a);
        }
    }
}
