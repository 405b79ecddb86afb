//! Option type, level and flag vocabulary shared by module and daemon options.
//!
//! Type ids and names follow Ceph's `Option::type_t` (Pacific 16.2.15), because the MgrMap
//! carries them on the wire (`MgrMap::ModuleOption::type` is the numeric id).

/// `Option::FLAG_RUNTIME`: the option may change while the daemon runs.
pub const FLAG_RUNTIME: u32 = 0x1;
/// `Option::FLAG_NO_MON_UPDATE`: the mon refuses to store the option.
pub const FLAG_NO_MON_UPDATE: u32 = 0x2;
/// `Option::FLAG_STARTUP`: only takes effect at daemon start.
pub const FLAG_STARTUP: u32 = 0x4;
/// `Option::FLAG_CLUSTER_CREATE`: only has effect at cluster creation.
pub const FLAG_CLUSTER_CREATE: u32 = 0x8;
/// `Option::FLAG_CREATE`: only has effect at daemon creation.
pub const FLAG_CREATE: u32 = 0x10;
/// `Option::FLAG_MGR`: set by the mon on every option it builds from a module's schema.
pub const FLAG_MGR: u32 = 0x20;
/// `Option::FLAG_MINIMAL_CONF`: belongs in a minimal ceph.conf.
pub const FLAG_MINIMAL_CONF: u32 = 0x40;

/// The value type of an option (`Option::type_t`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptionType {
    Str,
    Int,
    Uint,
    Float,
    Bool,
    Addr,
    Addrvec,
    Uuid,
    Size,
    Secs,
    Millisecs,
}

impl OptionType {
    /// Every type, in `type_t` id order.
    pub const ALL: [OptionType; 11] = [
        OptionType::Uint,
        OptionType::Int,
        OptionType::Str,
        OptionType::Float,
        OptionType::Bool,
        OptionType::Addr,
        OptionType::Addrvec,
        OptionType::Uuid,
        OptionType::Size,
        OptionType::Secs,
        OptionType::Millisecs,
    ];

    /// `Option::str_to_type`, except that an unknown name gives `Str` (what the mgr does with
    /// an unknown `type` in MODULE_OPTIONS, module_loading.md §5.1).
    pub fn from_name(s: &str) -> OptionType {
        Self::parse_name(s).unwrap_or(OptionType::Str)
    }

    /// `Option::str_to_type`: `None` for a name Ceph does not know.
    pub fn parse_name(s: &str) -> Option<OptionType> {
        Some(match s {
            "uint" => OptionType::Uint,
            "int" => OptionType::Int,
            "str" => OptionType::Str,
            "float" => OptionType::Float,
            "bool" => OptionType::Bool,
            "addr" => OptionType::Addr,
            "addrvec" => OptionType::Addrvec,
            "uuid" => OptionType::Uuid,
            "size" => OptionType::Size,
            "secs" => OptionType::Secs,
            "millisecs" => OptionType::Millisecs,
            _ => return None,
        })
    }

    /// `Option::type_to_str`.
    pub fn name(&self) -> &'static str {
        match self {
            OptionType::Uint => "uint",
            OptionType::Int => "int",
            OptionType::Str => "str",
            OptionType::Float => "float",
            OptionType::Bool => "bool",
            OptionType::Addr => "addr",
            OptionType::Addrvec => "addrvec",
            OptionType::Uuid => "uuid",
            OptionType::Size => "size",
            OptionType::Secs => "secs",
            OptionType::Millisecs => "millisecs",
        }
    }

    /// The numeric `type_t` id carried in `MgrMap::ModuleOption`.
    pub fn id(&self) -> u32 {
        match self {
            OptionType::Uint => 0,
            OptionType::Int => 1,
            OptionType::Str => 2,
            OptionType::Float => 3,
            OptionType::Bool => 4,
            OptionType::Addr => 5,
            OptionType::Addrvec => 6,
            OptionType::Uuid => 7,
            OptionType::Size => 8,
            OptionType::Secs => 9,
            OptionType::Millisecs => 10,
        }
    }

    /// Inverse of [`OptionType::id`]; `None` for an id Pacific does not define.
    pub fn from_id(id: u32) -> Option<OptionType> {
        Self::ALL.iter().copied().find(|t| t.id() == id)
    }
}

/// `Option::level_t`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptionLevel {
    Basic,
    Advanced,
    Dev,
    /// `LEVEL_UNKNOWN` (3): what `config dump` shows for a value stored with `--force`.
    Unknown,
}

impl OptionLevel {
    /// 0 basic, 1 advanced, 2 dev, 3 unknown; anything else is treated as advanced.
    pub fn from_int(v: i64) -> OptionLevel {
        match v {
            0 => OptionLevel::Basic,
            2 => OptionLevel::Dev,
            3 => OptionLevel::Unknown,
            _ => OptionLevel::Advanced,
        }
    }

    /// The numeric `level_t` (as carried in `MgrMap::ModuleOption::level`).
    pub fn as_int(&self) -> u32 {
        match self {
            OptionLevel::Basic => 0,
            OptionLevel::Advanced => 1,
            OptionLevel::Dev => 2,
            OptionLevel::Unknown => 3,
        }
    }

    /// `Option::level_to_str`.
    pub fn name(&self) -> &'static str {
        match self {
            OptionLevel::Basic => "basic",
            OptionLevel::Advanced => "advanced",
            OptionLevel::Dev => "dev",
            OptionLevel::Unknown => "unknown",
        }
    }
}

/// `Option::can_update_at_runtime()`: runtime-flagged options, or (native options only) the
/// numeric/bool types, unless a startup/create flag pins them.
pub fn can_update_at_runtime(ty: OptionType, flags: u32) -> bool {
    let numeric = matches!(
        ty,
        OptionType::Bool
            | OptionType::Int
            | OptionType::Uint
            | OptionType::Float
            | OptionType::Size
            | OptionType::Secs
    );
    (flags & FLAG_RUNTIME != 0 || (flags & FLAG_MGR == 0 && numeric))
        && flags & (FLAG_STARTUP | FLAG_CLUSTER_CREATE | FLAG_CREATE) == 0
}

/// The `flags` array of `config help -f json` (`Option::dump`), in Ceph's order.
pub fn flag_names(flags: u32) -> Vec<&'static str> {
    [
        (FLAG_RUNTIME, "runtime"),
        (FLAG_NO_MON_UPDATE, "no_mon_update"),
        (FLAG_STARTUP, "startup"),
        (FLAG_CLUSTER_CREATE, "cluster_create"),
        (FLAG_CREATE, "create"),
    ]
    .iter()
    .filter(|(bit, _)| flags & bit != 0)
    .map(|(_, name)| *name)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_round_trip() {
        for t in OptionType::ALL {
            assert_eq!(OptionType::from_name(t.name()), t);
            assert_eq!(OptionType::from_id(t.id()), Some(t));
        }
        assert_eq!(OptionType::from_name("nonsense"), OptionType::Str);
        assert_eq!(OptionType::parse_name("Int"), None);
        assert_eq!(OptionType::from_id(11), None);
    }

    #[test]
    fn levels() {
        assert_eq!(OptionLevel::from_int(0).name(), "basic");
        assert_eq!(OptionLevel::from_int(1).name(), "advanced");
        assert_eq!(OptionLevel::from_int(2).name(), "dev");
        assert_eq!(OptionLevel::from_int(3).name(), "unknown");
        assert_eq!(OptionLevel::from_int(7), OptionLevel::Advanced);
        assert_eq!(OptionLevel::from_int(-1), OptionLevel::Advanced);
    }

    #[test]
    fn runtime_rules() {
        // module options (FLAG_MGR) are runtime only when flagged
        assert!(!can_update_at_runtime(OptionType::Int, FLAG_MGR));
        assert!(can_update_at_runtime(
            OptionType::Str,
            FLAG_MGR | FLAG_RUNTIME
        ));
        // native numeric options are runtime unless pinned
        assert!(can_update_at_runtime(OptionType::Int, 0));
        assert!(!can_update_at_runtime(OptionType::Str, 0));
        assert!(!can_update_at_runtime(
            OptionType::Float,
            FLAG_NO_MON_UPDATE | FLAG_CLUSTER_CREATE
        ));
        assert!(!can_update_at_runtime(
            OptionType::Str,
            FLAG_RUNTIME | FLAG_STARTUP
        ));
        assert_eq!(
            flag_names(FLAG_NO_MON_UPDATE | FLAG_STARTUP),
            vec!["no_mon_update", "startup"]
        );
        assert!(flag_names(FLAG_MGR).is_empty());
    }
}
